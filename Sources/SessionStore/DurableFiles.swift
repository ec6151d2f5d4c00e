import CSessionSupport
import Foundation
import MNISTData
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// File-system steps of an atomic save: durable writes, directory fsync, atomic swap.
enum DurableFiles {
    /// Writes `bytes` to a new file at `path` and fsyncs it before returning.
    /// `naming` is the path errors give (the file the user asked for, when `path` is a temporary).
    static func writeDurably(_ bytes: [UInt8], to path: String, naming shown: String? = nil) throws {
        let shown = shown ?? path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw error(shown, "cannot create") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw error(shown, "cannot write") }
            done += n
        }
        guard fsync(fd) == 0 else { throw error(shown, "cannot flush to disk") }
    }

    /// Replaces the files at `targets` with `bytes` so each holds either all of its old content or
    /// all of the new: every file is written durably beside its target under a hidden temporary name
    /// first, and only when all are written are they renamed into place. On an error the targets
    /// are untouched and the temporary files removed. A symbolic link is written through: the file
    /// it points to is replaced and the link stays.
    static func replace(_ files: [(path: String, bytes: [UInt8])]) throws {
        let files = files.map { (path: resolvingLink($0.path), bytes: $0.bytes) }
        for file in files {
            var info = stat()
            guard stat(file.path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw SessionError(file: file.path, problem: "is a directory", hint: "give a file name")
            default: throw SessionError(file: file.path, problem: "is not a regular file (a device, pipe or socket)", hint: "give a file name")
            }
        }
        var temps: [String] = []
        defer { for temp in temps { unlink(temp) } }
        for file in files {
            let url = URL(fileURLWithPath: file.path)
            let temp = url.deletingLastPathComponent().appendingPathComponent(
                ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
            temps.append(temp)
            try writeDurably(file.bytes, to: temp, naming: file.path)
        }
        for (temp, file) in zip(temps, files) { try move(temp, to: file.path) }
        temps = []
    }

    /// `path`, or the file it names when it is a symbolic link (followed to the end of a chain, even
    /// to a file that does not exist yet).
    private static func resolvingLink(_ path: String) -> String {
        var path = path
        for _ in 0..<40 {  // the kernel's own limit on a chain of links
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return path }
            path = target.hasPrefix("/") ? target : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
        }
        return path
    }

    /// Flushes a directory's entries (new names, renames) to disk.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw error(path, "cannot open directory") }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else { throw error(path, "cannot flush directory to disk") }
    }

    /// Atomically exchanges two existing paths; false if the system cannot (the caller falls back).
    static func exchange(_ a: String, _ b: String) throws -> Bool {
        if session_rename_exchange(a, b) == 0 { return true }
        if errno == EINVAL || errno == ENOSYS || errno == ENOTSUP { return false }
        throw error(b, "cannot swap in the new save")
    }

    static func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else { throw error(to, "cannot rename \(from) to it") }
    }

    /// True if a process with this id is running (or exists but is not ours to signal).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private static func error(_ path: String, _ what: String) -> SessionError {
        SessionError(file: path, problem: "\(what): \(systemErrorReason(errno))",
                     hint: "check free space and permissions")
    }
}

/// Writes `bytes` to `path` as exports are written (`DurableFiles.replace`): the previous file stays
/// whole until the new one is complete, a directory or device is refused, and a symbolic link is
/// written through.
public func replaceFile(at path: String, with bytes: [UInt8]) throws {
    try DurableFiles.replace([(path, bytes)])
}
