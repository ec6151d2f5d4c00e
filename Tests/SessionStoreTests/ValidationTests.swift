import Foundation
import MNISTData
import SessionStore
import XCTest

/// Damaged sessions: each gets a precise error naming the file and the problem.
final class ValidationTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = try makeTempDirectory(self)
        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
    }

    private func path(_ file: String) -> String { dir + "/s/" + file }

    private func bytes(_ file: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(file)))) }

    private func write(_ file: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path(file))) }

    /// Edits the manifest as a JSON object.
    private func editManifest(_ edit: (inout [String: Any]) -> Void) throws {
        var json = try JSONSerialization.jsonObject(with: Data(bytes("manifest.json"))) as! [String: Any]
        edit(&json)
        try write("manifest.json", [UInt8](try JSONSerialization.data(withJSONObject: json)))
    }

    /// Replaces a data file and records its new checksum, so only the content checks can object.
    private func replaceConsistently(_ file: String, _ bytes: [UInt8]) throws {
        try write(file, bytes)
        try editManifest { json in
            var files = json["files"] as! [String: Any]
            files[file] = ["sha256": SHA256.hex(of: bytes), "size": bytes.count]
            json["files"] = files
        }
    }

    private func loadError() -> SessionError? {
        sessionError { _ = try SessionStore.load(name: "s", directory: dir) }
    }

    func testTruncatedWeights() throws {
        let original = try bytes("weights.npz")
        try write("weights.npz", Array(original.prefix(100)))
        let error = loadError()
        XCTAssertEqual(error?.file, path("weights.npz"))
        XCTAssertEqual(error?.problem, "truncated: 100 bytes, the manifest says \(original.count)")
    }

    func testBitFlippedWeights() throws {
        var b = try bytes("weights.npz")
        b[b.count / 2] ^= 0x04
        try write("weights.npz", b)
        let error = loadError()
        XCTAssertEqual(error?.file, path("weights.npz"))
        XCTAssertTrue(error?.problem.hasPrefix("checksum mismatch: SHA-256 is ") ?? false, error?.description ?? "")
    }

    func testBitFlippedStateAndHistory() throws {
        for file in ["state.npz", "history.txt"] {
            try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
            var b = try bytes(file)
            b[3] ^= 0x80
            try write(file, b)
            XCTAssertEqual(loadError()?.file, path(file))
        }
    }

    func testMissingManifestField() throws {
        try editManifest { json in
            var model = json["model"] as! [String: Any]
            var layers = model["layers"] as! [[String: Any]]
            layers[1]["type"] = nil
            model["layers"] = layers
            json["model"] = model
        }
        let error = loadError()
        XCTAssertEqual(error?.file, path("manifest.json"))
        XCTAssertEqual(error?.problem, "missing field 'model.layers[1].type'")

        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
        try editManifest { $0["epochs_trained"] = nil }
        XCTAssertEqual(loadError()?.problem, "missing field 'epochs_trained'")
    }

    func testMissingFileChecksum() throws {
        try editManifest { json in
            var files = json["files"] as! [String: Any]
            files["state.npz"] = nil
            json["files"] = files
        }
        XCTAssertEqual(loadError()?.problem, "missing field 'files.state.npz' (its checksum)")
    }

    func testUnknownFormatVersion() throws {
        try editManifest { $0["format_version"] = 2 }
        let error = loadError()
        XCTAssertEqual(error?.file, path("manifest.json"))
        XCTAssertEqual(error?.problem, "unknown format version 2 (this build reads version 1)")
        XCTAssertEqual(error?.hint, "it was saved by a newer mnist-shell; update to restore it")
    }

    func testManifestNotJSON() throws {
        try write("manifest.json", Array("{\"format_version\": 1,".utf8))
        let error = loadError()
        XCTAssertEqual(error?.file, path("manifest.json"))
        XCTAssertTrue(error?.problem.hasPrefix("not valid JSON") ?? false, error?.description ?? "")
    }

    func testWeightShapesMustMatchArchitecture() throws {
        let wrong = try NPZWriter.archive([
            NamedArray(name: "dense.kernel", shape: [4, 6], values: .float32(Array(repeating: 0, count: 24))),
            NamedArray(name: "dense.bias", shape: [4], values: .float32([0, 0, 0, 0])),
        ], file: "weights.npz")
        try replaceConsistently("weights.npz", wrong)
        let error = loadError()
        XCTAssertEqual(error?.file, path("weights.npz"))
        XCTAssertEqual(error?.problem, "dense.kernel: expected shape (6, 4), found (4, 6)")

        let missing = try NPZWriter.archive([NamedArray(name: "dense.kernel", shape: [6, 4], values: .float32(Array(repeating: 0, count: 24)))], file: "weights.npz")
        try replaceConsistently("weights.npz", missing)
        XCTAssertEqual(loadError()?.problem, "dense.bias: missing (expected shape (4,))")

        let float64 = try NPZWriter.archive([
            NamedArray(name: "dense.kernel", shape: [6, 4], values: .float64(Array(repeating: 0, count: 24))),
            NamedArray(name: "dense.bias", shape: [4], values: .float32([0, 0, 0, 0])),
        ], file: "weights.npz")
        try replaceConsistently("weights.npz", float64)
        XCTAssertEqual(loadError()?.problem, "dense.kernel: dtype <f8, expected float32 (<f4)")
    }

    func testStateArraysAreChecked() throws {
        var arrays = try NPZFile.read(path("state.npz"))
        arrays.removeAll { $0.name == "rng/init" }
        try replaceConsistently("state.npz", try NPZWriter.archive(arrays, file: "state.npz"))
        let error = loadError()
        XCTAssertEqual(error?.file, path("state.npz"))
        XCTAssertEqual(error?.problem, "missing array 'rng/init'")

        arrays = try NPZFile.read(path("state.npz")).filter { $0.name != "optimizer/v:dense.bias" }
        arrays.append(NamedArray(name: "optimizer/v:dense.bias", shape: [2, 2], values: .float32([1, 2, 3, 4])))
        arrays.append(NamedArray(name: "rng/init", shape: [4], values: .uint64([5, 6, 7, 8])))
        try replaceConsistently("state.npz", try NPZWriter.archive(arrays, file: "state.npz"))
        XCTAssertEqual(loadError()?.problem, "array 'optimizer/v:dense.bias' has shape [2, 2], the manifest says [4]")
    }

    /// History values `fit` never writes (an epoch number of Int64.max crashed the shell on restore).
    func testHistoryValuesAreChecked() throws {
        let original = try NPZFile.read(path("state.npz"))
        for (name, values, problem) in [
            ("history/epoch", [Int64(1), .max], "history/epoch[1] is 9223372036854775807, expected 2 (epochs count 1, 2, 3, …)"),
            ("history/epoch", [0, 1], "history/epoch[0] is 0, expected 1 (epochs count 1, 2, 3, …)"),
            ("history/batches", [3, -1], "history/batches[1] is -1, expected 0 or more"),
            ("history/partial", [0, 2], "history/partial[1] is 2, expected 0-1"),
        ] {
            let arrays = original.map { $0.name == name ? NamedArray(name: name, shape: [2], values: .int64(values)) : $0 }
            try replaceConsistently("state.npz", try NPZWriter.archive(arrays, file: "state.npz"))
            let error = loadError()
            XCTAssertEqual(error?.file, path("state.npz"))
            XCTAssertEqual(error?.problem, problem)
        }
    }

    func testMissingFile() throws {
        try FileManager.default.removeItem(atPath: path("state.npz"))
        let error = loadError()
        XCTAssertEqual(error?.file, path("state.npz"))
        XCTAssertEqual(error?.problem, "missing or unreadable")
    }

    func testDatasetChecksumChangedIsAnError() throws {
        let data = dir + "/train.csv"
        try Data("1,2,3\n".utf8).write(to: URL(fileURLWithPath: data))
        var snapshot = fullSnapshot()
        snapshot.dataset = try DatasetRef.describing(source: data, files: [data])
        try SessionStore.save(snapshot, name: "s", directory: dir)
        XCTAssertEqual(try SessionStore.load(name: "s", directory: dir).dataset, .verified)

        try Data("1,2,4\n".utf8).write(to: URL(fileURLWithPath: data))
        let error = loadError()
        XCTAssertEqual(error?.file, data)
        XCTAssertTrue(error?.problem.hasPrefix("data set changed since the session was saved") ?? false, error?.description ?? "")
        // Without the data check the model still restores.
        XCTAssertEqual(try SessionStore.load(name: "s", directory: dir, verifyDataset: false).snapshot.weights, snapshot.weights)
    }

    /// The model the manifest describes, built as `restore` builds it.
    private func restoreError() -> SessionError? {
        sessionError { _ = try SessionStore.load(name: "s", directory: dir).snapshot.makeModel(file: path("manifest.json")) }
    }

    /// Edits one entry of the manifest's `model` or `compile` object.
    private func editManifest(_ section: String, _ edit: (inout [String: Any]) -> Void) throws {
        try editManifest { json in
            var part = json[section] as! [String: Any]
            edit(&part)
            json[section] = part
        }
    }

    /// Layer sizes get the same ranges as `add`, and a model too large for memory is refused
    /// before anything is allocated (an edited `units` used to crash the restore).
    func testLayerSettingsAreRangeChecked() throws {
        try editManifest("model") { model in
            var layers = model["layers"] as! [[String: Any]]
            layers[1]["units"] = 99_999_999_999
            model["layers"] = layers
        }
        XCTAssertEqual(restoreError()?.problem, "layer dense (Dense): units 99999999999 must be in 1...100000")

        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
        try editManifest("model") { model in
            var layers = model["layers"] as! [[String: Any]]
            layers[1]["units"] = 100_000
            model["layers"] = layers
            model["input_shape"] = [16_384, 16_384, 1]
        }
        let error = restoreError()
        XCTAssertEqual(error?.file, path("manifest.json"))
        XCTAssertTrue(error?.problem.hasPrefix("layer dense (Dense) does not fit: dense: its 26843545700000 parameters would bring the model to 26843545700000; at most ") ?? false,
                      error?.description ?? "")

        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
        try editManifest("model") { $0["input_shape"] = [0, 3, 1] }
        XCTAssertEqual(restoreError()?.problem, "input_shape [0, 3, 1] must be [rows, cols, channels], each in 1...16384")
    }

    /// Optimizer settings get the same ranges as `compile` (a learning rate of -1 used to restore).
    func testCompileSettingsAreRangeChecked() throws {
        let cases: [(String, Any, String)] = [
            ("learning_rate", -1.0, "compile: learning_rate -1.0 must be in 1e-12...1000000.0"),
            ("learning_rate", "nan", "compile: learning_rate nan must be in 1e-12...1000000.0"),
            ("beta_1", 1.0, "compile: beta_1 1.0 must be in [0, 1)"),
            ("epsilon", 0.0, "compile: epsilon 0.0 must be in 1e-12...1.0"),
        ]
        for (key, value, problem) in cases {
            try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
            try editManifest("compile") { compile in
                var parameters = compile["optimizer_parameters"] as! [String: Any]
                parameters[key] = value
                compile["optimizer_parameters"] = parameters
            }
            XCTAssertEqual(restoreError()?.problem, problem, key)
        }
        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
        try editManifest("compile") { compile in
            compile["optimizer"] = "lbfgs"
            compile["optimizer_parameters"] = ["history": 1e300]
        }
        XCTAssertEqual(restoreError()?.problem, "compile: history 1e+300 must be a whole number in 1...100")
        try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
        try editManifest("compile") { $0["l2"] = -0.5 }
        XCTAssertEqual(restoreError()?.problem, "compile: l2 -0.5 must be in 0.0...1000000.0")
    }

    /// The optimizer's counters in the manifest are checked too: Int(1e300) would stop the program.
    func testOptimizerCountersAreRangeChecked() throws {
        for (value, shown) in [(1e300, "1e+300"), (-3.0, "-3.0"), (2.5, "2.5")] {
            try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
            try editManifest("optimizer") { $0["scalars"] = ["iterations": value] }
            XCTAssertEqual(restoreError()?.problem,
                           "optimizer state: iterations \(shown) must be a whole number from 0 to 2^53")
        }
    }

    /// The fields `sessions` lists are checked too, and an empty manifest says it is empty.
    func testListedManifestFieldsAreChecked() throws {
        for (key, value, problem) in [("epochs_trained", -3 as Any, "epochs_trained -3 must be 0 or more"),
                                      ("last_test_accuracy", 5.0, "last_test_accuracy 5.0 must be in 0...1"),
                                      ("saved_at", "yesterday", "saved_at 'yesterday' is not a date like 2026-12-06T08:00:00Z")] {
            try SessionStore.save(fullSnapshot(), name: "s", directory: dir)
            try editManifest { $0[key] = value }
            XCTAssertEqual(loadError()?.problem, problem, key)
            XCTAssertEqual(try SessionStore.list(directory: dir).first?.problem, problem, "sessions shows it as damaged: \(key)")
        }
        try write("manifest.json", [])
        XCTAssertEqual(loadError()?.problem, "the file is empty")
    }

    func testUnknownSession() throws {
        let error = sessionError { _ = try SessionStore.load(name: "nope", directory: dir) }
        XCTAssertEqual(error?.problem, "no saved session called 'nope'")
        XCTAssertEqual(error?.hint, "saved sessions: s")
    }

    func testInconsistentSnapshotIsRefusedBeforeWriting() throws {
        var snapshot = fullSnapshot()
        snapshot.weights.removeLast()
        let error = sessionError { try SessionStore.save(snapshot, name: "t", directory: dir) }
        XCTAssertEqual(error?.problem, "dense.bias: missing (expected shape (4,))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["s"])
    }
}
