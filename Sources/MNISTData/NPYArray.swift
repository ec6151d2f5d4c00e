/// A parsed `.npy` array: `\x93NUMPY`, version, little-endian header length, then a Python dict
/// header (`descr`, `fortran_order`, `shape`) and the raw data (numpy `lib/format.py`).
struct NPYArray {
    var shape: [Int]
    /// Data in C (row-major) order.
    var data: NumericArray

    /// Parses `bytes`; `name` is the array's name for error messages, e.g. "x_train.npy in mnist.npz".
    init(bytes: [UInt8], file: String, name: String) throws {
        func fail(_ message: String, offset: Int? = nil) -> DataError {
            DataError(file: file, offset: offset, message: "\(name): \(message)")
        }
        let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy array (no \\x93NUMPY magic)", offset: 0)
        }
        let major = bytes[6]
        let (headerLength, headerStart): (Int, Int)
        switch major {
        case 1: (headerLength, headerStart) = (Int(Bytes.uint16LE(bytes, 8)), 10)
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header", offset: bytes.count) }
            (headerLength, headerStart) = (Int(Bytes.uint32LE(bytes, 8)), 12)
        default: throw fail(".npy format version \(major) is not supported (1, 2 or 3 are)", offset: 6)
        }
        guard headerStart + headerLength <= bytes.count else {
            throw fail("truncated .npy header", offset: bytes.count)
        }
        let header = String(decoding: bytes[headerStart ..< headerStart + headerLength], as: UTF8.self)

        guard let descr = Self.stringValue(of: "descr", in: header),
              let shapeText = Self.tupleValue(of: "shape", in: header) else {
            throw fail("bad .npy header, missing descr or shape: \(header.trimmingCharacters(in: " \n"))", offset: headerStart)
        }
        let fortran = header.contains("'fortran_order': True") || header.contains("\"fortran_order\": True")
        let dims = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("bad shape (\(shapeText)) in .npy header", offset: headerStart)
        }
        guard let type = Self.parseDescr(descr) else {
            throw fail("unsupported dtype '\(descr)': expected an integer or float type such as |u1, <i8, <f4", offset: headerStart)
        }
        let dataStart = headerStart + headerLength
        let expected = shape.reduce(1, *) * type.width
        guard bytes.count - dataStart >= expected else {
            throw fail("truncated: shape \(shape) of '\(descr)' needs \(expected.grouped) data bytes, found \(bytes.count - dataStart)",
                       offset: bytes.count)
        }
        var data = NumericArray(kind: type.kind, width: type.width, littleEndian: type.littleEndian,
                                bytes: bytes[dataStart ..< dataStart + expected])
        if fortran && shape.count > 1 { data = Self.toRowMajor(data, shape: shape) }
        self.shape = shape
        self.data = data
    }

    private static func stringValue(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == ":" || $0 == " " }
        guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return String(value)
    }

    private static func tupleValue(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == ":" || $0 == " " }
        guard rest.first == "(", let close = rest.firstIndex(of: ")") else { return nil }
        return String(rest[rest.index(after: rest.startIndex) ..< close])
    }

    private static func parseDescr(_ descr: String) -> (kind: NumericArray.Kind, width: Int, littleEndian: Bool)? {
        var chars = Substring(descr)
        var littleEndian = true
        if let order = chars.first, "<>|=".contains(order) {
            littleEndian = order != ">"
            chars = chars.dropFirst()
        }
        guard let code = chars.first, let width = Int(chars.dropFirst()), [1, 2, 4, 8].contains(width) else { return nil }
        switch code {
        case "u", "b": return (.unsignedInt, width, littleEndian)
        case "i": return (.signedInt, width, littleEndian)
        case "f" where width >= 4: return (.float, width, littleEndian)
        default: return nil
        }
    }

    /// Reorders a column-major (Fortran) array into row-major order.
    private static func toRowMajor(_ array: NumericArray, shape: [Int]) -> NumericArray {
        let count = array.count, width = array.width
        let source = Array(array.bytes)
        var out = [UInt8](repeating: 0, count: source.count)
        var index = [Int](repeating: 0, count: shape.count)
        for c in 0..<count {
            // `index` is the multi-index of row-major position c; find its column-major position.
            var f = 0, stride = 1
            for d in 0..<shape.count { f += index[d] * stride; stride *= shape[d] }
            for k in 0..<width { out[c * width + k] = source[f * width + k] }
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        var result = array
        result.bytes = out[...]
        return result
    }
}

private extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
