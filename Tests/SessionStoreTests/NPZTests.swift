import Foundation
import SessionStore
import XCTest

/// The writer against files numpy wrote, and the reader on numpy's own archives.
final class NPZTests: XCTestCase {
    private func numpyBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixture(name))))
    }

    func testNPYBytesMatchNumpySave() throws {
        let kernel = (0..<6).map { (Float($0) - 2.5) / 3 }
        let cases: [(String, NamedArray)] = [
            ("kernel_f4.npy", NamedArray(name: "k", shape: [2, 3], values: .float32(kernel))),
            ("vector_f8.npy", NamedArray(name: "v", shape: [5], values: .float64([0.1, -0.0, 1e300, .infinity, .leastNonzeroMagnitude]))),
            ("state_u8.npy", NamedArray(name: "s", shape: [4], values: .uint64([0, 1, 1 << 63, .max]))),
            ("ints_i8.npy", NamedArray(name: "i", shape: [2, 2], values: .int64([-1, 2, 3, .min]))),
            ("scalar_f4.npy", NamedArray(name: "x", shape: [], values: .float32([1.5]))),
        ]
        for (file, array) in cases {
            XCTAssertEqual(NPZWriter.npy(array), try numpyBytes(file), file)
        }
    }

    func testHeaderIsPaddedToSixtyFourBytes() {
        for shape in [[1], [784, 512], [123_456_789, 1, 1, 1, 0]] {
            let bytes = NPZWriter.npy(NamedArray(name: "a", shape: shape, values: .float32(Array(repeating: 0, count: shape.reduce(1, *)))))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0)
            XCTAssertEqual(bytes[10 + headerLength - 1], 0x0a)
        }
    }

    func testReadsNumpyArchivesStoredAndCompressed() throws {
        let kernel = (0..<6).map { (Float($0) - 2.5) / 3 }
        for file in ["numpy_stored.npz", "numpy_compressed.npz"] {
            let arrays = try NPZFile.read(try fixture(file))
            XCTAssertEqual(arrays.map(\.name).sorted(), ["dense.bias", "dense.kernel", "rng/training"], file)
            let byName = Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0) })
            XCTAssertEqual(byName["dense.kernel"], NamedArray(name: "dense.kernel", shape: [2, 3], values: .float32(kernel)))
            XCTAssertEqual(byName["dense.bias"]?.values, .float32([1, -1, 0.5]))
            XCTAssertEqual(byName["rng/training"]?.values, .uint64([1, 2, 3, .max]))
        }
    }

    func testReadsBigEndianAndFortranOrder() throws {
        let arrays = Dictionary(uniqueKeysWithValues: try NPZFile.read(try fixture("numpy_variants.npz")).map { ($0.name, $0) })
        XCTAssertEqual(arrays["big"]?.values, .float32([1.25, -2]))
        XCTAssertEqual(arrays["fortran"]?.shape, [2, 3])
        XCTAssertEqual(arrays["fortran"]?.values, .float64((0..<6).map { Double((Float($0) - 2.5) / 3) }))
    }

    func testWriteReadRoundTripIsBitExact() throws {
        let dir = try makeTempDirectory(self)
        var weird: [Float] = [.nan, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        weird[0] = Float(bitPattern: 0x7fa0_0001)   // a signalling NaN with a payload
        let arrays = [
            NamedArray(name: "dense_1.kernel", shape: [2, 3], values: .float32(weird)),
            NamedArray(name: "adam.m/dense_1.kernel", shape: [6], values: .float64(weird.map(Double.init))),
            NamedArray(name: "rng/training", shape: [4], values: .uint64([.max, 0, 1 << 63, 42])),
            NamedArray(name: "history/epoch", shape: [0], values: .int64([])),
        ]
        let path = dir + "/x.npz"
        try NPZFile.write(arrays, to: path)
        XCTAssertEqual(try NPZFile.read(path), arrays)
    }

    /// A write that fails part-way (a full disk; here a file size limit) leaves the previous file
    /// whole and no temporary file behind; a directory or device is refused, not replaced.
    func testFailedWriteKeepsThePreviousFile() throws {
        let dir = try makeTempDirectory(self)
        let path = dir + "/w.npz"
        let small = [NamedArray(name: "a", shape: [4], values: .float32([1, 2, 3, 4]))]
        try NPZFile.write(small, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let big = [NamedArray(name: "a", shape: [100_000], values: .float32(Array(repeating: 1, count: 100_000)))]
        let error = withFileSizeLimit(50_000) { sessionError { try NPZFile.write(big, to: path) } }
        XCTAssertEqual(error?.file, path)
        XCTAssertEqual(error?.problem, "cannot write: file too large")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the previous file is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["w.npz"], "no temporary file is left")

        XCTAssertEqual(sessionError { try NPZFile.write(small, to: dir) }?.problem, "is a directory")
        XCTAssertEqual(sessionError { try NPZFile.write(small, to: "/dev/null") }?.problem, "is not a regular file (a device, pipe or socket)")
    }

    /// Reading names the real reason: /dev/null was reported as 'permission denied'.
    func testReadErrorsGiveTheReason() throws {
        let dir = try makeTempDirectory(self)
        XCTAssertEqual(sessionError { _ = try NPZFile.read("/dev/null") }?.problem, "is a device or socket, not a data file")
        XCTAssertEqual(sessionError { _ = try NPZFile.read(dir) }?.problem, "is a directory, expected a file")
        XCTAssertEqual(sessionError { _ = try NPZFile.read(dir + "/none.npz") }?.problem, "no such file")
    }

    func testDamagedArchiveNamesFileAndProblem() throws {
        let dir = try makeTempDirectory(self)
        let path = dir + "/w.npz"
        let bytes = try NPZWriter.archive([NamedArray(name: "a", shape: [64], values: .float32(Array(repeating: 1, count: 64)))], file: path)
        var flipped = bytes
        flipped[100] ^= 0x10
        let crc = sessionError { _ = try NPZFile.read(bytes: flipped, file: path) }
        XCTAssertEqual(crc?.file, path)
        XCTAssertTrue(crc?.problem.contains("CRC-32") ?? false, crc?.description ?? "")
        let truncated = sessionError { _ = try NPZFile.read(bytes: Array(bytes.prefix(bytes.count / 2)), file: path) }
        XCTAssertTrue(truncated?.problem.contains("end-of-central-directory") ?? false, truncated?.description ?? "")
    }

    func testUnsupportedDtypeIsNamed() throws {
        let path = try fixture("numpy_uint8.npz")
        let error = sessionError { _ = try NPZFile.read(path) }
        XCTAssertEqual(error?.file, path)
        XCTAssertTrue(error?.problem.contains("array pixels has dtype '|u1'") ?? false, error?.description ?? "")
    }
}
