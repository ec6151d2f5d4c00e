import Foundation

/// Reads IDX files, the original MNIST format: big-endian u32 header (images: magic 2051, count,
/// rows, cols; labels: magic 2049, count) followed by one unsigned byte per pixel or label.
/// Files may be gzip-compressed.
enum IDXReader {
    static let imagesMagic: UInt32 = 0x0000_0803
    static let labelsMagic: UInt32 = 0x0000_0801

    /// True if `bytes` start with an IDX magic for unsigned bytes with 1 or 3 dimensions.
    static func detect(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = Bytes.uint32BE(bytes, 0)
        return magic == imagesMagic || magic == labelsMagic
    }

    /// A train or test pair of files in a directory, under either naming convention.
    struct Pair {
        var images: String
        var labels: String
    }

    /// Reads an image file and its label file into a set.
    static func readPair(_ pair: Pair) throws -> ImageSet {
        let (count, rows, cols, pixels) = try readImages(pair.images, bytes: try Bytes.readMaybeGzip(pair.images))
        let labels = try readLabels(pair.labels, bytes: try Bytes.readMaybeGzip(pair.labels))
        guard labels.count == count else {
            throw DataError(file: pair.labels, offset: 4,
                            message: "holds \(labels.count.grouped) labels but \(fileName(pair.images)) holds \(count.grouped) images",
                            hint: "the image and label files must come from the same set")
        }
        return ImageSet(rows: rows, cols: cols, pixels: pixels, labels: labels)
    }

    /// Parses an images file (already decompressed).
    static func readImages(_ file: String, bytes: [UInt8]) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        try checkHeader(file, bytes, magic: imagesMagic, kind: "images", headerSize: 16)
        let count = Int(Bytes.uint32BE(bytes, 4))
        let rows = Int(Bytes.uint32BE(bytes, 8)), cols = Int(Bytes.uint32BE(bytes, 12))
        guard rows > 0, cols > 0, rows <= 4096, cols <= 4096 else {
            throw DataError(file: file, offset: 8, message: "implausible image size \(rows)x\(cols) in the IDX header")
        }
        try checkLength(file, bytes, headerSize: 16, expectedData: count * rows * cols,
                        what: "\(count.grouped) images of \(rows)x\(cols)")
        return (count, rows, cols, Array(bytes[16...]))
    }

    /// Parses a labels file (already decompressed), checking every label is 0...9.
    static func readLabels(_ file: String, bytes: [UInt8]) throws -> [UInt8] {
        try checkHeader(file, bytes, magic: labelsMagic, kind: "labels", headerSize: 8)
        let count = Int(Bytes.uint32BE(bytes, 4))
        try checkLength(file, bytes, headerSize: 8, expectedData: count, what: "\(count.grouped) labels")
        let labels = Array(bytes[8...])
        if let bad = labels.firstIndex(where: { $0 > 9 }) {
            throw DataError(file: file, offset: 8 + bad,
                            message: "label \(labels[bad]) at index \(bad.grouped) is outside 0-9")
        }
        return labels
    }

    private static func checkHeader(_ file: String, _ bytes: [UInt8], magic: UInt32, kind: String, headerSize: Int) throws {
        guard bytes.count >= 4 else {
            throw DataError(file: file, offset: bytes.count, message: "file is too short for an IDX header (\(bytes.count) bytes)")
        }
        let found = Bytes.uint32BE(bytes, 0)
        guard found == magic else {
            let expected = "0x\(String(magic, radix: 16, uppercase: true)) (\(magic), IDX \(kind))"
            throw DataError(file: file, offset: 0,
                            message: "wrong magic number 0x\(String(found, radix: 16, uppercase: true)), expected \(expected)",
                            hint: found == (magic == imagesMagic ? labelsMagic : imagesMagic)
                                ? "images and labels files look swapped" : "this is not an IDX \(kind) file")
        }
        guard bytes.count >= headerSize else {
            throw DataError(file: file, offset: bytes.count,
                            message: "IDX \(kind) header needs \(headerSize) bytes, the file has \(bytes.count)")
        }
    }

    private static func checkLength(_ file: String, _ bytes: [UInt8], headerSize: Int, expectedData: Int, what: String) throws {
        let expected = headerSize + expectedData
        if bytes.count < expected {
            throw DataError(file: file, offset: bytes.count,
                            message: "truncated: header announces \(what), needing \(expected.grouped) bytes, but the data ends at byte \(bytes.count.grouped)",
                            hint: "the file is incomplete; download or copy it again")
        }
        if bytes.count > expected {
            throw DataError(file: file, offset: expected,
                            message: "\((bytes.count - expected).grouped) unexpected bytes after the \(what) announced by the header (file has \(bytes.count.grouped) bytes, expected \(expected.grouped))")
        }
    }

    // MARK: Finding files

    /// The images/labels file names of one set (`train` or `t10k`), both conventions, gz or raw.
    static func candidateNames(prefix: String, kind: String) -> [String] {
        let dims = kind == "images" ? "idx3" : "idx1"
        return ["\(prefix)-\(kind)-\(dims)-ubyte", "\(prefix)-\(kind).\(dims)-ubyte"].flatMap { [$0 + ".gz", $0] }
    }

    /// The train and test pairs present in `directory` (either may be missing).
    static func pairs(in directory: String) -> (train: Pair?, test: Pair?) {
        func find(_ prefix: String) -> Pair? {
            guard let images = firstFile(in: directory, prefix: prefix, kind: "images"),
                let labels = firstFile(in: directory, prefix: prefix, kind: "labels")
            else { return nil }
            return Pair(images: images, labels: labels)
        }
        return (find("train"), find("t10k"))
    }

    /// Throws when `directory` holds one file of a pair without the other (images without labels,
    /// or labels without images), naming the file found and the one missing.
    static func checkNoHalfPairs(in directory: String) throws {
        for prefix in ["train", "t10k"] {
            let images = firstFile(in: directory, prefix: prefix, kind: "images")
            let labels = firstFile(in: directory, prefix: prefix, kind: "labels")
            guard let found = images ?? labels, (images == nil) != (labels == nil) else { continue }
            let missing = images == nil ? "images" : "labels"
            throw DataError(file: found, message: "found no \(missing) file beside this one",
                            hint: "expected \(candidateNames(prefix: prefix, kind: missing)[0]) (or raw, or \(candidateNames(prefix: prefix, kind: missing)[3]))")
        }
    }

    /// The first of `candidateNames(prefix:kind:)` present in `directory`.
    private static func firstFile(in directory: String, prefix: String, kind: String) -> String? {
        candidateNames(prefix: prefix, kind: kind)
            .map { (directory as NSString).appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Given one file of a pair (images or labels), the pair it belongs to.
    static func pair(around path: String, isImages: Bool) throws -> Pair {
        let directory = (path as NSString).deletingLastPathComponent
        let name = fileName(path)
        let swaps = isImages ? [("images", "labels"), ("idx3", "idx1")] : [("labels", "images"), ("idx1", "idx3")]
        var other = name
        for (from, to) in swaps { other = other.replacingOccurrences(of: from, with: to) }
        let stem = other.hasSuffix(".gz") ? String(other.dropLast(3)) : other
        let candidates = [other, stem, stem + ".gz"].map { (directory as NSString).appendingPathComponent($0) }
        guard other != name, let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw DataError(file: path, message: "found no \(isImages ? "labels" : "images") file beside this IDX \(isImages ? "images" : "labels") file",
                            hint: "expected \(fileName(candidates[0])) in the same directory")
        }
        return isImages ? Pair(images: path, labels: found) : Pair(images: found, labels: path)
    }

    static func fileName(_ path: String) -> String { (path as NSString).lastPathComponent }
}
