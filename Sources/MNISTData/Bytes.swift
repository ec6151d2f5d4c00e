import Foundation

/// The bytes of the file at `path` (a regular file or a pipe), or a `DataError` saying why not in
/// the system's words ("no such file", "is a directory", "is a device or socket, not a data file").
public func readFileBytes(_ path: String) throws -> [UInt8] {
    try Bytes.read(path)
}

/// Reading whole files and fixed-width integers out of byte arrays.
enum Bytes {
    /// The bytes of the file at `path` (a regular file or a pipe), or a `DataError` saying why it
    /// cannot be read, in the system's words.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = errno
            throw reason == ENOENT
                ? DataError(file: path, message: "no such file", hint: "check the path")
                : DataError(file: path, message: "cannot open: \(systemErrorReason(reason))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError(file: path, message: "cannot read: \(systemErrorReason(errno))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO: break
        case S_IFDIR: throw DataError(file: path, message: "is a directory, expected a file")
        default: throw DataError(file: path, message: "is a device or socket, not a data file")
        }
        // The size fstat gives is read in place; anything after it (all of a pipe) in chunks.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var count = 0
        while true {
            let inPlace = count < bytes.count
            let n = inPlace
                ? bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + count, $0.count - count) }
                : chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(file: path, offset: count, message: "cannot read: \(systemErrorReason(errno))")
            }
            if !inPlace { bytes.append(contentsOf: chunk[..<n]) }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// The file's bytes, decompressed when it is gzip (detected by its magic 1f 8b, not its name).
    static func readMaybeGzip(_ path: String) throws -> [UInt8] {
        let raw = try read(path)
        return Zlib.isGzip(raw) ? try Zlib.gunzip(raw, file: path) : raw
    }

    static func uint32BE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func uint16LE(_ b: [UInt8], _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func uint32LE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func uint64LE(_ b: [UInt8], _ at: Int) -> UInt64 {
        UInt64(uint32LE(b, at)) | UInt64(uint32LE(b, at + 4)) << 32
    }
}

/// POSIX read(2), named apart from `Bytes.read`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
