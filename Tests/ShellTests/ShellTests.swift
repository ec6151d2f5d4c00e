import MNISTData
import ShellCore
import XCTest

/// Writes a CSV of synthetic images to `url`: one row per label, label first, then `pixels` values
/// (side √pixels) that differ from row to row.
func writeSyntheticCSV(labels: [Int], pixels: Int, to url: URL) throws {
    let rows = labels.enumerated().map { i, label in ([label] + (0..<pixels).map { ($0 * 7 + i * 13) % 256 }).map(String.init).joined(separator: ",") }
    try rows.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
}

final class ShellTests: XCTestCase {
    func makeShell() -> (Shell, RecordingConsole) {
        let console = RecordingConsole()
        return (Shell(session: LiveSession(dataDir: NSTemporaryDirectory(), offline: true), console: console), console)
    }

    func testUnknownCommandSuggestsNearest() {
        let (shell, console) = makeShell()
        XCTAssertFalse(shell.run("shwo 0-4"))
        XCTAssertEqual(console.errors, ["error: shwo: unknown command 'shwo'", "hint: did you mean 'show'? (type 'help' for all commands)"])
    }

    /// Words past what a command's usage allows are an error before it runs (`pop 3` used to pop
    /// one layer, `threads 2 3` to ignore the 3).
    func testExtraArgumentsAreAnError() {
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("model new; add flatten; add dense 10"))
        XCTAssertFalse(shell.run("pop 3"))
        XCTAssertEqual(console.errors, ["error: pop: 'pop' takes no arguments; got '3'", "hint: usage: pop"])
        XCTAssertEqual(shell.session.model?.layers.count, 2, "nothing was popped")
        console.errors = []
        XCTAssertFalse(shell.run("threads 2 3"))
        XCTAssertEqual(console.errors, ["error: threads: too many arguments: '3'", "hint: usage: threads [N]"])
        console.errors = []
        XCTAssertFalse(shell.run("sessions rm a b"))
        XCTAssertEqual(console.errors.first, "error: sessions: too many arguments: 'b'")
        XCTAssertTrue(shell.run("pop; summary"), console.errorText)
        XCTAssertEqual(shell.session.model?.layers.count, 1)
    }

    /// An option of another optimizer or loss is reported, not silently dropped.
    func testCompileRefusesOptionsOfAnotherOptimizerOrLoss() {
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("model new; add flatten; add dense 10 --activation softmax"), console.errorText)
        for (line, option) in [("compile --optimizer adam --momentum 0.5", "momentum"), ("compile --targets 0,1", "targets"),
                               ("compile --optimizer lbfgs --lr 0.1", "lr"), ("compile --optimizer sgd --history 5", "history")] {
            console.errors = []
            XCTAssertFalse(shell.run(line), line)
            XCTAssertTrue(console.errorText.hasPrefix("error: compile: --\(option) applies to "), console.errorText)
        }
        XCTAssertFalse(shell.session.model?.isCompiled ?? true, "no refused compile went through")
        XCTAssertTrue(shell.run("compile --optimizer momentum --momentum 0.5; compile --loss mse --targets 0.01,0.99"), console.errorText)
    }

    /// `train` counts epochs, or L-BFGS iterations: an option of the other kind is an error, as is
    /// giving the count twice (`train 3 --epochs 5` used to train 5).
    func testTrainRefusesOptionsOfTheOtherKindOfOptimizer() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString).csv")
        try writeSyntheticCSV(labels: (0..<50).map { $0 % 10 }, pixels: 16, to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("load \(file.path) --test-fraction 0.2; normalize; model new; add flatten; add dense 10 --activation softmax; compile"), console.errorText)
        for (line, message) in [
            ("train --iterations 3", "error: train: --iterations applies to L-BFGS; this model trains by epochs"),
            ("train 3 --epochs 5", "error: train: give the number of epochs once: 'train N' or --epochs N"),
        ] {
            console.errors = []
            XCTAssertFalse(shell.run(line), line)
            XCTAssertEqual(console.errors.first, message, line)
        }
        XCTAssertTrue(shell.run("compile --optimizer lbfgs"), console.errorText)
        for (option, hint) in [("--epochs 3", ["hint: use 'train N' or --iterations N"]), ("--batch 16", [])] {
            console.errors = []
            XCTAssertFalse(shell.run("train " + option), option)
            XCTAssertEqual(console.errors, ["error: train: --\(option.split(separator: " ")[0].dropFirst(2)) does not apply to L-BFGS, which takes the whole training set at each iteration"] + hint,
                           option)
        }
        console.errors = []
        XCTAssertFalse(shell.run("train 0"))
        XCTAssertEqual(console.errors.first, "error: train: '0' is not a number of iterations (1-100000)")
        XCTAssertEqual(shell.session.model?.history.epochs.count, 0, "no refused train ran")
        XCTAssertTrue(shell.run("train --iterations 2; train 1 --validation-split 0.1"), console.errorText)
        XCTAssertEqual(shell.session.model?.history.epochs.count, 3)
        // L-BFGS's line shows both validation figures, as the minibatch optimizers' do.
        XCTAssertNotNil(console.output.last?.range(of: #" - val_accuracy: [0-9.]+ - val_loss: [0-9.]+$"#, options: .regularExpression),
                        console.output.last ?? "")
        console.errors = []
        XCTAssertFalse(shell.run("load \(file.path) --train-count 40 --test-fraction 0.2"))
        XCTAssertEqual(console.errors.first, "error: load: give either --train-count (the first N images train) or --test-fraction (a share of each class), not both")
    }

    /// A validation split that leaves out whole classes (a class-sorted set) is pointed out.
    func testValidationSplitWithoutSomeClassesIsPointedOut() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sorted-\(UUID().uuidString).csv")
        // 125 images sorted by class; 105 of them train (every 5th of each class is test), still sorted.
        try writeSyntheticCSV(labels: (0..<125).map { $0 * 10 / 125 }, pixels: 16, to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("load \(file.path) --test-fraction 0.2; normalize; model new; add flatten; add dense 10 --activation softmax; compile"), console.errorText)
        console.errors = []
        XCTAssertTrue(shell.run("train 1 --validation-split 0.2"), console.errorText)
        XCTAssertEqual(console.errors, ["note: the validation split (the last 20 % of the training set, as in Keras) has no images of class 0, 1, 2, 3, 4, 5, 6, 7: "
                                        + "the set is ordered by class, so val_accuracy and val_loss will not reflect them"])
        console.errors = []
        XCTAssertTrue(shell.run("train 1"), console.errorText)
        XCTAssertEqual(console.errors, [])
    }

    /// `--png` writes through a symbolic link (the link stays) and refuses a pipe or device rather
    /// than replacing it with a file.
    func testPNGWritesThroughALinkAndRefusesAPipe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeSyntheticCSV(labels: (0..<50).map { $0 % 10 }, pixels: 16, to: dir.appendingPathComponent("d.csv"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.png", withDestinationPath: "drawn.png")
        XCTAssertEqual(mkfifo(dir.path + "/fifo", 0o600), 0)
        let (shell, console) = shellWithDirectory(dir)
        XCTAssertTrue(shell.run("load \(dir.path)/d.csv; show 0 --png \(dir.path)/link.png"), console.errorText)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/link.png"), "drawn.png")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("drawn.png")).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        XCTAssertFalse(shell.run("show 0 --png \(dir.path)/fifo"))
        XCTAssertEqual(console.errors.last, "error: show: \(dir.path)/fifo: is not a regular file (a device, pipe or socket) (give a file name)")
        var info = stat()
        XCTAssertEqual(lstat(dir.path + "/fifo", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the pipe is still a pipe")
    }

    /// A known initialiser with a bad scale says what is wrong with the scale, not "unknown".
    func testInitialiserScaleMustBePositive() {
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("model new; add flatten"))
        XCTAssertFalse(shell.run("add dense 10 --init normal:-1"))
        XCTAssertEqual(console.errors, ["error: add: initialiser 'normal:-1': the standard deviation must be a positive number, got '-1'",
                                        "hint: e.g. normal:0.01"])
        console.errors = []
        XCTAssertFalse(shell.run("add dense 10 --init uniform:x"))
        XCTAssertEqual(console.errors.first, "error: add: initialiser 'uniform:x': the limit must be a positive number, got 'x'")
        XCTAssertTrue(shell.run("add dense 10 --init uniform:0.15"), console.errorText)
        XCTAssertEqual(shell.session.model?.layers.count, 2)
    }

    /// A linear output gives scores, not probabilities: no percentages such as -25381.4 %.
    func testPredictShowsScoresForALinearOutputAndPercentagesForSoftmax() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scores-\(UUID().uuidString).csv")
        try writeSyntheticCSV(labels: (0..<100).map { $0 % 10 }, pixels: 100, to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("load \(file.path); model new; add flatten; add dense 10; predict 0"), console.errorText)
        XCTAssertTrue(console.text.contains("(score "), console.text)
        XCTAssertNil(console.text.range(of: "[0-9] ?%", options: .regularExpression), console.text)  // the digit art uses % too
        console.output = []
        XCTAssertTrue(shell.run("pop; add dense 10 --activation softmax; predict 0"), console.errorText)
        XCTAssertTrue(console.text.contains(" %)"), console.text)
        XCTAssertFalse(console.text.contains("(score "), console.text)
    }

    func testUniquePrefixAndAmbiguousPrefix() throws {
        let (shell, console) = makeShell()
        XCTAssertEqual(try shell.resolve("pix").0.name, "pixels")
        XCTAssertFalse(shell.run("s"))
        XCTAssertTrue(console.errorText.contains("ambiguous"), console.errorText)
    }

    func testHelpListsEveryCommandAndEachHasUsageAndExample() {
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("help"))
        let overview = console.text
        for group in CommandGroup.allCases where shell.commands.contains(where: { $0.group == group }) { XCTAssertTrue(overview.contains("\n\(group.rawValue)\n") || overview.hasPrefix(group.rawValue + "\n"), "no topic \(group)") }
        for spec in shell.commands {
            XCTAssertTrue(overview.contains("\n  " + spec.name + " "), "help misses \(spec.name)")
            console.output = []
            XCTAssertTrue(shell.run("help \(spec.name)"))
            XCTAssertTrue(console.text.hasPrefix("usage: \(spec.name)"), console.text)
            XCTAssertTrue(console.text.contains("example:\n  "), "help \(spec.name) has no example")
            XCTAssertFalse(spec.example.isEmpty)
        }
    }

    func testCommandsNeedingDataSayHowToLoadIt() {
        let (shell, console) = makeShell()
        XCTAssertFalse(shell.run("show 0"))
        XCTAssertEqual(console.errors.first, "error: show: no data set loaded")
        XCTAssertTrue(console.errorText.contains("load mnist"))
    }

    func testCommandsOnAnEmptySetSaySoInsteadOfARangeOrNaN() {
        let (shell, console) = makeShell()
        let train = ImageSet(rows: 28, cols: 28, pixels: [UInt8](repeating: 0, count: 784 * 10), labels: (0..<10).map(UInt8.init))
        shell.session.dataset = Dataset(name: "tiny.csv", source: "tiny.csv", files: [], train: train,
                                        test: ImageSet(rows: 28, cols: 28, pixels: [], labels: []))
        XCTAssertTrue(shell.run("model preset sgd-relu"))
        for command in ["evaluate", "show 0 --test", "pixels 0 --test", "hist --test", "confusion", "predict 0 --test"] {
            console.errors = []
            console.output = []
            XCTAssertFalse(shell.run(command), command)
            XCTAssertTrue(console.errorText.contains("the test set of tiny.csv is empty"), "\(command): \(console.errorText)")
            XCTAssertFalse(console.errorText.contains("-1") || console.text.lowercased().contains("nan"), "\(command): \(console.errorText)")
        }
        XCTAssertNil(shell.session.lastTestAccuracy, "no NaN accuracy kept for 'sessions'")
        XCTAssertTrue(shell.run("show 0-9 --ascii"), console.errorText)
    }

    /// `pixels` and `hist` take one image: a range or list is an error, not its first image shown
    /// without a word (`pixels 0-3` printed image 0).
    func testOneImageCommandsRefuseARange() {
        let (shell, console) = makeShell()
        let train = ImageSet(rows: 28, cols: 28, pixels: [UInt8](repeating: 0, count: 784 * 10), labels: (0..<10).map(UInt8.init))
        shell.session.dataset = Dataset(name: "tiny.csv", source: "tiny.csv", files: [], train: train, test: train)
        for (line, message) in [("pixels 0-3", "error: pixels: '0-3' is 4 images; pixels takes one index, e.g. pixels 0"),
                                ("hist 2,5", "error: hist: '2,5' is 2 images; hist takes one index, e.g. hist 2"),
                                ("pixels", "error: pixels: give one image index, e.g. pixels 0")] {
            console.errors = []
            console.output = []
            XCTAssertFalse(shell.run(line), line)
            XCTAssertEqual(console.errors, [message], line)
            XCTAssertTrue(console.output.isEmpty, line)
        }
        XCTAssertTrue(shell.run("pixels 3; hist 3-3"), console.errorText)
    }

    /// A drawing that cannot be used is reported with its file, like one that cannot be read
    /// (a blank one used to say "image: the image looks blank").
    func testPredictNamesTheBlankFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("blank-\(UUID().uuidString).pgm")
        try Data(Array("P5 8 8 255\n".utf8) + [UInt8](repeating: 255, count: 64)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("model new; add flatten; add dense 10 --activation softmax"), console.errorText)
        XCTAssertFalse(shell.run("predict \(file.path)"))
        XCTAssertEqual(console.errors.first, "error: predict: \(file.path): the image looks blank: no ink stands out from the background (draw a dark digit on a light background, or a light one on dark)")
    }

    func testStopsAtFirstFailureUnlessKeepGoing() {
        let (shell, console) = makeShell()
        XCTAssertFalse(shell.run("info; help quit"))
        XCTAssertTrue(console.output.isEmpty)
        XCTAssertFalse(shell.run("info; help quit", keepGoing: true))
        XCTAssertTrue(console.text.hasPrefix("usage: quit"))
    }

    func testQuitStopsTheRest() {
        let (shell, console) = makeShell()
        XCTAssertTrue(shell.run("quit; help"))
        XCTAssertTrue(shell.quitRequested)
        XCTAssertTrue(console.output.isEmpty)
    }

    func testCompletion() {
        let (shell, _) = makeShell()
        XCTAssertEqual(Completer.complete(before: "sh", shell: shell), .words(["show"]))
        XCTAssertEqual(Completer.complete(before: "show 0-4 --t", shell: shell), .words(["--test"]))
        XCTAssertEqual(Completer.complete(before: "load f", shell: shell), .words(["fashion"]))
        XCTAssertEqual(Completer.complete(before: "load ./da", shell: shell), .paths)
        XCTAssertEqual(Completer.complete(before: "show 1 --png ", shell: shell), .paths)
        XCTAssertEqual(Completer.complete(before: "info; no", shell: shell), .words(["normalize"]))
    }
}

/// A shell whose data and sessions directory is `dir` (a new temporary path; the caller removes it).
func shellWithDirectory(_ dir: URL) -> (Shell, RecordingConsole) {
    let console = RecordingConsole()
    return (Shell(session: LiveSession(dataDir: dir.path, offline: true, sessionsDir: dir.path), console: console), console)
}

final class QuitTests: XCTestCase {
    func testQuitOffersToSaveUnsavedWorkOnlyWhenInteractive() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (shell, console) = shellWithDirectory(dir)
        XCTAssertTrue(shell.confirmQuit(), "nothing to lose")
        XCTAssertTrue(shell.run("model preset sgd-relu"))
        XCTAssertTrue(shell.confirmQuit(), "a script never asks")
        XCTAssertTrue(console.errors.isEmpty)

        console.capabilities.isInteractive = true
        console.answers = ["c"]
        XCTAssertFalse(shell.confirmQuit(), "cancel stays in the shell")
        console.answers = ["y", "kept"]
        XCTAssertTrue(shell.confirmQuit())
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("kept/manifest.json").path))
        XCTAssertTrue(shell.confirmQuit(), "saved: nothing left to ask about")
        XCTAssertEqual(Completer.complete(before: "restore k", shell: shell), .words(["kept"]), "session names complete")
    }
}

final class SessionsListingTests: XCTestCase {
    /// Folders in the sessions directory that are not sessions are named once under the table, not
    /// listed as damaged sessions.
    func testFoldersThatAreNotSessionsAreNamedApart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("listing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try "x\n".write(to: dir.appendingPathComponent("notes/todo.txt"), atomically: true, encoding: .utf8)
        let (shell, console) = shellWithDirectory(dir)
        XCTAssertTrue(shell.run("sessions"), console.errorText)
        XCTAssertEqual(console.output, ["no sessions saved in \(dir.path)/ yet ('save NAME' saves one)",
                                        "(1 entry in \(dir.path)/ is not a session: notes)"])
        console.output = []
        XCTAssertTrue(shell.run("model preset sgd-relu; save first; sessions"), console.errorText)
        let text = console.text
        XCTAssertTrue(text.contains("\nfirst "), text)
        XCTAssertFalse(text.contains("damaged"), text)
        XCTAssertTrue(text.hasSuffix("(1 entry in \(dir.path)/ is not a session: notes)"), text)
    }
}

final class RestoreSettingsTests: XCTestCase {
    /// The shell's settings in a manifest are checked like the rest: an edited seed used to be
    /// ignored and a test fraction of 7 reported as a problem of the data file.
    func testEditedShellSettingsAreNamedAndChangeNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (shell, console) = shellWithDirectory(dir)
        XCTAssertTrue(shell.run("seed 7; model preset sgd-relu; save s; model preset lbfgs-sigmoid"), console.errorText)
        let manifest = dir.appendingPathComponent("s/manifest.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as! [String: Any]
        for (key, value, expected) in [("seed", "abc", "a whole number 0 or more"), ("load.test_fraction", "7", "a number from 0.01 to 0.99"),
                                       ("load.label", "middle", "first or last"), ("load.train_count", "0", "a whole number from 1 to 10,000,000")] {
            var json = original
            var settings = json["shell_settings"] as! [String: Any]
            settings[key] = value
            json["shell_settings"] = settings
            try JSONSerialization.data(withJSONObject: json).write(to: manifest)
            console.errors = []
            XCTAssertFalse(shell.run("restore s"))
            XCTAssertEqual(console.errors.first, "error: restore: \(dir.path)/s/manifest.json: shell_settings.\(key) is '\(value)', expected \(expected)")
            XCTAssertEqual(shell.session.seed, 7)
            XCTAssertEqual(shell.session.preset?.name, "lbfgs-sigmoid", "the live session is unchanged")
        }
    }
}
