import Foundation

/// Reading whole files and fixed-width integers out of byte arrays.
enum Bytes {
    /// The bytes of the file at `path`, or a `DataError` saying why it cannot be read.
    static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, message: "no such file", hint: "check the path")
        }
        guard !isDirectory.boolValue else {
            throw DataError(file: path, message: "is a directory, expected a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(file: path, message: "cannot read the file", hint: "check its permissions")
        }
        return [UInt8](data)
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
