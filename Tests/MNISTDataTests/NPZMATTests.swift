import MNISTData
import XCTest

final class NPZTests: XCTestCase {
    private let train = Fixtures.set(count: 30), test = Fixtures.set(count: 10)

    func testStoredAndDeflatedArchives() throws {
        let dir = try Fixtures.tempDir()
        for deflated in [false, true] {
            let path = try Fixtures.write(Fixtures.npz(train: train, test: test, deflated: deflated, labelDescr: deflated ? "<i8" : "|u1"),
                                          dir, "mnist-\(deflated).npz")
            let dataset = try DatasetLoader.load(path: path)
            XCTAssertEqual(dataset.train, train)
            XCTAssertEqual(dataset.test, test)
            XCTAssertTrue(dataset.notices.isEmpty)
        }
    }

    func testFindMNISTPrefersIDXThenNPZ() throws {
        let dir = try Fixtures.tempDir()
        XCTAssertNil(DatasetLoader.findMNIST(dataDir: dir))
        XCTAssertNil(try DatasetLoader.loadMNIST(dataDir: dir))
        try Fixtures.write(Fixtures.npz(train: train, test: test, deflated: true), dir, "mnist.npz")
        XCTAssertEqual(DatasetLoader.findMNIST(dataDir: dir), dir + "/mnist.npz")
        try FileManager.default.createDirectory(atPath: dir + "/mnist", withIntermediateDirectories: true)
        try Fixtures.writeIDX(train: train, test: test, dir: dir + "/mnist", dotted: true)
        XCTAssertEqual(DatasetLoader.findMNIST(dataDir: dir), dir + "/mnist")
        let mnist = try XCTUnwrap(try DatasetLoader.loadMNIST(dataDir: dir))
        XCTAssertEqual(mnist.name, "MNIST")
        XCTAssertEqual(mnist.source, "mnist")
        XCTAssertEqual(mnist.test, test)
    }

    func testMissingEntryIsNamed() throws {
        let dir = try Fixtures.tempDir()
        let zip = Fixtures.zip([("x_train.npy", Fixtures.npy(descr: "|u1", shape: [1, 28, 28], data: Fixtures.pixels(count: 1)))], deflated: false)
        let path = try Fixtures.write(zip, dir, "partial.npz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("missing arrays y_train, x_test, y_test"), error.message)
    }

    func testCRCMismatch() throws {
        let dir = try Fixtures.tempDir()
        var zip = Fixtures.npz(train: train, test: test, deflated: false)
        zip[300] ^= 0xff   // inside x_train's pixel data
        let path = try Fixtures.write(zip, dir, "bad.npz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("zip entry x_train.npy is corrupt: CRC-32"), error.message)
        XCTAssertNotNil(error.offset)
    }

    func testCorruptDeflatedEntry() throws {
        let dir = try Fixtures.tempDir()
        var zip = Fixtures.npz(train: train, test: test, deflated: true)
        for i in 120..<140 { zip[i] = 0xff }
        let path = try Fixtures.write(zip, dir, "bad.npz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("x_train.npy"), error.message)
        XCTAssertTrue(error.file.hasSuffix("bad.npz"))
    }

    func testNotAZip() throws {
        let dir = try Fixtures.tempDir()
        let zip = Fixtures.npz(train: train, test: test, deflated: true)
        let path = try Fixtures.write(Array(zip.prefix(zip.count - 30)), dir, "cut.npz")
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: path) })
        XCTAssertTrue(error.message.contains("no end-of-central-directory record"), error.message)
    }

    func testBadNPYHeaderAndShapeMismatch() throws {
        let dir = try Fixtures.tempDir()
        var entries: [(name: String, data: [UInt8])] = [
            ("x_train.npy", Fixtures.npy(descr: "|u1", shape: [3, 28, 28], data: Fixtures.pixels(count: 3))),
            ("y_train.npy", Fixtures.npy(descr: "|u1", shape: [2], data: [1, 2])),
            ("x_test.npy", Fixtures.npy(descr: "|u1", shape: [1, 28, 28], data: Fixtures.pixels(count: 1))),
            ("y_test.npy", Fixtures.npy(descr: "|u1", shape: [1], data: [1])),
        ]
        let mismatch = try XCTUnwrap(expectDataError {
            try DatasetLoader.load(path: try Fixtures.write(Fixtures.zip(entries, deflated: false), dir, "a.npz"))
        })
        XCTAssertTrue(mismatch.message.contains("shape mismatch: x_train holds 3 images but y_train holds 2 labels"), mismatch.message)
        entries[1] = ("y_train.npy", Fixtures.npy(descr: "<U4", shape: [3], data: [UInt8](repeating: 0, count: 48)))
        let dtype = try XCTUnwrap(expectDataError {
            try DatasetLoader.load(path: try Fixtures.write(Fixtures.zip(entries, deflated: false), dir, "b.npz"))
        })
        XCTAssertTrue(dtype.message.contains("y_train.npy: unsupported dtype '<U4'"), dtype.message)
        entries[1] = ("y_train.npy", Array("not an array".utf8))
        let magic = try XCTUnwrap(expectDataError {
            try DatasetLoader.load(path: try Fixtures.write(Fixtures.zip(entries, deflated: false), dir, "c.npz"))
        })
        XCTAssertTrue(magic.message.contains("not a .npy array"), magic.message)
    }

    func testFloatImagesInUnitRangeAreScaled() throws {
        let dir = try Fixtures.tempDir()
        let floats: [Float] = [0, 0.5, 1]
        let pixelBytes = (0..<784).flatMap { i in withUnsafeBytes(of: floats[i % 3].bitPattern.littleEndian) { Array($0) } }
        let labelBytes = withUnsafeBytes(of: Double(7).bitPattern.littleEndian) { Array($0) }
        let zip = Fixtures.zip([
            ("x_train.npy", Fixtures.npy(descr: "<f4", shape: [1, 784], data: pixelBytes)),
            ("y_train.npy", Fixtures.npy(descr: "<f8", shape: [1], data: labelBytes)),
            ("x_test.npy", Fixtures.npy(descr: "<f4", shape: [1, 784], data: pixelBytes)),
            ("y_test.npy", Fixtures.npy(descr: "<f8", shape: [1], data: labelBytes)),
        ], deflated: true)
        let dataset = try DatasetLoader.load(path: try Fixtures.write(zip, dir, "f.npz"))
        XCTAssertEqual(Array(dataset.train.image(0).prefix(4)), [0, 128, 255, 0])
        XCTAssertEqual(dataset.test.labels, [7])
    }
}

final class MATTests: XCTestCase {
    func testCompressedAndPlainMAT() throws {
        let dir = try Fixtures.tempDir()
        let set = Fixtures.set(count: 50)
        for compressed in [true, false] {
            let path = try Fixtures.write(Fixtures.mat(set, compressed: compressed), dir, "m\(compressed).mat")
            let dataset = try DatasetLoader.load(path: path, options: LoadOptions(trainCount: 45))
            XCTAssertEqual(dataset.train.count, 45)
            XCTAssertEqual(dataset.test.image(0), set.image(45))
            XCTAssertEqual(dataset.test.labels, [5, 6, 7, 8, 9])
            XCTAssertTrue(dataset.notices[0].contains("the first 45 images are train, the last 5 test"), dataset.notices[0])
        }
    }

    func testMissingVariableIsNamed() throws {
        let dir = try Fixtures.tempDir()
        var bytes = Array(Fixtures.mat(Fixtures.set(count: 2), compressed: false).prefix(128))
        bytes += Fixtures.matMatrix(name: "data", arrayClass: 9, dims: [784, 2], storage: 2, values: Fixtures.pixels(count: 2))
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: try Fixtures.write(bytes, dir, "x.mat")) })
        XCTAssertTrue(error.message.contains("no numeric variable label (found: data)"), error.message)
    }

    func testCorruptCompressedElement() throws {
        let dir = try Fixtures.tempDir()
        var bytes = Fixtures.mat(Fixtures.set(count: 20), compressed: true)
        for i in 150..<170 { bytes[i] ^= 0xa5 }
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: try Fixtures.write(bytes, dir, "z.mat")) })
        XCTAssertTrue(error.message.contains("compressed MAT element at byte 128"), error.message)
        XCTAssertNotNil(error.offset)
    }

    func testBadLabelNamesVariableAndIndex() throws {
        let dir = try Fixtures.tempDir()
        var bytes = Array(Fixtures.mat(Fixtures.set(count: 1), compressed: false).prefix(128))
        bytes += Fixtures.matMatrix(name: "data", arrayClass: 9, dims: [784, 3], storage: 2, values: Fixtures.pixels(count: 3))
        bytes += Fixtures.matMatrix(name: "label", arrayClass: 9, dims: [3, 1], storage: 2, values: [1, 2, 11])
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: try Fixtures.write(bytes, dir, "l.mat")) })
        XCTAssertTrue(error.message.contains("variable label: value 11 at index 2"), error.message)
    }

    func testTruncatedPlainMatrix() throws {
        let dir = try Fixtures.tempDir()
        let bytes = Fixtures.mat(Fixtures.set(count: 5), compressed: false)
        let error = try XCTUnwrap(expectDataError { try DatasetLoader.load(path: try Fixtures.write(Array(bytes.prefix(2000)), dir, "t.mat")) })
        XCTAssertEqual(error.offset, 128)
        XCTAssertTrue(error.message.contains("ends early"), error.message)
    }
}
