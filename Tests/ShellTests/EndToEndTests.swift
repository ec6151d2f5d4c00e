import Foundation
import MNISTData
import XCTest

/// The real executable, driven the way scripts and pipes drive it.
final class EndToEndTests: XCTestCase {
    func testFashionInfoShowsNotebookShapesAndClassCounts() throws {
        try ShellProcess.requireFashion()
        let r = try ShellProcess.run(["-c", "load fashion; info"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("train: (60000, 28, 28)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("test : (10000, 28, 28)") || r.stdout.contains("test: (10000, 28, 28)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("values: uint8 0-255"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Trouser"), r.stdout)
        XCTAssertTrue(r.stdout.contains("6,000"), r.stdout)
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour when not a terminal")
    }

    func testMNISTFallsBackToTheSampleOffline() throws {
        try ShellProcess.requireSample()
        let r = try ShellProcess.run(["-c", "load mnist; info"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("sample"), r.stderr)
        XCTAssertTrue(r.stdout.contains("train: (4000, 28, 28)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(1000, 28, 28)"), r.stdout)
    }

    /// Split and CSV options are used where they apply (the sample honours a test fraction) and
    /// refused where they do not, leaving the loaded data as it was.
    func testLoadOptionsApplyOrAreRefused() throws {
        try ShellProcess.requireSample()
        let halves = try ShellProcess.run(["-c", "load mnist --test-fraction 0.5; info"])
        XCTAssertEqual(halves.status, 0, halves.stderr)
        XCTAssertTrue(halves.stdout.contains("train: (2500, 28, 28)"), halves.stdout)
        let label = try ShellProcess.run(["-c", "load mnist --label first"])
        XCTAssertTrue(label.stderr.contains("load: --label applies to CSV files; MNIST sample (5,000 digits) is read with its own layout"), label.stderr)
        try ShellProcess.requireFashion()
        let r = try ShellProcess.run(["-c", "load mnist; load fashion --test-fraction 0.5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("load: --test-fraction does not apply to Fashion-MNIST: it comes split 60,000 train / 10,000 test"), r.stderr)
        let kept = try ShellProcess.run(["--keep-going", "-c", "load mnist; load fashion --header yes; info"])
        XCTAssertTrue(kept.stderr.contains("load: --header applies to CSV files; Fashion-MNIST is IDX"), kept.stderr)
        XCTAssertTrue(kept.stdout.contains("train: (4000, 28, 28)"), "the sample stays loaded:\n\(kept.stdout)")
    }

    func testShowRendersTitlesWithTheTrueLabels() throws {
        try ShellProcess.requireSample()
        let dataset = try DatasetLoader.loadSample(dataDir: ShellProcess.sampleDataDir)
        let indices = [0, 450, 900, 1300, 3999]
        let r = try ShellProcess.run(["-c", "load mnist; show \(indices.map(String.init).joined(separator: " ")) --cols 5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let titleLine = r.stdout.split(separator: "\n").first { $0.contains("Digit:") }.map(String.init) ?? ""
        let shown = titleLine.components(separatedBy: "Digit: ").dropFirst().compactMap { Int($0.prefix(1)) }
        XCTAssertEqual(shown, indices.map { Int(dataset.train.labels[$0]) }, titleLine)
        // ASCII art when not a TTY: 28 pixel rows under the titles, with ink from the ramp.
        let art = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.contains("Digit:") }.dropFirst().prefix(28)
        XCTAssertEqual(art.count, 28)
        XCTAssertTrue(art.contains { $0.contains("@") || $0.contains("%") }, art.joined(separator: "\n"))
    }

    func testPixelsHistNormalizeFindMeanStats() throws {
        try ShellProcess.requireFashion()
        let r = try ShellProcess.run(["-c", "load fashion; pixels 0; hist 0; normalize; pixels 0; hist 0 --bins 10; find label 9 --limit 3; mean 9; stats --test"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("raw 0-255"), r.stdout)
        XCTAssertTrue(r.stdout.contains("normalised 0.00-1.00"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1.00"), "normalised matrix shows 0.00-1.00 values")
        XCTAssertTrue(r.stdout.contains("6,000 train images with label 9: 0 "), r.stdout)
        XCTAssertTrue(r.stdout.contains("mean"), r.stdout)
        XCTAssertTrue(r.stdout.contains("test set, 10,000 images"), r.stdout)
    }

    func testPNGOutputIsARealPNG() throws {
        try ShellProcess.requireSample()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let grid = dir.appendingPathComponent("grid.png").path, hist = dir.appendingPathComponent("hist.png").path
        let r = try ShellProcess.run(["-c", "load mnist; show 0-9 --png \(grid); hist 0 --png \(hist)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for path in [grid, hist] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], path)
            XCTAssertGreaterThan(bytes.count, 200)
        }
    }

    func testErrorsStopTheScriptWithStatusAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("s.mnsh")
        try "# a comment\nhelp quit\nshwo 1\nhelp show\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try ShellProcess.run([script.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("error: \(script.path):3: shwo: unknown command 'shwo'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'show'"), r.stderr)
        XCTAssertTrue(r.stdout.contains("usage: quit"))
        XCTAssertFalse(r.stdout.contains("usage: show"), "stops at the first failure")

        let going = try ShellProcess.run(["--keep-going", script.path])
        XCTAssertEqual(going.status, 1, "still reports the failure")
        XCTAssertTrue(going.stdout.contains("usage: show"), "but runs the rest")
    }

    func testPipedStdinRunsWithoutPrompt() throws {
        let r = try ShellProcess.run([], stdin: "help load\nquit\nhelp show\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("usage: load"), r.stdout)
        XCTAssertFalse(r.stdout.contains("mnist>"))
        XCTAssertFalse(r.stdout.contains("usage: show"), "quit ends the script")
    }

    func testBadFileLeavesTheLoadedDataSetUntouched() throws {
        try ShellProcess.requireSample()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("broken-images-idx3-ubyte")
        try Data([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]).write(to: bad)
        let r = try ShellProcess.run(["--keep-going", "-c", "load mnist; load \(bad.path); info; show 99999; load /no/such/file.csv; info"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(bad.path) || r.stderr.contains("broken-images-idx3-ubyte"), r.stderr)
        XCTAssertTrue(r.stderr.contains("index 99999 is out of range"), r.stderr)
        XCTAssertTrue(r.stderr.contains("/no/such/file.csv"), r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "train: (4000, 28, 28)").count - 1, 3, "load + two infos still show the sample:\n\(r.stdout)")
    }

    /// `--restore NAME` takes the name as one word (a quote in it used to be read as shell syntax:
    /// 'unterminated " quote', or `x" --no-data "` as extra words), and -c with a script is refused
    /// rather than the script silently skipped.
    func testCommandLineRestoreNameAndScriptConflict() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["a\"b", "x\" --no-data \""] {
            let r = try ShellProcess.run(["--sessions-dir", dir.path, "--restore", name, "-c", "info"])
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.stderr.hasPrefix("error: restore: \(name): session name contains '\"'"), r.stderr)
        }
        let script = dir.appendingPathComponent("s.txt")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "seed 1\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try ShellProcess.run(["-c", "seed 2", script.path])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("give either -c COMMANDS or a script file (\(script.path)), not both"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    func testUnknownCommandLineOptionIsAUsageError() throws {
        let r = try ShellProcess.run(["--no-such-flag"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--no-such-flag"), r.stderr)
    }
}
