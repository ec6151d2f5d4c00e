/// A minimal zip reader: the central directory, stored and deflated entries, CRC-32 checks,
/// zip64 sizes and offsets (numpy writes them).
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let file: String
    let bytes: [UInt8]
    private(set) var entries: [Entry] = []

    static func detect(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4b && (bytes[2] == 3 || bytes[2] == 5)
    }

    init(file: String, bytes: [UInt8]) throws {
        self.file = file
        self.bytes = bytes
        // The end-of-central-directory record sits in the last 22 + 65,535 bytes.
        let minimumStart = max(0, bytes.count - 22 - 65_535)
        guard bytes.count >= 22,
              let eocd = stride(from: bytes.count - 22, through: minimumStart, by: -1)
                .first(where: { Bytes.uint32LE(bytes, $0) == 0x0605_4b50 })
        else {
            throw DataError(file: file, message: "not a valid zip archive: no end-of-central-directory record",
                            hint: "the file is truncated or not a zip/npz file")
        }
        var count = Int(Bytes.uint16LE(bytes, eocd + 10))
        var directoryOffset = Int(Bytes.uint32LE(bytes, eocd + 16))
        // Zip64: a locator just before the record points at the zip64 end record.
        if eocd >= 20, Bytes.uint32LE(bytes, eocd - 20) == 0x0706_4b50 {
            let record = Int(Bytes.uint64LE(bytes, eocd - 20 + 8))
            guard record + 56 <= bytes.count, Bytes.uint32LE(bytes, record) == 0x0606_4b50 else {
                throw DataError(file: file, offset: record, message: "zip64 end record is missing or damaged")
            }
            count = Int(Bytes.uint64LE(bytes, record + 32))
            directoryOffset = Int(Bytes.uint64LE(bytes, record + 48))
        }
        var p = directoryOffset
        for _ in 0..<count {
            guard p + 46 <= bytes.count, Bytes.uint32LE(bytes, p) == 0x0201_4b50 else {
                throw DataError(file: file, offset: p, message: "zip central directory is damaged",
                                hint: "the file is truncated or corrupt; download it again")
            }
            let nameLength = Int(Bytes.uint16LE(bytes, p + 28))
            let extraLength = Int(Bytes.uint16LE(bytes, p + 30))
            let commentLength = Int(Bytes.uint16LE(bytes, p + 32))
            guard p + 46 + nameLength + extraLength <= bytes.count else {
                throw DataError(file: file, offset: p, message: "zip central directory entry runs past the end of the file")
            }
            var entry = Entry(
                name: String(decoding: bytes[p + 46 ..< p + 46 + nameLength], as: UTF8.self),
                method: Bytes.uint16LE(bytes, p + 10),
                crc: Bytes.uint32LE(bytes, p + 16),
                compressedSize: Int(Bytes.uint32LE(bytes, p + 20)),
                size: Int(Bytes.uint32LE(bytes, p + 24)),
                localHeaderOffset: Int(Bytes.uint32LE(bytes, p + 42)))
            Self.applyZip64(&entry, extra: bytes[p + 46 + nameLength ..< p + 46 + nameLength + extraLength])
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
    }

    /// Replaces 0xFFFFFFFF sizes/offsets with the 64-bit values of the zip64 extra field.
    private static func applyZip64(_ entry: inout Entry, extra: ArraySlice<UInt8>) {
        let b = Array(extra)
        var p = 0
        while p + 4 <= b.count {
            let id = Bytes.uint16LE(b, p), length = Int(Bytes.uint16LE(b, p + 2))
            if id == 1 {
                var q = p + 4
                func next() -> Int? {
                    guard q + 8 <= p + 4 + length, q + 8 <= b.count else { return nil }
                    defer { q += 8 }
                    return Int(Bytes.uint64LE(b, q))
                }
                if entry.size == 0xFFFF_FFFF, let v = next() { entry.size = v }
                if entry.compressedSize == 0xFFFF_FFFF, let v = next() { entry.compressedSize = v }
                if entry.localHeaderOffset == 0xFFFF_FFFF, let v = next() { entry.localHeaderOffset = v }
                return
            }
            p += 4 + length
        }
    }

    /// The uncompressed, CRC-checked content of the entry called `name`, or nil if absent.
    func contents(of name: String) throws -> [UInt8]? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        let header = entry.localHeaderOffset
        guard header + 30 <= bytes.count, Bytes.uint32LE(bytes, header) == 0x0403_4b50 else {
            throw DataError(file: file, offset: header, message: "zip entry \(name): local header is missing or damaged")
        }
        let start = header + 30 + Int(Bytes.uint16LE(bytes, header + 26)) + Int(Bytes.uint16LE(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else {
            throw DataError(file: file, offset: bytes.count,
                            message: "zip entry \(name) needs \(entry.compressedSize.grouped) bytes from byte \(start.grouped), but the file ends at \(bytes.count.grouped)",
                            hint: "the file is truncated; download it again")
        }
        let data: [UInt8]
        switch entry.method {
        case 0:
            data = Array(bytes[start ..< start + entry.compressedSize])
        case 8:
            data = try Zlib.inflate(bytes, range: start ..< start + entry.compressedSize, wrapper: .raw,
                                    sizeHint: entry.size, file: file, what: "zip entry \(name)")
        default:
            throw DataError(file: file, offset: header,
                            message: "zip entry \(name) uses compression method \(entry.method); only stored (0) and deflate (8) are supported")
        }
        guard data.count == entry.size else {
            throw DataError(file: file, offset: start,
                            message: "zip entry \(name) unpacks to \(data.count.grouped) bytes, the directory says \(entry.size.grouped)")
        }
        let crc = Zlib.crc32(data)
        guard crc == entry.crc else {
            throw DataError(file: file, offset: start,
                            message: "zip entry \(name) is corrupt: CRC-32 is \(hex(crc)), expected \(hex(entry.crc))",
                            hint: "the file is damaged; download it again")
        }
        return data
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
