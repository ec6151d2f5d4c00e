import CZlib
import Foundation
import MNISTData
import XCTest

/// Deterministic test images and writers for every format the loader reads.
enum Fixtures {
    /// `count` 28x28 images: pixel (r, c) of image i is (i * 7 + r * 3 + c * 5) % 256.
    static func pixels(count: Int, rows: Int = 28, cols: Int = 28) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count * rows * cols)
        for i in 0..<count { for r in 0..<rows { for c in 0..<cols { out.append(UInt8((i * 7 + r * 3 + c * 5) % 256)) } } }
        return out
    }

    /// Labels cycling 0...9.
    static func labels(count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 10) } }

    static func set(count: Int) -> ImageSet {
        ImageSet(rows: 28, cols: 28, pixels: pixels(count: count), labels: labels(count: count))
    }

    // MARK: Files

    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "mnistdata-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @discardableResult
    static func write(_ bytes: [UInt8], _ dir: String, _ name: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }

    static func idxImages(_ set: ImageSet) -> [UInt8] {
        be32(2051) + be32(set.count) + be32(set.rows) + be32(set.cols) + set.pixels
    }

    static func idxLabels(_ labels: [UInt8]) -> [UInt8] { be32(2049) + be32(labels.count) + labels }

    /// Writes train (and optionally test) IDX pairs with the given naming convention.
    static func writeIDX(train: ImageSet?, test: ImageSet?, dir: String, dotted: Bool = false, gzip: Bool = true) throws {
        for (prefix, set) in [("train", train), ("t10k", test)] {
            guard let set else { continue }
            let sep = dotted ? "." : "-"
            let ext = gzip ? ".gz" : ""
            let images = idxImages(set), labels = idxLabels(set.labels)
            try write(gzip ? gzipped(images) : images, dir, "\(prefix)-images\(sep)idx3-ubyte\(ext)")
            try write(gzip ? gzipped(labels) : labels, dir, "\(prefix)-labels\(sep)idx1-ubyte\(ext)")
        }
    }

    static func csv(_ set: ImageSet, labelFirst: Bool, header: String? = nil) -> [UInt8] {
        var text = header.map { $0 + "\n" } ?? ""
        for i in 0..<set.count {
            let pixels = set.image(i).map(String.init)
            let row = labelFirst ? [String(set.labels[i])] + pixels : pixels + [String(set.labels[i])]
            text += row.joined(separator: ",") + "\n"
        }
        return Array(text.utf8)
    }

    // MARK: Compression

    /// Deflates with zlib; `windowBits` 15 + 16 gives gzip, 15 zlib, -15 raw.
    static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                precondition(CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(output[..<produced])
    }

    static func gzipped(_ bytes: [UInt8]) -> [UInt8] { deflate(bytes, windowBits: 31) }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    // MARK: NPZ

    /// A version-1 `.npy` file.
    static func npy(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0] + le16(header.utf8.count) + Array(header.utf8) + data
    }

    /// A zip archive of `entries`, stored or deflated.
    static func zip(_ entries: [(name: String, data: [UInt8])], deflated: Bool) -> [UInt8] {
        var out = [UInt8](), directory = [UInt8]()
        for entry in entries {
            let body = deflated ? deflate(entry.data, windowBits: -15) : entry.data
            let name = Array(entry.name.utf8)
            let crc = Int(crc32(entry.data))
            let common = le16(20) + le16(0) + le16(deflated ? 8 : 0) + le16(0) + le16(0x21)
                + le32(crc) + le32(body.count) + le32(entry.data.count) + le16(name.count) + le16(0)
            directory += le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(out.count) + name
            out += le32(0x0403_4b50) + common + name + body
        }
        let directoryOffset = out.count
        out += directory
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
            + le32(directory.count) + le32(directoryOffset) + le16(0)
        return out
    }

    static func npz(train: ImageSet, test: ImageSet, deflated: Bool, labelDescr: String = "|u1") -> [UInt8] {
        func labelBytes(_ labels: [UInt8]) -> [UInt8] {
            labelDescr == "<i8" ? labels.flatMap { le32(Int($0)) + [0, 0, 0, 0] } : labels
        }
        return zip([
            ("x_train.npy", npy(descr: "|u1", shape: [train.count, 28, 28], data: train.pixels)),
            ("y_train.npy", npy(descr: labelDescr, shape: [train.count], data: labelBytes(train.labels))),
            ("x_test.npy", npy(descr: "|u1", shape: [test.count, 28, 28], data: test.pixels)),
            ("y_test.npy", npy(descr: labelDescr, shape: [test.count], data: labelBytes(test.labels))),
        ], deflated: deflated)
    }

    // MARK: MAT v5

    /// A MAT element: tag + data padded to 8 bytes (small-element format when it fits in 4).
    static func matElement(type: Int, _ data: [UInt8], allowSmall: Bool = true) -> [UInt8] {
        if allowSmall && data.count <= 4 {
            return le16(type) + le16(data.count) + data + [UInt8](repeating: 0, count: 4 - data.count)
        }
        let padding = (8 - data.count % 8) % 8
        return le32(type) + le32(data.count) + data + [UInt8](repeating: 0, count: padding)
    }

    /// A miMATRIX element for a numeric variable. `storage` is the miXXX type of `values`.
    static func matMatrix(name: String, arrayClass: Int, dims: [Int], storage: Int, values: [UInt8]) -> [UInt8] {
        let body = matElement(type: 6, le32(arrayClass) + le32(0))
            + matElement(type: 5, dims.flatMap { le32($0) })
            + matElement(type: 1, Array(name.utf8))
            + matElement(type: storage, values)
        return le32(14) + le32(body.count) + body
    }

    /// A MAT file with `data` (784xN uint8, one image per column) and `label` (1xN double).
    static func mat(_ set: ImageSet, compressed: Bool) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file, written by MNISTDataTests".utf8)
        header += [UInt8](repeating: 32, count: 116 - header.count) + [UInt8](repeating: 0, count: 8)
        header += le16(0x0100) + Array("IM".utf8)
        let labelBytes = set.labels.flatMap { label -> [UInt8] in
            withUnsafeBytes(of: Double(label).bitPattern.littleEndian) { Array($0) }
        }
        let variables = [
            matMatrix(name: "data", arrayClass: 9, dims: [784, set.count], storage: 2, values: set.pixels),
            matMatrix(name: "label", arrayClass: 6, dims: [1, set.count], storage: 9, values: labelBytes),
        ]
        var out = header
        for v in variables {
            if compressed {
                let z = deflate(v, windowBits: 15)
                out += le32(15) + le32(z.count) + z
            } else {
                out += v
            }
        }
        return out
    }
}

/// Asserts that `body` throws a `DataError` and returns it for checks on its content.
func expectDataError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> DataError? {
    do {
        _ = try body()
        XCTFail("expected a DataError", file: file, line: line)
    } catch let error as DataError {
        return error
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
    return nil
}
