import CZlib

/// Writes `.npy` arrays (format 1.0) and `.npz` archives (a zip of stored `NAME.npy` entries)
/// that `numpy.load` opens.
///
/// Entries are stored uncompressed with a fixed 1980-01-01 timestamp, so the same arrays always
/// give the same bytes (and the same checksum in a session manifest).
public enum NPZWriter {
    /// One `.npy` file: magic, version 1.0, a header dict padded with spaces to a multiple of 64
    /// bytes and ending in a newline, then the little-endian data in C order.
    public static func npy(_ array: NamedArray) -> [UInt8] {
        let shape: String
        switch array.shape.count {
        case 1: shape = "(\(array.shape[0]),)"
        default: shape = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.values.descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += array.values.littleEndianBytes
        return out
    }

    /// A zip archive of `NAME.npy` entries in the given order.
    ///
    /// - Throws: `SessionError` if an archive would need zip64 (an entry or the whole over 4 GiB).
    public static func archive(_ arrays: [NamedArray], file: String) throws -> [UInt8] {
        var out = [UInt8]()
        var directory = [UInt8]()
        for array in arrays {
            let name = Array((array.name + ".npy").utf8)
            let data = npy(array)
            let offset = out.count
            guard data.count < 0xFFFF_FFFF, offset < 0xFFFF_FFFF else {
                throw SessionError(file: file, problem: "array \(array.name) is too large for a plain zip archive (over 4 GiB)")
            }
            let crc = data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            // Local file header.
            out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            out += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
            out += le16(UInt16(name.count)) + le16(0) + name
            out += data
            // Central directory entry.
            directory += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            directory += le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
            directory += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            directory += le32(UInt32(offset)) + name
        }
        guard out.count < 0xFFFF_FFFF, arrays.count < 0xFFFF else {
            throw SessionError(file: file, problem: "too many or too large arrays for a plain zip archive")
        }
        let directoryOffset = out.count
        out += directory
        // End of central directory.
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(arrays.count)) + le16(UInt16(arrays.count))
        out += le32(UInt32(directory.count)) + le32(UInt32(directoryOffset)) + le16(0)
        return out
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
}
