import CZlib

/// zlib inflation (gzip, zlib and raw deflate streams) and CRC-32.
enum Zlib {
    /// Window-bits values for `inflateInit2`: which wrapper the stream has.
    enum Wrapper: Int32 {
        case gzipOrZlib = 47   // 15 + 32: auto-detect a gzip or zlib header
        case zlib = 15
        case raw = -15         // bare deflate data, as inside zip entries
    }

    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a whole gzip file, including concatenated members.
    static func gunzip(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        // The trailer's ISIZE is the uncompressed size mod 2^32: a good first guess for the buffer.
        let hint = bytes.count >= 18 ? Int(Bytes.uint32LE(bytes, bytes.count - 4)) : nil
        return try inflate(bytes, range: 0..<bytes.count, wrapper: .gzipOrZlib, sizeHint: hint,
                           file: file, what: "gzip data")
    }

    /// Inflates `bytes[range]`. Errors name `file` and the compressed byte offset where the stream
    /// went wrong; `what` says what the stream is ("gzip data", "zip entry x_train.npy", ...).
    static func inflate(_ bytes: [UInt8], range: Range<Int>, wrapper: Wrapper, sizeHint: Int?,
                        file: String, what: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(1 << 16, min(sizeHint ?? range.count * 4, 1 << 31)))
        var produced = 0
        var position = range.lowerBound
        var stream = z_stream()
        guard inflateInit2_(&stream, wrapper.rawValue, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(file: file, message: "cannot initialise zlib for \(what)")
        }
        defer { inflateEnd(&stream) }

        try bytes.withUnsafeBufferPointer { input in
            while true {
                if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
                let chunkIn = min(range.upperBound - position, Int(UInt32.max))
                let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + position)
                    stream.avail_in = UInt32(chunkIn)
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(min(out.count - produced, Int(UInt32.max)))
                    let availOut = stream.avail_out
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    position += chunkIn - Int(stream.avail_in)
                    produced += Int(availOut - stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (as `cat a.gz b.gz` makes).
                    if wrapper == .gzipOrZlib, range.upperBound - position >= 2,
                       bytes[position] == 0x1f, bytes[position + 1] == 0x8b {
                        inflateReset(&stream)
                        continue
                    }
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR where position == range.upperBound:
                    throw DataError(file: file, offset: position,
                                    message: "\(what) ends early: the compressed stream is truncated",
                                    hint: "the file is incomplete; download or copy it again")
                case Z_BUF_ERROR:
                    continue
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw DataError(file: file, offset: position,
                                    message: "\(what) is corrupt (\(reason)) near compressed byte \(position.grouped)",
                                    hint: "the file is damaged; download or copy it again")
                }
            }
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// The CRC-32 of `bytes`, as zip files record it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: uLong = 0
            var offset = 0
            while offset < buffer.count {
                let n = min(buffer.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, buffer.baseAddress! + offset, uInt(n))
                offset += n
            }
            return UInt32(crc)
        }
    }
}
