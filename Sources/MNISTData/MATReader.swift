/// Reads MATLAB v5 files such as mldata's `mnist-original.mat`: variables `data` (784xN, one image
/// per column) and `label` (1xN or Nx1), any numeric class, optionally zlib-compressed.
enum MATReader {
    // Element data types (miXXX) and their NumericArray encoding.
    private static let miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15
    private static let dataTypes: [UInt32: (NumericArray.Kind, Int)] = [
        1: (.signedInt, 1), 2: (.unsignedInt, 1), 3: (.signedInt, 2), 4: (.unsignedInt, 2),
        5: (.signedInt, 4), 6: (.unsignedInt, 4), 7: (.float, 4), 9: (.float, 8),
        12: (.signedInt, 8), 13: (.unsignedInt, 8),
    ]
    /// Array classes holding plain numbers (mxDOUBLE_CLASS = 6 ... mxUINT64_CLASS = 15).
    private static let numericClasses: ClosedRange<UInt32> = 6...15

    static func detect(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 128 && bytes.starts(with: Array("MATLAB 5.0".utf8))
    }

    /// A numeric variable: its dimensions and real part.
    struct Variable {
        var dims: [Int]
        var values: NumericArray
    }

    /// The images and labels, in file order (the caller splits them).
    static func read(_ file: String, bytes: [UInt8]) throws -> ImageSet {
        guard detect(bytes) else {
            throw DataError(file: file, offset: 0, message: "not a MATLAB v5 file (no \"MATLAB 5.0\" header text)")
        }
        let version = UInt16(bytes[124]) | UInt16(bytes[125]) << 8
        let mark = String(decoding: bytes[126..<128], as: UTF8.self)
        guard mark == "IM" || mark == "MI" else {
            throw DataError(file: file, offset: 126, message: "bad endian indicator \"\(mark)\" in the MAT header (expected IM or MI)")
        }
        let little = mark == "IM"
        guard (little ? version : version.byteSwapped) == 0x0100 else {
            throw DataError(file: file, offset: 124, message: "MAT version 0x\(String(version, radix: 16)) is not supported (v5 files have 0x0100)",
                            hint: "save with scipy.io.savemat or MATLAB's -v7 option, not -v7.3 (HDF5)")
        }
        var variables: [String: Variable] = [:]
        var reader = ElementReader(file: file, bytes: bytes, little: little, base: 0, context: "")
        var position = 128
        while position + 8 <= bytes.count {
            let tag = try reader.tag(at: position)
            if tag.type == miCOMPRESSED {
                guard tag.dataStart + tag.size <= bytes.count else {
                    throw DataError(file: file, offset: bytes.count, message: "compressed element at byte \(position.grouped) needs \(tag.size.grouped) bytes, the file ends early",
                                    hint: "the file is truncated; download it again")
                }
                let inner = try Zlib.inflate(bytes, range: tag.dataStart ..< tag.dataStart + tag.size, wrapper: .zlib,
                                             sizeHint: nil, file: file, what: "compressed MAT element at byte \(position.grouped)")
                var innerReader = ElementReader(file: file, bytes: inner, little: little, base: tag.dataStart,
                                                context: " (inside the compressed element at byte \(position.grouped))")
                if let (name, variable) = try innerReader.matrix(at: 0) { variables[name] = variable }
                position = tag.dataStart + tag.size
            } else {
                if tag.type == miMATRIX, let (name, variable) = try reader.matrix(at: position) { variables[name] = variable }
                position = tag.dataStart + (tag.size + 7) / 8 * 8
            }
        }
        return try imageSet(file, variables)
    }

    private static func imageSet(_ file: String, _ variables: [String: Variable]) throws -> ImageSet {
        let names = variables.keys.sorted().joined(separator: ", ")
        guard let data = variables["data"], let label = variables["label"] else {
            let missing = ["data", "label"].filter { variables[$0] == nil }.joined(separator: " and ")
            throw DataError(file: file, message: "no numeric variable \(missing) (found: \(names.isEmpty ? "none" : names))",
                            hint: "expected mldata's layout: data 784xN, label 1xN")
        }
        guard label.dims.count == 2, label.dims.contains(1) else {
            throw DataError(file: file, message: "variable label has dimensions \(label.dims.map(String.init).joined(separator: "x")); expected 1xN or Nx1")
        }
        let n = label.values.count
        guard data.dims.count == 2 else {
            throw DataError(file: file, message: "variable data has \(data.dims.count) dimensions; expected 2 (pixels x images)")
        }
        func isSquare(_ v: Int) -> Bool { let s = Int(Double(v).squareRoot()); return s * s == v && v > 0 }
        // One image per column (mldata) or, failing that, one per row.
        let columnsAreImages = data.dims[1] == n && isSquare(data.dims[0])
        guard columnsAreImages || (data.dims[0] == n && isSquare(data.dims[1])) else {
            throw DataError(file: file, message: "variable data is \(data.dims[0])x\(data.dims[1]) but label holds \(n.grouped) values; expected data to be (rows*cols) x \(n.grouped)")
        }
        let size = columnsAreImages ? data.dims[0] : data.dims[1]
        var pixels: [UInt8]
        do { pixels = try data.values.pixels() } catch {
            throw DataError(file: file, message: "variable data: value \(describe(error.value)) at element \(error.index.grouped) is not a pixel in 0-255 (or 0-1)")
        }
        if !columnsAreImages {
            // Column-major n x size: element (i, p) is at i + n * p.
            let stored = pixels
            for i in 0..<n { for p in 0..<size { pixels[i * size + p] = stored[i + n * p] } }
        }
        let labels: [UInt8]
        do { labels = try label.values.labels() } catch {
            throw DataError(file: file, message: "variable label: value \(describe(error.value)) at index \(error.index.grouped) is not an integer in 0-9")
        }
        let side = Int(Double(size).squareRoot())
        return ImageSet(rows: side, cols: side, pixels: pixels, labels: labels)
    }

    /// Walks tags and miMATRIX sub-elements in one buffer (the file, or a decompressed element).
    private struct ElementReader {
        let file: String
        let bytes: [UInt8]
        let little: Bool
        /// File offset of `bytes[0]`, for messages (the compressed element's start when inflated).
        let base: Int
        let context: String

        struct Tag {
            var type: UInt32
            var size: Int
            var dataStart: Int
        }

        func u32(_ at: Int) -> UInt32 {
            let v = Bytes.uint32LE(bytes, at)
            return little ? v : v.byteSwapped
        }

        func fail(_ at: Int, _ message: String) -> DataError {
            DataError(file: file, offset: base + at, message: message + context)
        }

        /// Reads the tag at `at`, in the normal (8-byte) or small-element (4-byte) format.
        func tag(at: Int) throws -> Tag {
            guard at + 8 <= bytes.count else { throw fail(at, "MAT element tag runs past the end of the data") }
            let first = u32(at)
            if first >> 16 != 0 {
                return Tag(type: first & 0xFFFF, size: Int(first >> 16), dataStart: at + 4)
            }
            return Tag(type: first, size: Int(u32(at + 4)), dataStart: at + 8)
        }

        /// Reads a sub-element and returns its tag and the offset of the next one.
        func subelement(at: Int, what: String) throws -> (Tag, next: Int) {
            let t = try tag(at: at)
            guard t.dataStart + t.size <= bytes.count else {
                throw fail(at, "\(what) needs \(t.size.grouped) bytes but the data ends early (truncated file?)")
            }
            let padded = t.dataStart == at + 4 ? at + 8 : t.dataStart + (t.size + 7) / 8 * 8
            return (t, padded)
        }

        /// Parses the miMATRIX element at `at`; nil for variables that are not plain numeric arrays.
        mutating func matrix(at: Int) throws -> (String, Variable)? {
            let outer = try tag(at: at)
            guard outer.type == miMATRIX else { return nil }
            guard outer.dataStart + outer.size <= bytes.count else {
                throw fail(at, "matrix element needs \(outer.size.grouped) bytes but the data ends early (truncated file?)")
            }
            if outer.size == 0 { return nil }
            var p = outer.dataStart
            let (flagsTag, afterFlags) = try subelement(at: p, what: "array flags")
            let flags = u32(flagsTag.dataStart)
            p = afterFlags
            let (dimsTag, afterDims) = try subelement(at: p, what: "dimensions")
            let dims = (0 ..< dimsTag.size / 4).map { Int(Int32(bitPattern: u32(dimsTag.dataStart + 4 * $0))) }
            p = afterDims
            let (nameTag, afterName) = try subelement(at: p, what: "array name")
            let name = String(decoding: bytes[nameTag.dataStart ..< nameTag.dataStart + nameTag.size], as: UTF8.self)
            p = afterName
            let arrayClass = flags & 0xFF
            guard numericClasses.contains(arrayClass) else { return nil }
            let complex = flags & 0x0800 != 0
            let (realTag, _) = try subelement(at: p, what: "variable \(name)'s values")
            guard let (kind, width) = dataTypes[realTag.type] else {
                throw fail(p, "variable \(name) stores its values as MAT type \(realTag.type), which is not numeric")
            }
            let count = dims.reduce(1, *)
            guard !complex, realTag.size == count * width else {
                throw fail(p, complex ? "variable \(name) is complex; expected real numbers"
                                      : "variable \(name) (\(dims.map(String.init).joined(separator: "x"))) needs \(count.grouped) values but stores \((realTag.size / width).grouped)")
            }
            let values = NumericArray(kind: kind, width: width, littleEndian: little,
                                      bytes: bytes[realTag.dataStart ..< realTag.dataStart + realTag.size])
            return (name, Variable(dims: dims, values: values))
        }
    }
}
