import Foundation
import SessionStore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Kills a process in the middle of saving, many times, and checks the previous save survives.
final class AtomicSaveTests: XCTestCase {
    /// `session-save-stress` is built beside the test bundle's resources.
    private func stressTool() throws -> URL {
        let url = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("session-save-stress")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("session-save-stress not built at \(url.path)") }
        return url
    }

    /// A save that fails while writing (here a file-size limit, like a full disk) names the session's
    /// file, not the hidden directory it was being written in, and leaves the previous save as it was.
    func testFailedSaveNamesTheSessionAndKeepsThePreviousOne() throws {
        let dir = try makeTempDirectory(self)
        try SessionStore.save(SessionSnapshot(), name: "s", directory: dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/s/manifest.json"))
        let error = withFileSizeLimit(100) { sessionError { try SessionStore.save(fullSnapshot(), name: "s", directory: dir) } }
        XCTAssertEqual(error?.file, dir + "/s/weights.npz")
        XCTAssertEqual(error?.problem, "cannot write: file too large")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/s/manifest.json")), before, "the previous save is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["s"], "no hidden directory is left")
    }

    func testSIGKILLDuringSaveNeverDamagesThePreviousSave() throws {
        let tool = try stressTool()
        let dir = try makeTempDirectory(self)
        var rng = SystemRandomNumberGenerator()
        var lastGeneration = 0
        var sawLeftovers = false
        for round in 0..<20 {
            let child = Process()
            child.executableURL = tool
            child.arguments = [dir, "stress"]
            child.standardError = FileHandle.nullDevice
            try child.run()
            usleep(UInt32.random(in: 20_000 ... 200_000, using: &rng))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal, "round \(round): the saver exited on its own (status \(child.terminationStatus))")

            let entries = try FileManager.default.contentsOfDirectory(atPath: dir)
            sawLeftovers = sawLeftovers || entries.contains { $0.hasPrefix(".") }
            guard entries.contains("stress") else {
                XCTAssertEqual(lastGeneration, 0, "round \(round): the session vanished after generation \(lastGeneration)")
                continue
            }
            XCTAssertEqual(try SessionStore.list(directory: dir).map(\.name), ["stress"], "round \(round)")
            let snapshot = try SessionStore.load(name: "stress", directory: dir).snapshot
            let g = snapshot.epochsTrained
            XCTAssertGreaterThanOrEqual(g, lastGeneration, "round \(round): went back from generation \(lastGeneration) to \(g)")
            for array in snapshot.weights + (snapshot.optimizer?.arrays ?? []) {
                XCTAssertEqual(array.values, .float32(Array(repeating: Float(g), count: array.values.count)), "round \(round): \(array.name) mixes generations")
            }
            XCTAssertEqual(snapshot.rng["training"], [UInt64(g), 1, 2, 3])
            XCTAssertEqual(snapshot.optimizer?.scalars["iterations"], Double(g))
            XCTAssertEqual(snapshot.commandHistory.count, g % 50)
            lastGeneration = g
        }
        XCTAssertGreaterThan(lastGeneration, 0, "the saver never completed a save; the test proved nothing")
        // A completed save cleans up what killed saves left behind.
        try SessionStore.save(SessionSnapshot(), name: "stress", directory: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["stress"])
        _ = sawLeftovers   // informative only: whether some kill landed mid-save depends on timing
    }
}
