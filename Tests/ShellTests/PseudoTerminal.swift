// Linux only: the pty set-up uses Linux ioctls and glibc constants.
#if canImport(Glibc)
import Foundation
import Glibc
import XCTest

/// Runs the built `mnist-shell` on a pseudo-terminal, the way a user's terminal emulator does.
///
/// The child is started with `posix_spawn`: a new session (`POSIX_SPAWN_SETSID`), then the pty's
/// slave opened as fd 0, which makes it the controlling terminal, and duplicated onto fds 1 and 2.
/// So the line discipline is real: the byte 0x03 sent to the master raises SIGINT in the shell, and
/// `isatty` is true for stdin and stdout. Every wait has a timeout; the child is killed when the
/// driver goes away, so a stuck shell cannot hang the suite.
///
///     let term = try PseudoTerminal(home: dir)
///     try term.expect("mnist> ")
///     term.send("help\r")
final class PseudoTerminal {
    /// Reading timed out, or the shell exited, before the expected text appeared.
    struct ExpectationError: Error, CustomStringConvertible {
        var description: String
    }

    /// Linux constants Swift's Glibc module does not import (function-like macros, or behind _GNU_SOURCE).
    private enum Linux {
        /// `_IOW('T', 0x31, int)` from <asm-generic/ioctls.h> (x86_64 and arm64).
        static let TIOCSPTLCK: UInt = 0x4004_5431
        /// `_IOR('T', 0x30, unsigned int)`.
        static let TIOCGPTN: UInt = 0x8004_5430
        /// From glibc's <spawn.h> (2.26 and later).
        static let POSIX_SPAWN_SETSID: Int32 = 0x80
    }

    let pid: pid_t
    private let master: Int32
    /// Output read from the master and not yet consumed by `expect`.
    private var pending: [UInt8] = []
    private var exitStatus: Int32?

    /// Starts the shell with a clean environment: `TERM=xterm-256color`, `HOME` and
    /// `MNIST_SHELL_HISTORY` inside `home`, offline, the package's `data/` directory, no inputrc.
    /// `environment` is applied last (e.g. `["NO_COLOR": "1"]`).
    init(home: URL, arguments: [String] = [], environment: [String: String] = [:], columns: UInt16 = 200, rows: UInt16 = 50) throws {
        // posix_openpt, unlockpt and ptsname are not visible from Swift's Glibc module (they need
        // _XOPEN_SOURCE), so this does what they do on Linux: open the multiplexer, unlock the new
        // pty and ask for its number.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, Linux.TIOCSPTLCK, &unlock) == 0, ioctl(master, Linux.TIOCGPTN, &number) == 0 else {
            let reason = String(cString: strerror(errno))
            if master >= 0 { close(master) }
            throw ExpectationError(description: "cannot open a pseudo-terminal: \(reason)")
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)

        var env = ProcessInfo.processInfo.environment
        for key in ["NO_COLOR", "COLORTERM", "COLUMNS", "LINES", "OPENBLAS_VERBOSE"] { env[key] = nil }
        env["TERM"] = "xterm-256color"
        env["HOME"] = home.path
        env["MNIST_SHELL_HISTORY"] = home.appendingPathComponent(".mnist_shell_history").path
        env["MNIST_SHELL_OFFLINE"] = "1"
        env["MNIST_SHELL_DATA"] = ShellProcess.sampleDataDir
        env["INPUTRC"] = "/dev/null"
        for (key, value) in environment { env[key] = value }

        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        // setsid runs before the file actions, so opening the slave (without O_NOCTTY) as the new
        // session's leader makes it the controlling terminal, as TIOCSCTTY would.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var defaults = sigset_t(), noMask = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTSTP, SIGPIPE] { sigaddset(&defaults, signal) }
        sigemptyset(&noMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setflags(&attributes, Int16(Linux.POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let path = ShellProcess.executable.path
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            close(master)
            throw ExpectationError(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        pid = child
    }

    deinit {
        if !reap(blocking: false) {
            kill(pid, SIGKILL)
            reap(blocking: true)
        }
        close(master)
    }

    /// Types `text` (UTF-8) into the terminal: "\r" is Enter, "\t" Tab, "\u{3}" Ctrl-C, "\u{4}" Ctrl-D.
    func send(_ text: String) {
        var bytes = Array(text.utf8)
        while !bytes.isEmpty {
            let written = write(master, bytes, bytes.count)
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { usleep(1_000); continue }
                return
            }
            bytes.removeFirst(written)
        }
    }

    /// Reads until `text` appears in the output (ANSI escapes stripped before matching) and returns
    /// the raw output up to and including it; later calls see only what comes after. Fails the test
    /// with the output read so far when `timeout` seconds pass or the shell exits first.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let needle = Array(text.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (plain, origin) = PseudoTerminal.strip(pending)
            if let end = PseudoTerminal.endOfMatch(needle, in: plain) {
                let rawEnd = origin[end - 1] + 1
                let consumed = Array(pending[..<rawEnd])
                pending.removeFirst(rawEnd)
                return String(decoding: consumed, as: UTF8.self)
            }
            let remaining = deadline.timeIntervalSinceNow
            let open = remaining > 0 && readAvailable(waitingUpTo: min(remaining, 0.1))
            if remaining <= 0 || !open {
                let seen = unmatchedOutput
                let why = remaining <= 0 ? "after \(timeout) s" : "before the shell closed the terminal"
                let message = "expected \(String(reflecting: text)) \(why); unmatched output: \(String(reflecting: seen))"
                XCTFail(message, file: file, line: line)
                throw ExpectationError(description: message)
            }
        }
    }

    /// Waits for the shell to exit and reads the rest of its output; returns its exit status (128 + N
    /// for signal N). After `timeout` seconds, fails the test, kills the shell and returns nil.
    @discardableResult
    func waitForExit(timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while !reap(blocking: false) {
            guard Date() < deadline else {
                XCTFail("mnist-shell did not exit within \(timeout) s; output: \(String(reflecting: unmatchedOutput))", file: file, line: line)
                kill(pid, SIGKILL)
                reap(blocking: true)
                return nil
            }
            _ = readAvailable(waitingUpTo: 0.02)
        }
        // What the shell wrote just before exiting is still buffered in the pty (bounded: 1 s).
        var reads = 0
        while reads < 100, readAvailable(waitingUpTo: 0.01) { reads += 1 }
        return exitStatus
    }

    /// Output read but not yet consumed by `expect`, escapes stripped (e.g. what came before the exit).
    var unmatchedOutput: String {
        PseudoTerminal.stripANSI(String(decoding: pending, as: UTF8.self))
    }

    /// Whether the shell is still running.
    var isRunning: Bool { !reap(blocking: false) }

    /// Collects the shell's exit status once it has exited; true if it has.
    @discardableResult
    private func reap(blocking: Bool) -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        guard waitpid(pid, &status, blocking ? 0 : WNOHANG) == pid else { return false }
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return true
    }

    /// Appends whatever the master has within `seconds`; false once the slave side is closed.
    private func readAvailable(waitingUpTo seconds: TimeInterval) -> Bool {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&fds, 1, Int32(max(1, seconds * 1000)))
        if ready <= 0 { return ready == 0 || errno == EINTR }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &buffer, buffer.count)
        if count > 0 {
            pending += buffer[..<count]
            return true
        }
        // EIO: every slave descriptor is closed (the shell exited).
        return count < 0 && (errno == EAGAIN || errno == EINTR)
    }

    /// `text` without ANSI escape sequences (CSI, OSC and two-byte escapes).
    static func stripANSI(_ text: String) -> String {
        String(decoding: strip(Array(text.utf8)).plain, as: UTF8.self)
    }

    /// The bytes without escape sequences, and for each kept byte its index in `raw`.
    private static func strip(_ raw: [UInt8]) -> (plain: [UInt8], origin: [Int]) {
        var plain: [UInt8] = [], origin: [Int] = []
        var i = 0
        while i < raw.count {
            guard raw[i] == 0x1B else {
                plain.append(raw[i])
                origin.append(i)
                i += 1
                continue
            }
            i += 1
            guard i < raw.count else { break }
            switch raw[i] {
            case UInt8(ascii: "["):  // CSI: parameters and intermediates, then a final byte 0x40-0x7E
                i += 1
                while i < raw.count, !(0x40...0x7E).contains(raw[i]) { i += 1 }
                i += 1
            case UInt8(ascii: "]"):  // OSC: up to BEL or ESC \
                while i < raw.count, raw[i] != 0x07, raw[i] != 0x1B { i += 1 }
                i += raw.count > i && raw[i] == 0x1B ? 2 : 1
            default:
                i += 1
            }
        }
        return (plain, origin)
    }

    /// The index just past the first occurrence of `needle` in `haystack`.
    private static func endOfMatch(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
#endif
