import CJPEG
import CPNG
import Foundation

/// Reading a digit someone drew (PNG, JPEG, PGM/PPM) and turning it into an MNIST-style 28x28 image.
///
///     let (w, h, gray) = try DigitImage.read(path: "my7.png")
///     let input = try DigitImage.preprocess(width: w, height: h, gray: gray)   // 784 bytes
public enum DigitImage {
    /// The most pixels a drawing may have (8192 x 8192); a larger header is refused before its
    /// pixels are decoded, so a small file cannot claim gigabytes.
    public static let maxPixels = 1 << 26

    static func tooLarge(_ path: String, _ width: Int, _ height: Int) -> DataError {
        DataError(file: path, message: "the image is \(width)x\(height) pixels, more than the \(maxPixels.grouped) a drawing may have",
                  hint: "scale it down; 28x28 to a few hundred pixels a side is plenty")
    }

    /// Reads PNG (libpng), JPEG (libjpeg), or PGM/PPM (P2, P5, P3, P6) of any size as 8-bit
    /// grayscale, detected by content. Transparent PNG pixels are laid on the background that
    /// contrasts with the ink.
    public static func read(path: String) throws -> (width: Int, height: Int, gray: [UInt8]) {
        let head = Array(try Bytes.read(path).prefix(8))
        if head.starts(with: [0x89, 0x50, 0x4e, 0x47]) { return try readPNG(path) }
        if head.starts(with: [0xff, 0xd8]) { return try readJPEG(path) }
        if head.count >= 2, head[0] == UInt8(ascii: "P"), (UInt8(ascii: "2")...UInt8(ascii: "6")).contains(head[1]), head[1] != UInt8(ascii: "4") {
            return try readPNM(path, bytes: try Bytes.read(path))
        }
        throw DataError(file: path, offset: 0, message: "not a PNG, JPEG or PGM/PPM image",
                        hint: "save the drawing as PNG, JPEG or PGM")
    }

    private static func readPNG(_ path: String) throws -> (width: Int, height: Int, gray: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw DataError(file: path, message: "cannot read PNG: \(pngMessage(&image))")
        }
        image.format = UInt32(PNG_FORMAT_GA)
        let width = Int(image.width), height = Int(image.height)
        guard width * height <= maxPixels else {
            png_image_free(&image)
            throw tooLarge(path, width, height)
        }
        var ga = [UInt8](repeating: 0, count: width * height * 2)
        guard png_image_finish_read(&image, nil, &ga, 0, nil) != 0 else {
            let message = pngMessage(&image)
            png_image_free(&image)
            throw DataError(file: path, message: "cannot decode PNG: \(message)")
        }
        // Composite on white if the visible ink is dark, on black if it is light.
        var inkSum = 0, inkWeight = 0
        for i in 0 ..< width * height where ga[2 * i + 1] > 127 { inkSum += Int(ga[2 * i]); inkWeight += 1 }
        let background = inkWeight > 0 && inkSum / inkWeight > 127 ? 0 : 255
        let gray = (0 ..< width * height).map { i -> UInt8 in
            let v = Int(ga[2 * i]), a = Int(ga[2 * i + 1])
            return UInt8((v * a + background * (255 - a) + 127) / 255)
        }
        return (width, height, gray)
    }

    private static func pngMessage(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func readJPEG(_ path: String) throws -> (width: Int, height: Int, gray: [UInt8]) {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = cjpeg_read_gray(path, maxPixels, &pixels, &width, &height, &message, message.count)
        if status == -2 { throw tooLarge(path, Int(width), Int(height)) }
        guard status == 0, let pixels else {
            throw DataError(file: path, message: "cannot decode JPEG: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        defer { free(pixels) }
        return (Int(width), Int(height), Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height))))
    }

    /// Netpbm: P2/P3 (ASCII) and P5/P6 (binary) gray or RGB, maxval up to 65535.
    static func readPNM(_ path: String, bytes: [UInt8]) throws -> (width: Int, height: Int, gray: [UInt8]) {
        let kind = bytes[1]
        var p = 2
        func token() throws -> Int {
            while p < bytes.count {
                if bytes[p] == UInt8(ascii: "#") { while p < bytes.count && bytes[p] != 10 { p += 1 } }
                else if bytes[p] == 32 || (9...13).contains(bytes[p]) { p += 1 }
                else { break }
            }
            let start = p
            var value = 0
            while p < bytes.count, (48...57).contains(bytes[p]), value < 1 << 24 { value = value * 10 + Int(bytes[p] - 48); p += 1 }
            guard p > start else { throw DataError(file: path, offset: start, message: "expected a number in the PGM/PPM data") }
            return value
        }
        let width = try token(), height = try token(), maxValue = try token()
        guard width * height <= maxPixels else { throw tooLarge(path, width, height) }
        guard width > 0, height > 0, (1...65535).contains(maxValue) else {
            throw DataError(file: path, offset: 2, message: "bad PGM/PPM header: \(width)x\(height), maxval \(maxValue)")
        }
        let channels = kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6") ? 3 : 1
        let count = width * height * channels
        var samples = [Int](repeating: 0, count: count)
        if kind == UInt8(ascii: "5") || kind == UInt8(ascii: "6") {
            p += 1   // the single whitespace after maxval
            let wide = maxValue > 255
            guard bytes.count - p >= count * (wide ? 2 : 1) else {
                throw DataError(file: path, offset: bytes.count, message: "truncated: \(width)x\(height) image needs \(count * (wide ? 2 : 1)) bytes of pixels after the header")
            }
            for i in 0..<count { samples[i] = wide ? Int(bytes[p + 2 * i]) << 8 | Int(bytes[p + 2 * i + 1]) : Int(bytes[p + i]) }
        } else {
            for i in 0..<count { samples[i] = try token() }
        }
        // A sample above maxval is a damaged file (and scaled by maxval it would not fit a byte).
        if let i = samples.firstIndex(where: { $0 > maxValue }) {
            throw DataError(file: path, message: "sample \(i + 1) of \(count) is \(samples[i]), above the header's maxval \(maxValue)")
        }
        let gray = (0 ..< width * height).map { i -> UInt8 in
            // Luma in thousandths of maxval (ITU-R BT.601 weights), rounded once at the end.
            let v = channels == 1 ? samples[i] * 1000
                : 299 * samples[3 * i] + 587 * samples[3 * i + 1] + 114 * samples[3 * i + 2]
            return UInt8((v * 255 + maxValue * 500) / (maxValue * 1000))
        }
        return (width, height, gray)
    }

    /// MNIST-style preprocessing: white digit on black (inverting when the border's median is
    /// light), cropped to the ink, scaled to fit 20x20 keeping the aspect ratio (area averaging),
    /// and pasted into 28x28 with its centre of mass at the centre. Returns 784 bytes; errors name
    /// `source` (the file the pixels came from).
    public static func preprocess(width: Int, height: Int, gray: [UInt8], source: String = "image") throws -> [UInt8] {
        precondition(gray.count == width * height, "DigitImage.preprocess: \(gray.count) pixels for \(width)x\(height)")
        guard width > 0, height > 0 else { throw DataError(file: source, message: "the image is empty") }
        var border: [UInt8] = []
        for x in 0..<width { border.append(gray[x]); border.append(gray[(height - 1) * width + x]) }
        for y in 0..<height { border.append(gray[y * width]); border.append(gray[y * width + width - 1]) }
        border.sort()
        let invert = border[border.count / 2] > 127
        let ink = invert ? gray.map { 255 - $0 } : gray
        // Background level: the border median after inversion; stretch the rest to 0...255.
        let background = Int(invert ? 255 - border[border.count / 2] : border[border.count / 2])
        let peak = Int(ink.max() ?? 0)
        guard peak - background >= 32 else {
            throw DataError(file: source, message: "the image looks blank: no ink stands out from the background",
                            hint: "draw a dark digit on a light background, or a light one on dark")
        }
        let level = ink.map { Float(max(0, Int($0) - background)) * 255 / Float(peak - background) }

        // Bounding box of the ink (pixels above a quarter of full intensity).
        var minX = width, maxX = -1, minY = height, maxY = -1
        for y in 0..<height { for x in 0..<width where level[y * width + x] > 64 {
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        } }
        let cropW = maxX - minX + 1, cropH = maxY - minY + 1
        let scale = 20 / Float(max(cropW, cropH))
        let outW = max(1, min(20, Int((Float(cropW) * scale).rounded()))), outH = max(1, min(20, Int((Float(cropH) * scale).rounded())))
        let glyph = areaResample(level, width: width, x0: minX, y0: minY, cropW: cropW, cropH: cropH, outW: outW, outH: outH)

        // Centre of mass of the glyph, then place it so the mass sits at (14, 14).
        var mass: Float = 0, sx: Float = 0, sy: Float = 0
        for y in 0..<outH { for x in 0..<outW { let v = glyph[y * outW + x]; mass += v; sx += v * (Float(x) + 0.5); sy += v * (Float(y) + 0.5) } }
        let left = min(max(Int((14 - sx / mass).rounded()), 0), 28 - outW)
        let top = min(max(Int((14 - sy / mass).rounded()), 0), 28 - outH)
        var out = [UInt8](repeating: 0, count: 784)
        for y in 0..<outH { for x in 0..<outW {
            out[(top + y) * 28 + left + x] = UInt8(min(255, max(0, glyph[y * outW + x].rounded())))
        } }
        return out
    }

    /// Box-filter resampling of a crop: each output pixel is the coverage-weighted mean of the
    /// source pixels under it.
    private static func areaResample(_ source: [Float], width: Int, x0: Int, y0: Int, cropW: Int, cropH: Int,
                                     outW: Int, outH: Int) -> [Float] {
        func weights(_ inCount: Int, _ outCount: Int) -> [[(Int, Float)]] {
            let step = Float(inCount) / Float(outCount)
            return (0..<outCount).map { o in
                let lo = Float(o) * step, hi = lo + step
                return (Int(lo) ..< min(inCount, Int(hi.rounded(.up)))).compactMap { i in
                    let w = min(hi, Float(i + 1)) - max(lo, Float(i))
                    return w > 0 ? (i, w / step) : nil
                }
            }
        }
        let wx = weights(cropW, outW), wy = weights(cropH, outH)
        var out = [Float](repeating: 0, count: outW * outH)
        for oy in 0..<outH { for ox in 0..<outW {
            var sum: Float = 0
            for (iy, fy) in wy[oy] { for (ix, fx) in wx[ox] { sum += source[(y0 + iy) * width + x0 + ix] * fy * fx } }
            out[oy * outW + ox] = sum
        } }
        return out
    }
}
