import Foundation
import MNISTData
import XCTest

/// File errors read as the system's reason, not "NSCocoaErrorDomain error 512".
final class FileErrorReasonTests: XCTestCase {
    func testWriteErrorsGiveTheSystemsReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reason-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func reason(writing url: URL) -> String? {
            do { try Data([1]).write(to: url) } catch { return fileErrorReason(error) }
            return nil
        }
        XCTAssertEqual(reason(writing: dir), "is a directory")
        XCTAssertEqual(reason(writing: dir.appendingPathComponent("missing/x.npz")), "no such file or directory")
        XCTAssertThrowsError(try FileManager.default.contentsOfDirectory(atPath: "/etc/passwd")) { error in
            XCTAssertEqual(fileErrorReason(error), "not a directory")
        }
        // The errno form, used where a call sets errno rather than throwing.
        XCTAssertEqual(systemErrorReason(ENOTDIR), "not a directory")
        XCTAssertEqual(systemErrorReason(EACCES), "permission denied")
    }
}
