import Foundation
import XCTest

/// Saving and restoring sessions across processes, through the real executable.
final class SessionEndToEndTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try ShellProcess.requireSample()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-sessions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func shell(_ arguments: [String]) throws -> ShellProcess.Result {
        try ShellProcess.run(arguments, environment: ["MNIST_SHELL_SESSIONS": dir.appendingPathComponent("sessions").path])
    }

    /// "Epoch 2/2 32/32 ━━━ 1s 12ms/step - accuracy: 0.9177 - loss: 0.2741" → "accuracy: 0.9177 - loss: 0.2741".
    func metrics(ofEpoch epoch: Int, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("Epoch \(epoch)/") }.flatMap { $0.components(separatedBy: " - ").dropFirst().joined(separator: " - ") }
    }

    /// Runs `setup; straight` in one process and `setup; half; save`, then `--restore` and `half`
    /// in a second one; returns both outputs after checking the exported weights are bit-identical.
    func checkResume(setup: String, straight: String, half: String, name: String) throws -> (straight: String, resumed: String) {
        let straightWeights = dir.appendingPathComponent("\(name)-straight.npz").path
        let resumedWeights = dir.appendingPathComponent("\(name)-resumed.npz").path
        let full = try shell(["-c", "\(setup); \(straight); export weights \(straightWeights)"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let first = try shell(["-c", "\(setup); \(half); save \(name)"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let resumed = try shell(["--restore", name, "-c", "\(half); export weights \(resumedWeights); plot loss"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: straightWeights)), try Data(contentsOf: URL(fileURLWithPath: resumedWeights)),
                       "final weights are bit-identical")
        XCTAssertTrue(resumed.stdout.contains("Loss per epoch") || resumed.stdout.contains("Loss per iteration"),
                      "the history survived, so there is more than one epoch to plot:\n\(resumed.stdout)")
        return (full.stdout, resumed.stdout)
    }

    func testResumeIsBitIdenticalToTrainingStraight() throws {
        let r = try checkResume(setup: "load mnist; normalize; seed 9; model preset colab-mlp", straight: "train 2", half: "train 1", name: "half")
        XCTAssertTrue(r.resumed.contains("Epoch 2/2"), "epochs continue from the saved count:\n\(r.resumed)")
        XCTAssertEqual(metrics(ofEpoch: 2, in: r.straight), metrics(ofEpoch: 2, in: r.resumed))
        XCTAssertNotNil(metrics(ofEpoch: 2, in: r.resumed))
    }

    /// L-BFGS continues from its saved Double iterate, gradient and curvature pairs.
    func testLBFGSResumeIsBitIdenticalToTrainingStraight() throws {
        _ = try checkResume(setup: "load mnist; seed 4; model preset lbfgs-sigmoid", straight: "train --iterations 6",
                            half: "train --iterations 3", name: "lbfgs-half")
    }

    func testSessionsListingAndRemove() throws {
        let r = try shell(["-c", "load mnist; normalize; model preset colab-mlp; train 1; evaluate; save first; sessions; sessions rm first; sessions"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let table = r.stdout.components(separatedBy: "saved session 'first'")[1]
        for column in ["name", "saved at", "data set", "model", "epochs", "test acc", "size"] { XCTAssertTrue(table.contains(column), column) }
        XCTAssertTrue(table.contains("first"), table)
        XCTAssertTrue(r.stdout.contains("removed session 'first'"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("no sessions saved in \(dir.appendingPathComponent("sessions").path)/ yet ('save NAME' saves one)\n"), r.stdout)
    }

    /// `save` and `sessions rm` refuse a folder that is not a session; with `--sessions-dir .` that
    /// folder may hold the very data set the session points to.
    func testNonSessionFolderIsNeitherReplacedNorRemoved() throws {
        let project = dir.appendingPathComponent("proj")
        let data = project.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let csv = data.appendingPathComponent("digits.csv.gz")
        try FileManager.default.copyItem(atPath: ShellProcess.sampleDataDir + "/mnist_5k.csv.gz", toPath: csv.path)
        let notes = data.appendingPathComponent("notes.txt")
        try Data("x\n".utf8).write(to: notes)

        let saved = try ShellProcess.run(["--sessions-dir", ".", "--keep-going", "-c", "load data/digits.csv.gz; save data; sessions rm data"], directory: project)
        XCTAssertEqual(saved.status, 1)
        XCTAssertFalse(saved.stdout.contains("saved session"), saved.stdout)
        XCTAssertFalse(saved.stdout.contains("removed session"), saved.stdout)
        let refusals = saved.stderr.components(separatedBy: "./data: exists and is not a session: it has no manifest.json (choose another name or remove it yourself)")
        XCTAssertEqual(refusals.count, 3, "both save and sessions rm refuse:\n\(saved.stderr)")
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "x\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: csv.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project.path), ["data"], "no temp directory left")
        // A real session of another name still saves there.
        XCTAssertEqual(try ShellProcess.run(["--sessions-dir", ".", "-c", "load data/digits.csv.gz; save run"], directory: project).status, 0)
    }

    func testNormalisationStateRoundTrips() throws {
        XCTAssertEqual(try shell(["-c", "load mnist; save raw; normalize; save norm"]).status, 0)
        let raw = try shell(["--restore", "raw", "-c", "info"]), norm = try shell(["--restore", "norm", "-c", "info"])
        XCTAssertTrue(raw.stdout.contains("values: uint8"), raw.stdout)
        XCTAssertTrue(norm.stdout.contains("normalised: x / 255"), norm.stdout)
    }

    func testDamagedSessionIsRejectedAndTheLiveSessionKept() throws {
        XCTAssertEqual(try shell(["-c", "load mnist; model preset colab-mlp; save good"]).status, 0)
        let weights = dir.appendingPathComponent("sessions/good/weights.npz")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: weights)
        let r = try shell(["--keep-going", "-c", "load mnist; model preset sgd-relu; restore good; model"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("weights.npz"), r.stderr)
        XCTAssertTrue(r.stdout.contains("(preset sgd-relu)"), "the live model is untouched:\n\(r.stdout)")

        let missing = try shell(["-c", "restore nothing-here"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no saved session called 'nothing-here'"), missing.stderr)
    }

    func testMissingDataStillRestoresTheModel() throws {
        let data = dir.appendingPathComponent("mydata")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let csv = data.appendingPathComponent("digits.csv.gz")
        try FileManager.default.copyItem(atPath: ShellProcess.sampleDataDir + "/mnist_5k.csv.gz", toPath: csv.path)
        XCTAssertEqual(try shell(["-c", "load \(csv.path); normalize; model preset colab-mlp; train 1; save mine"]).status, 0)
        try FileManager.default.removeItem(at: csv)
        let r = try shell(["-c", "restore mine; summary; plot loss"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("reattach"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Total params: 669,706"), r.stdout)
    }

    func testExportImportWeightsAndTheta() throws {
        let npz = dir.appendingPathComponent("w.npz").path, theta = dir.appendingPathComponent("theta").path
        let r = try shell(["-c", "load mnist; model preset lbfgs-sigmoid; train --iterations 10; evaluate; export weights \(npz); export theta \(theta); model preset lbfgs-sigmoid; import theta \(theta); evaluate; model preset lbfgs-sigmoid; import weights \(npz); evaluate"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let evaluations = r.stdout.split(separator: "\n").filter { $0.hasPrefix("test: ") }
        XCTAssertEqual(evaluations.count, 3, r.stdout)
        XCTAssertEqual(Set(evaluations.map { $0.components(separatedBy: "accuracy: ")[1].prefix(6) }).count, 1, "same accuracy after each import:\n\(evaluations)")
        let theta1 = try String(contentsOfFile: theta + "/Theta1.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(theta1.count, 100)
        XCTAssertEqual(theta1[0].split(separator: " ").count, 785)
        let mismatch = try shell(["-c", "model preset colab-mlp; import weights \(npz)"])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(mismatch.stderr.contains("dense"), mismatch.stderr)
    }
}
