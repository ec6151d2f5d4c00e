// Linux only, like PseudoTerminal.
#if canImport(Glibc)
import Foundation
import XCTest

/// The interactive shell on a real pseudo-terminal: prompt, readline editing, Ctrl-C, Ctrl-D,
/// completion, history and colour, as a user at a terminal sees them.
final class InteractiveTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("interactive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: home)
    }

    /// A shell at its first prompt.
    private func startShell(environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let term = try PseudoTerminal(home: home, environment: environment)
        try term.expect("Type 'help' for commands", file: file, line: line)
        try term.expect("mnist> ", file: file, line: line)
        return term
    }

    /// Runs `line` and returns the raw output up to the next prompt ending in `prompt`.
    @discardableResult
    private func run(_ line: String, in term: PseudoTerminal, prompt: String = "mnist> ", timeout: TimeInterval = 5,
                     file: StaticString = #filePath, line testLine: UInt = #line) throws -> String {
        term.send(line + "\r")
        try term.expect(line + "\r\n", file: file, line: testLine)  // readline's echo, then the command runs
        return try term.expect(prompt, timeout: timeout, file: file, line: testLine)
    }

    func testBannerHelpAndCtrlDExits() throws {
        let term = try startShell()
        let help = PseudoTerminal.stripANSI(try run("help", in: term))
        for text in ["Data", "  load ", "Explore", "  show ", "Shell", "  quit ", "Type 'help COMMAND'"] {
            XCTAssertTrue(help.contains(text), "help lists \(text): \(help)")
        }
        term.send("\u{4}")
        XCTAssertEqual(term.waitForExit(), 0)
        XCTAssertEqual(term.unmatchedOutput.filter { $0 == "\n" || $0 == "\r\n" }.count, 1,
                       "Ctrl-D ends the prompt line, without a blank line: \(String(reflecting: term.unmatchedOutput))")
    }

    func testCtrlCAtThePromptDiscardsTheLineAndKeepsTheShell() throws {
        let term = try startShell()
        term.send("shw")
        try term.expect("shw")
        term.send("\u{3}")  // the line discipline turns this into SIGINT, as a real terminal does
        try term.expect("^C")
        try term.expect("mnist> ")
        XCTAssertTrue(term.isRunning, "Ctrl-C at the prompt must not kill the shell")
        let output = PseudoTerminal.stripANSI(try run("help quit", in: term))
        XCTAssertTrue(output.contains("usage: quit"), "the partial 'shw' was discarded: \(output)")
        XCTAssertFalse(output.contains("error"), output)
        term.send("quit\r")
        XCTAssertEqual(term.waitForExit(), 0)
    }

    func testCtrlCCancelsAHistorySearch() throws {
        let term = try startShell()
        try run("help load", in: term)
        term.send("\u{12}h")  // Ctrl-R: reverse incremental search, which finds "help load"
        try term.expect("reverse-i-search")
        try term.expect("help load")
        term.send("\u{3}")
        try term.expect("^C")
        try term.expect("mnist> ")
        let output = PseudoTerminal.stripANSI(try run("help quit", in: term))
        XCTAssertTrue(output.contains("usage: quit"), "the search was abandoned, not accepted: \(output)")
        XCTAssertFalse(output.contains("usage: load"), output)
    }

    func testCtrlCAnswersAQuestion() throws {
        let empty = home.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let term = try startShell(environment: ["MNIST_SHELL_OFFLINE": "0", "MNIST_SHELL_DATA": empty.path])
        term.send("load mnist\r")
        try term.expect("Download it")
        try term.expect("[Y/n] ")
        term.send("\u{3}")  // means "no": nothing is downloaded, and the shell does not wait for Enter
        try term.expect("^C")
        try term.expect("mnist> ")
        XCTAssertTrue(term.isRunning)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: empty.path), [], "nothing downloaded")
        XCTAssertTrue(PseudoTerminal.stripANSI(try run("help quit", in: term)).contains("usage: quit"))
    }

    /// Ctrl-C at either question of the save-before-quitting dialogue means cancel: back to the
    /// prompt with the model intact and nothing saved. Ctrl-D at the first question still quits.
    func testCtrlCAtTheSaveBeforeQuittingQuestionsCancels() throws {
        let sessions = home.appendingPathComponent("sessions")
        let term = try startShell(environment: ["MNIST_SHELL_SESSIONS": sessions.path])
        try run("model new; add flatten; add dense 10 --activation softmax", in: term)
        func saved() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? [] }

        term.send("\u{4}")
        try term.expect("Save this session before quitting? [y]es, [n]o, [c]ancel: ")
        term.send("\u{3}")
        try term.expect("^C")
        try term.expect("mnist> ")
        XCTAssertTrue(term.isRunning, "Ctrl-C at the question cancels the quit")
        XCTAssertEqual(saved(), [], "nothing saved")

        term.send("quit\r")
        try term.expect("[c]ancel: ")
        term.send("y\r")
        try term.expect("Name [session-")
        try term.expect("]: ")
        term.send("\u{3}")
        try term.expect("^C")
        try term.expect("mnist> ")
        XCTAssertTrue(term.isRunning, "Ctrl-C at the name cancels the quit")
        XCTAssertEqual(saved(), [], "nothing saved under the default name")

        let summary = PseudoTerminal.stripANSI(try run("summary", in: term))
        XCTAssertTrue(summary.contains("Dense"), "the model is intact: \(summary)")
        term.send("\u{4}")
        try term.expect("[c]ancel: ")
        term.send("n\r")
        XCTAssertEqual(term.waitForExit(), 0)
        XCTAssertEqual(saved(), [])
    }

    func testCtrlCDuringLoadLeavesTheShellRunning() throws {
        try ShellProcess.requireFashion()
        let term = try startShell()
        term.send("load fashion\r")
        try term.expect("load fashion\r\n")
        usleep(100_000)  // loading takes ~0.4 s: interrupt it midway (or just after, if it is quick)
        term.send("\u{3}")
        // Whether the load finished or not, the shell comes back to a prompt.
        try term.expect("> ", timeout: 10)
        XCTAssertTrue(term.isRunning, "Ctrl-C during a command must not kill the shell")
        term.send("help quit\r")
        let output = PseudoTerminal.stripANSI(try term.expect("usage: quit"))
        XCTAssertFalse(output.contains("unknown command"), output)
        try term.expect("> ")
        XCTAssertTrue(term.isRunning)
    }

    /// Ctrl-C while training stops it after the current batch and returns to the prompt with the
    /// model usable. Skipped until a `train` command (which polls `session.interrupted`) exists.
    func testCtrlCInterruptsTrainingAndKeepsTheShell() throws {
        try ShellProcess.requireFashion()
        let term = try startShell()
        guard PseudoTerminal.stripANSI(try run("help train", in: term)).contains("usage: train") else {
            throw XCTSkip("no 'train' command yet: extend this test when training lands")
        }
        try run("load fashion; normalize", in: term, prompt: "norm> ", timeout: 10)
        try run("model new; add flatten; add dense 64 --activation relu; add dense 10 --activation softmax; compile --optimizer adam --loss crossentropy",
                in: term, prompt: "> ")
        term.send("train 100 --batch 32\r")
        try term.expect("train 100 --batch 32\r\n")
        sleep(1)
        let interruptedAt = Date()
        term.send("\u{3}")
        try term.expect("> ", timeout: 10)
        XCTAssertLessThan(Date().timeIntervalSince(interruptedAt), 5, "training stops after the current batch")
        XCTAssertTrue(term.isRunning)
        let output = PseudoTerminal.stripANSI(try run("evaluate", in: term, prompt: "> ", timeout: 30))
        XCTAssertFalse(output.contains("error"), "the interrupted model is still usable: \(output)")
    }

    func testTabCompletesCommandNames() throws {
        let term = try startShell()
        term.send("he\t")
        try term.expect("help ")
        let output = PseudoTerminal.stripANSI(try run("quit", in: term))  // the line is now "help quit"
        XCTAssertTrue(output.contains("usage: quit"), output)
        XCTAssertTrue(term.isRunning)
    }

    func testTabCompletesOptionsAndSubCommands() throws {
        try ShellProcess.requireFashion()
        let term = try startShell()
        term.send("load fa\t")
        try term.expect("load fashion ")
        term.send("\r")
        try term.expect("Loaded Fashion-MNIST")
        try term.expect("fashion-mnist> ")
        term.send("show 1 --t\t")
        try term.expect("--test ")
        term.send("--ascii\r")
        // Image 1 is a T-shirt in the training set and a Pullover in the test set.
        let output = PseudoTerminal.stripANSI(try term.expect("fashion-mnist> "))
        XCTAssertTrue(output.contains("Pullover"), output)
        XCTAssertFalse(output.contains("error"), output)
    }

    func testTabCompletesFilePaths() throws {
        let dir = home.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // 50 images, five per class, label first; the last pixel is 255 so the label column is unambiguous.
        let rows = (0..<50).map { i in ([i % 10] + (0..<783).map { ($0 * 7 + i) % 256 } + [255]).map(String.init).joined(separator: ",") }
        try rows.joined(separator: "\n").write(to: dir.appendingPathComponent("digits.csv"), atomically: true, encoding: .utf8)
        let term = try startShell()
        term.send("load \(dir.path)/dig\t")
        try term.expect("digits.csv ")
        term.send("\r")
        let output = PseudoTerminal.stripANSI(try term.expect("> "))
        XCTAssertTrue(output.contains("Loaded") && output.contains("\(dir.path)/digits.csv"), output)
    }

    func testHistoryIsSavedAndRecalledWithUpArrow() throws {
        let first = try startShell()
        try run("help load", in: first)
        first.send("quit\r")
        XCTAssertEqual(first.waitForExit(), 0)
        let saved = try String(contentsOf: home.appendingPathComponent(".mnist_shell_history"), encoding: .utf8)
        XCTAssertEqual(saved.split(separator: "\n").suffix(2), ["help load", "quit"], saved)

        let second = try startShell()
        second.send("\u{1B}[A")  // Up: the last line of the first session
        try second.expect("quit")
        second.send("\u{1B}[A")
        try second.expect("help load")
        second.send("\r")
        let output = PseudoTerminal.stripANSI(try second.expect("mnist> "))
        XCTAssertTrue(output.contains("usage: load"), output)
        second.send("\u{4}")
        XCTAssertEqual(second.waitForExit(), 0)
    }

    func testShowUsesColouredHalfBlocksOnAColourTerminal() throws {
        try ShellProcess.requireFashion()
        let term = try startShell()
        let output = try run("load fashion; show 0", in: term, prompt: "fashion-mnist> ", timeout: 10)
        XCTAssertTrue(output.contains("▀"), output)
        XCTAssertTrue(output.contains("\u{1B}[38;5;"), "256-colour greys: \(output)")
        XCTAssertTrue(PseudoTerminal.stripANSI(output).contains("Ankle boot"), output)
    }

    func testNoColorGivesTheASCIIRamp() throws {
        try ShellProcess.requireFashion()
        let term = try startShell(environment: ["NO_COLOR": "1"])
        let output = try run("load fashion; show 0", in: term, prompt: "fashion-mnist> ", timeout: 10)
        XCTAssertNil(output.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression), "no colour codes: \(output)")
        XCTAssertFalse(output.contains("▀"), output)
        XCTAssertTrue(output.contains("@@"), "dark pixels drawn with the ramp's '@': \(output)")
        XCTAssertTrue(output.contains("Ankle boot"), output)
    }

    func testUnknownCommandPrintsErrorAndHintAndContinues() throws {
        let term = try startShell()
        let output = PseudoTerminal.stripANSI(try run("shwo 3", in: term))
        XCTAssertTrue(output.contains("error: shwo: unknown command 'shwo'"), output)
        XCTAssertTrue(output.contains("hint: did you mean 'show'?"), output)
        XCTAssertTrue(term.isRunning)
        XCTAssertTrue(PseudoTerminal.stripANSI(try run("help quit", in: term)).contains("usage: quit"))
        term.send("\u{4}")
        XCTAssertEqual(term.waitForExit(), 0)
    }
}
#endif
