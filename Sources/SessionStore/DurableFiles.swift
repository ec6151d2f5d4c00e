import CSessionSupport
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// File-system steps of an atomic save: durable writes, directory fsync, atomic swap.
enum DurableFiles {
    /// Writes `bytes` to a new file at `path` and fsyncs it before returning.
    static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw error(path, "cannot create") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw error(path, "cannot write") }
            done += n
        }
        guard fsync(fd) == 0 else { throw error(path, "cannot flush to disk") }
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
        SessionError(file: path, problem: "\(what): \(String(cString: strerror(errno)))", hint: "check free space and permissions")
    }
}
