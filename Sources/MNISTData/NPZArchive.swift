/// Read access to any `.npz` archive for other modules (the session store reads saved weights and
/// optimizer state with it), on top of the same zip and `.npy` readers `load` uses.
///
///     let npz = try NPZArchive(file: path, bytes: bytes)
///     let kernel = try npz.array(named: "dense.kernel")   // shape, dtype "<f4", raw bytes
public struct NPZArchive {
    /// One array: row-major shape, numpy type string and little-endian data bytes.
    public struct Array {
        public var shape: [Int]
        /// Normalised numpy type: `<f4`, `<f8`, `<i8`, `<u8`, `|u1`, ...
        public var descr: String
        /// The values in C order, little-endian, `shape.product * width` bytes.
        public var bytes: [UInt8]
    }

    private let zip: ZipArchive

    /// Parses the archive's directory; `file` names it in errors.
    public init(file: String, bytes: [UInt8]) throws {
        zip = try ZipArchive(file: file, bytes: bytes)
    }

    /// Array names in archive order, without the `.npy` suffix.
    public var names: [String] {
        zip.entries.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
    }

    /// The array called `name` (without `.npy`), CRC-checked, or nil if the archive has none.
    public func array(named name: String) throws -> Array? {
        guard let entry = try zip.contents(of: name + ".npy") else { return nil }
        let npy = try NPYArray(bytes: entry, file: zip.file, name: name + ".npy")
        let data = npy.data
        let code: Character = switch data.kind { case .float: "f"; case .signedInt: "i"; case .unsignedInt: "u" }
        var bytes = Swift.Array(data.bytes)
        if !data.littleEndian && data.width > 1 {
            for start in stride(from: 0, to: bytes.count, by: data.width) {
                bytes[start ..< start + data.width].reverse()
            }
        }
        return Array(shape: npy.shape, descr: "\(data.width == 1 ? "|" : "<")\(code)\(data.width)", bytes: bytes)
    }
}
