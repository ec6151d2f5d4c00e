import Foundation
import MNISTData
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testFileDigestMatchesInMemoryDigestAcrossChunks() throws {
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let path = try Fixtures.write(bytes, try Fixtures.tempDir(), "big.bin")
        XCTAssertEqual(try SHA256.hexOfFile(path), SHA256.hex(of: bytes))
        XCTAssertNotNil(expectDataError { try SHA256.hexOfFile(path + ".missing") })
    }
}

final class DownloadTests: XCTestCase {
    /// A local "mirror" directory holding two small files, and their specs.
    private func mirror() throws -> (url: String, specs: [MNISTDownloader.FileSpec]) {
        let dir = try Fixtures.tempDir()
        let a = Fixtures.gzipped(Fixtures.idxLabels(Fixtures.labels(count: 100)))
        let b = Fixtures.gzipped(Fixtures.idxImages(Fixtures.set(count: 3)))
        try Fixtures.write(a, dir, "a.gz")
        try Fixtures.write(b, dir, "b.gz")
        return (URL(fileURLWithPath: dir).absoluteString, [("a.gz", SHA256.hex(of: a), a.count), ("b.gz", SHA256.hex(of: b), b.count)])
    }

    /// Copies file URLs, standing in for the network.
    private let localFetch: MNISTDownloader.Fetch = { url, destination, _, progress, _ in
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(file: url.absoluteString, message: "not found")
        }
        progress(Int64(data.count), Int64(data.count))
        try data.write(to: URL(fileURLWithPath: destination))
    }

    func testPublishedChecksums() {
        XCTAssertEqual(MNISTDownloader.files.map(\.name), ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        XCTAssertEqual(MNISTDownloader.files.map(\.size).reduce(0, +), 11_594_722)
        XCTAssertTrue(MNISTDownloader.files.allSatisfy { $0.sha256.count == 64 })
    }

    func testDownloadFallsBackToSecondMirrorAndVerifies() throws {
        let (url, specs) = try mirror()
        let target = try Fixtures.tempDir() + "/data"
        var reports: [String] = []
        try MNISTDownloader.download(into: target, timeout: 5, mirrors: ["file:///nonexistent-mirror/", url], files: specs,
                                     fetch: localFetch, progress: { file, done, _ in reports.append("\(file) \(done)") },
                                     cancelled: { false })
        XCTAssertEqual(try SHA256.hexOfFile(target + "/a.gz"), specs[0].sha256)
        XCTAssertEqual(try SHA256.hexOfFile(target + "/b.gz"), specs[1].sha256)
        XCTAssertEqual(reports, ["a.gz \(specs[0].size)", "b.gz \(specs[1].size)"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target).sorted(), ["a.gz", "b.gz"])
        // Files already present are not fetched again.
        try MNISTDownloader.download(into: target, timeout: 5, mirrors: [], files: specs, fetch: localFetch,
                                     progress: { _, _, _ in XCTFail("nothing to fetch") }, cancelled: { false })
    }

    func testChecksumMismatchLeavesNoFile() throws {
        var (url, specs) = try mirror()
        specs[1].sha256 = String(repeating: "0", count: 64)
        let target = try Fixtures.tempDir()
        let error = try XCTUnwrap(expectDataError {
            try MNISTDownloader.download(into: target, timeout: 5, mirrors: [url], files: specs, fetch: self.localFetch,
                                         progress: { _, _, _ in }, cancelled: { false })
        })
        XCTAssertEqual(error.file, "b.gz")
        XCTAssertTrue(error.message.contains("checksum mismatch"), error.message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), ["a.gz"])
    }

    func testUnreachableServerFailsFast() throws {
        let (_, specs) = try mirror()
        let start = Date()
        let error = try XCTUnwrap(expectDataError {
            try MNISTDownloader.download(into: try Fixtures.tempDir(), timeout: 3, mirrors: ["http://127.0.0.1:9/"], files: specs,
                                         progress: { _, _, _ in }, cancelled: { false })
        })
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertTrue(error.message.contains("http://127.0.0.1:9/a.gz"), error.message)
        XCTAssertNotNil(error.hint)
    }

    func testCancelled() throws {
        let (url, specs) = try mirror()
        let error = try XCTUnwrap(expectDataError {
            try MNISTDownloader.download(into: try Fixtures.tempDir(), timeout: 3, mirrors: [url, url], files: specs,
                                         fetch: { _, _, _, _, _ in throw DataError(file: "x", message: "stopped") },
                                         progress: { _, _, _ in }, cancelled: { true })
        })
        XCTAssertEqual(error.message, "download cancelled")
    }
}
