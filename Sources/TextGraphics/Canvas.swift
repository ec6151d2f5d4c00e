import CZlib

/// An 8-bit RGB colour.
public struct RGB: Sendable, Equatable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public init(gray: UInt8) { self.init(gray, gray, gray) }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}

/// An RGB raster with simple drawing (rectangles, lines, 5x7 text, grey images) and PNG export.
///
/// Coordinates are pixels from the top-left corner; drawing outside the canvas is clipped.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB bytes, 3 per pixel.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGB) {
        precondition(width > 0 && height > 0, "a canvas needs a positive size, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b
        }
    }

    /// The colour at (x, y).
    public func pixel(x: Int, y: Int) -> RGB {
        let i = 3 * (y * width + x)
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets one pixel; ignored outside the canvas.
    public mutating func set(x: Int, y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
    }

    /// Fills the rectangle with top-left (x, y) and the given size.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        for yy in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for xx in max(0, x)..<max(max(0, x), min(width, x + w)) { set(x: xx, y: yy, color) }
        }
    }

    /// A straight line from (x0, y0) to (x1, y1), both ends included (Bresenham),
    /// `thickness` pixels wide (a square pen).
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, thickness: Int = 1) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var x = x0, y = y0, err = dx + dy
        let low = -(thickness - 1) / 2
        while true {
            if thickness <= 1 { set(x: x, y: y, color) }
            else { fillRect(x: x + low, y: y + low, width: thickness, height: thickness, color) }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Width in pixels of `text` drawn at `scale`.
    public static func textWidth(_ text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * BitmapFont.advance - 1) * scale
    }

    /// Height in pixels of one line of text at `scale`.
    public static func textHeight(scale: Int) -> Int { BitmapFont.glyphHeight * scale }

    /// Draws `text` with the built-in 5x7 font, top-left corner at (x, y), each font pixel
    /// a `scale` x `scale` square.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int, _ color: RGB) {
        for (i, ch) in text.enumerated() {
            let left = x + i * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.rows(for: ch).enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(col)) != 0 {
                    fillRect(x: left + col * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
        }
    }

    /// Draws `text` rotated 90° counter-clockwise (reading bottom to top), its bounding box's
    /// top-left at (x, y); for y-axis labels.
    public mutating func verticalText(_ text: String, x: Int, y: Int, scale: Int, _ color: RGB) {
        let length = Canvas.textWidth(text, scale: scale)
        for (i, ch) in text.enumerated() {
            let along = i * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.rows(for: ch).enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(col)) != 0 {
                    fillRect(x: x + row * scale, y: y + length - along - (col + 1) * scale,
                             width: scale, height: scale, color)
                }
            }
        }
    }

    /// Copies a grey image (0 = black, 255 = white) with its top-left at (x, y), each image
    /// pixel a `scale` x `scale` square.
    public mutating func blitGray(_ gray: [UInt8], width w: Int, height h: Int, x: Int, y: Int, scale: Int) {
        precondition(gray.count == w * h, "image has \(gray.count) pixels, expected \(w)x\(h)")
        for yy in 0..<h {
            for xx in 0..<w {
                fillRect(x: x + xx * scale, y: y + yy * scale, width: scale, height: scale, RGB(gray: gray[yy * w + xx]))
            }
        }
    }

    /// The canvas as a PNG file: 8-bit RGB, no interlace, filter 0 on every row, zlib-compressed.
    public func pngData() -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * 3 + 1))
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: pixels[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = Canvas.bigEndian(UInt32(width)) + Canvas.bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, filter 0, no interlace
        Canvas.appendChunk("IHDR", header, to: &png)
        Canvas.appendChunk("IDAT", Canvas.deflate(raw), to: &png)
        Canvas.appendChunk("IEND", [], to: &png)
        return png
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// Appends length, type, data and the CRC-32 of type + data.
    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(data.count)) + body + bigEndian(UInt32(crc))
    }

    /// A zlib stream of `data` (zlib's `compress2`, level 9).
    private static func deflate(_ data: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { dst in
            data.withUnsafeBufferPointer { src in
                compress2(dst.baseAddress, &length, src.baseAddress, uLong(data.count), 9)
            }
        }
        // compress2 only fails for lack of memory or a bad level; the buffer is compressBound-sized.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Array(out.prefix(Int(length)))
    }
}
