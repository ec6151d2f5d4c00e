import Foundation
import SessionStore
import XCTest

/// Save/load round trip, listing and removal.
final class SessionStoreTests: XCTestCase {
    func testRoundTripRestoresEveryFieldBitExact() throws {
        let dir = try makeTempDirectory(self)
        let snapshot = fullSnapshot()
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let manifest = try SessionStore.save(snapshot, name: "run-1", directory: dir, date: date)
        XCTAssertEqual(manifest.savedAt, "2027-01-15T08:00:00Z")

        let loaded = try SessionStore.load(name: "run-1", directory: dir)
        var expected = snapshot
        expected.savedAt = date
        XCTAssertEqual(loaded.snapshot, expected)
        XCTAssertEqual(loaded.manifest, manifest)
        // Spot-check the bit patterns the synthesized equality relies on.
        guard case .float32(let bias) = loaded.snapshot.weights[1].values else { return XCTFail("bias is not float32") }
        XCTAssertEqual(bias.map(\.bitPattern), [0, 0x8000_0000, 0x7fc0_1234, 1])
        XCTAssertEqual(loaded.snapshot.history.epochs[1].loss.isNaN, true)
        XCTAssertNil(loaded.snapshot.history.epochs[0].valLoss)
        XCTAssertEqual(loaded.snapshot.rng["training"], [0, 1, .max, 0x8000_0000_0000_0001])
        // The data file does not exist: the model is restored anyway, with a note.
        guard case .missing(let files, let note) = loaded.dataset else { return XCTFail("expected missing data, got \(loaded.dataset)") }
        XCTAssertEqual(files, ["/nonexistent/train.gz"])
        XCTAssertTrue(note.contains("load mnist"), note)
    }

    func testEmptySessionRoundTrips() throws {
        let dir = try makeTempDirectory(self)
        try SessionStore.save(SessionSnapshot(), name: "empty", directory: dir, date: Date(timeIntervalSince1970: 0))
        let loaded = try SessionStore.load(name: "empty", directory: dir)
        XCTAssertEqual(loaded.snapshot, SessionSnapshot(savedAt: Date(timeIntervalSince1970: 0)))
        XCTAssertEqual(loaded.dataset, .none)
    }

    func testSaveReplacesAndLeavesNoHiddenEntries() throws {
        let dir = try makeTempDirectory(self)
        var snapshot = fullSnapshot()
        try SessionStore.save(snapshot, name: "a", directory: dir)
        snapshot.epochsTrained = 7
        snapshot.commandHistory.append("train")
        try SessionStore.save(snapshot, name: "a", directory: dir)
        let loaded = try SessionStore.load(name: "a", directory: dir)
        XCTAssertEqual(loaded.snapshot.epochsTrained, 7)
        XCTAssertEqual(loaded.snapshot.commandHistory.last, "train")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/a").sorted(),
                       ["history.txt", "manifest.json", "state.npz", "weights.npz"])
    }

    func testManifestIsReadableSortedJSON() throws {
        let dir = try makeTempDirectory(self)
        try SessionStore.save(fullSnapshot(), name: "m", directory: dir)
        let text = try String(contentsOfFile: dir + "/m/manifest.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"format_version\" : 1"), text)
        XCTAssertTrue(text.contains("\"epochs_trained\" : 2"), text)
        XCTAssertTrue(text.contains("\"learning_rate\""), text)
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        XCTAssertEqual(keys, keys.sorted())
        let history = try String(contentsOfFile: dir + "/m/history.txt", encoding: .utf8)
        XCTAssertEqual(history, fullSnapshot().commandHistory.map { $0 + "\n" }.joined())
    }

    func testListShowsOneLineSummaries() throws {
        let dir = try makeTempDirectory(self)
        XCTAssertEqual(try SessionStore.list(directory: dir + "/none"), [])
        try SessionStore.save(fullSnapshot(), name: "b", directory: dir, date: Date(timeIntervalSince1970: 100))
        try SessionStore.save(SessionSnapshot(), name: "a", directory: dir, date: Date(timeIntervalSince1970: 200))
        try FileManager.default.createDirectory(atPath: dir + "/.b.tmp-1-2", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: dir + "/broken", withIntermediateDirectories: false)
        try Data("{\"format_version\": 1}".utf8).write(to: URL(fileURLWithPath: dir + "/broken/manifest.json"))
        try FileManager.default.createDirectory(atPath: dir + "/notes", withIntermediateDirectories: false)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/notes/manifest.json"))

        let rows = try SessionStore.list(directory: dir)
        XCTAssertEqual(rows.map(\.name), ["a", "b", "broken", "notes"])
        XCTAssertEqual(rows.map(\.isSession), [true, true, true, false])
        let b = rows[1]
        XCTAssertEqual(b.savedAt, Date(timeIntervalSince1970: 100))
        XCTAssertEqual(b.dataset, "MNIST")
        XCTAssertEqual(b.model, "Flatten → Dense(4, sigmoid) → Dropout(0.2)")
        XCTAssertEqual(b.epochsTrained, 2)
        XCTAssertEqual(b.lastTestAccuracy, 0.9731)
        let onDisk = try ["history.txt", "manifest.json", "state.npz", "weights.npz"].reduce(0) {
            $0 + ((try FileManager.default.attributesOfItem(atPath: dir + "/b/" + $1)[.size] as? Int) ?? 0)
        }
        XCTAssertEqual(b.bytes, onDisk)
        XCTAssertNil(rows[0].model)
        XCTAssertEqual(rows[2].problem, "missing field 'name'")
        XCTAssertEqual(rows[3].problem, "its manifest.json is not a session manifest")
    }

    func testRemove() throws {
        let dir = try makeTempDirectory(self)
        try SessionStore.save(SessionSnapshot(), name: "gone", directory: dir)
        try SessionStore.save(SessionSnapshot(), name: "kept", directory: dir)
        try SessionStore.remove(name: "gone", directory: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["kept"])
        let error = sessionError { try SessionStore.remove(name: "gone", directory: dir) }
        XCTAssertEqual(error?.problem, "no saved session called 'gone'")
        XCTAssertEqual(error?.hint, "saved sessions: kept")
    }

    /// A folder or file of the session's name that the store did not write is never replaced or deleted.
    func testSaveAndRemoveRefuseWhatIsNotASession() throws {
        let dir = try makeTempDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/mynotes", withIntermediateDirectories: false)
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: dir + "/mynotes/notes.txt"))
        try FileManager.default.createDirectory(atPath: dir + "/webapp", withIntermediateDirectories: false)
        try Data("{\"name\": \"my app\"}".utf8).write(to: URL(fileURLWithPath: dir + "/webapp/manifest.json"))
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: dir + "/plain.txt"))
        let expected = [("mynotes", "it has no manifest.json"), ("webapp", "its manifest.json is not a session manifest"), ("plain.txt", "it is a file")]
        for (name, why) in expected {
            for (verb, error) in [("save", sessionError { try SessionStore.save(fullSnapshot(), name: name, directory: dir) }),
                                  ("remove", sessionError { try SessionStore.remove(name: name, directory: dir) })] where name != "plain.txt" || verb == "save" {
                XCTAssertEqual(error?.file, dir + "/" + name, verb)
                XCTAssertEqual(error?.problem, "exists and is not a session: \(why)", verb)
                XCTAssertEqual(error?.hint, "choose another name or remove it yourself", verb)
            }
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/mynotes/notes.txt", encoding: .utf8), "x\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["mynotes", "plain.txt", "webapp"],
                       "nothing moved, no temp directory left")
    }

    /// A damaged session (its manifest still names a format version) can be overwritten and removed.
    func testDamagedSessionCanBeReplacedAndRemoved() throws {
        let dir = try makeTempDirectory(self)
        for name in ["a", "b"] {
            try SessionStore.save(fullSnapshot(), name: name, directory: dir)
            try Data("{\"format_version\": 1}".utf8).write(to: URL(fileURLWithPath: dir + "/\(name)/manifest.json"))
            try FileManager.default.removeItem(atPath: dir + "/\(name)/weights.npz")
        }
        try SessionStore.save(SessionSnapshot(), name: "a", directory: dir)
        XCTAssertEqual(try SessionStore.load(name: "a", directory: dir).snapshot.epochsTrained, 0)
        try SessionStore.remove(name: "b", directory: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a"])
    }

    func testRecoversFromCrashBetweenFallbackRenames() throws {
        // Without RENAME_EXCHANGE a save renames NAME to .NAME.old-PID, then the new copy to NAME.
        // A crash in between leaves only the old copy: load and list must still find it.
        let dir = try makeTempDirectory(self)
        try SessionStore.save(fullSnapshot(), name: "x", directory: dir)
        try FileManager.default.moveItem(atPath: dir + "/x", toPath: dir + "/.x.old-999999")
        XCTAssertEqual(try SessionStore.list(directory: dir).map(\.name), ["x"])
        XCTAssertEqual(try SessionStore.load(name: "x", directory: dir).snapshot.epochsTrained, 2)
        // The next save puts a fresh copy in place and cleans the stale one up.
        try SessionStore.save(SessionSnapshot(), name: "x", directory: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["x"])
    }

    /// A sessions directory that is a file is named as such by every operation (save said 'file
    /// exists', restore and remove 'no sessions saved in FILE/ yet').
    func testSessionsDirectoryThatIsAFile() throws {
        let file = try makeTempDirectory(self) + "/sessions"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let expected = SessionError(file: file, problem: "the sessions directory is a file, not a directory",
                                    hint: "use another sessions directory or move the file away")
        XCTAssertEqual(sessionError { try SessionStore.save(SessionSnapshot(), name: "s", directory: file) }, expected)
        XCTAssertEqual(sessionError { _ = try SessionStore.load(name: "s", directory: file) }, expected)
        XCTAssertEqual(sessionError { try SessionStore.remove(name: "s", directory: file) }, expected)
        XCTAssertEqual(sessionError { _ = try SessionStore.list(directory: file) }, expected)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), Data("x".utf8))
    }

    func testNameValidation() {
        for (name, problem) in [("", "a session name cannot be empty"), (".hidden", "session name cannot start with '.'"),
                                ("a/b", "session name contains '/'"), ("naïve", "session name contains 'ï'"),
                                (String(repeating: "x", count: 65), "session name is 65 characters long")] {
            XCTAssertEqual(sessionError { try SessionName.validate(name) }?.problem, problem, name)
        }
        XCTAssertEqual(SessionName.timestamped(Date(timeIntervalSince1970: 1_800_000_000)), "session-20270115-080000")
        for name in [SessionName.timestamped(), "run-1", "mlp_784.v2", "A", String(repeating: "x", count: 64)] {
            XCTAssertNoThrow(try SessionName.validate(name), name)
        }
    }
}
