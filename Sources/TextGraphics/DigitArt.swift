/// Text renderings of grey images (digits): grids with titles, pixel matrices, side-by-side layout.
///
/// All functions return lines joined by `"\n"` without a trailing newline. Pixels are row-major
/// `UInt8`, 0 = background, 255 = ink, as in MNIST.
public enum DigitArt {
    /// The ASCII ramp from empty to full ink.
    public static let ramp: [Character] = Array(" .:-=+*#%@")

    /// Images in a grid with a centred title over each cell, `columns` cells per row.
    ///
    /// `ascii` draws one ramp character per pixel, doubled horizontally so the digit keeps its
    /// proportions (28 lines per 28x28 image). `halfBlock` draws two pixels per character cell
    /// with `▀` (14 lines per image). Cells are separated by one blank column and grid rows by
    /// one blank line. Example: `grid(images: first20, width: 28, height: 28,
    /// titles: labels.map { "Digit: \($0)" }, columns: 5, style: .ascii)`.
    public static func grid(images: [[UInt8]], width: Int, height: Int, titles: [String],
                            columns: Int, style: DigitStyle) -> String {
        precondition(width > 0 && height > 0 && columns > 0, "grid needs a positive size and column count")
        let cellWidth = style == .ascii ? 2 * width : width
        var blocks: [String] = []
        var start = 0
        while start < images.count {
            let end = min(start + columns, images.count)
            var lines: [[String]] = []
            for i in start..<end {
                let title = i < titles.count ? titles[i] : ""
                lines.append([ANSI.center(title, width: cellWidth)] + render(images[i], width: width, height: height, style: style))
            }
            let rows = lines.map(\.count).max() ?? 0
            let joined = (0..<rows).map { r in
                lines.map { r < $0.count ? $0[r] : String(repeating: " ", count: cellWidth) }.joined(separator: " ")
            }
            blocks.append(joined.joined(separator: "\n"))
            start = end
        }
        return blocks.joined(separator: "\n\n")
    }

    /// The lines of one image in the given style, each exactly the cell width in visible columns.
    public static func render(_ pixels: [UInt8], width: Int, height: Int, style: DigitStyle) -> [String] {
        precondition(pixels.count == width * height, "image has \(pixels.count) pixels, expected \(width)x\(height)")
        switch style {
        case .ascii:
            return (0..<height).map { y in
                String((0..<width).flatMap { x -> [Character] in
                    let c = ramp[Int(pixels[y * width + x]) * ramp.count / 256]
                    return [c, c]
                })
            }
        case .halfBlock(let mode):
            return stride(from: 0, to: height, by: 2).map { y in
                let upper = pixels[(y * width)..<(y * width + width)]
                let lower: [UInt8] = y + 1 < height ? Array(pixels[((y + 1) * width)..<((y + 2) * width)])
                                                    : Array(repeating: 0, count: width)
                return halfBlockLine(Array(upper), lower, mode: mode)
            }
        }
    }

    /// One character row from two pixel rows: coloured `▀` cells, or `" ▀▄█"` when there is no colour.
    private static func halfBlockLine(_ upper: [UInt8], _ lower: [UInt8], mode: ColorMode) -> String {
        guard mode.enabled else {
            let blocks: [Character] = [" ", "▀", "▄", "█"]
            return String(zip(upper, lower).map { blocks[($0 >= 128 ? 1 : 0) + ($1 >= 128 ? 2 : 0)] })
        }
        var line = ""
        var previous: (UInt8, UInt8)?
        for (u, l) in zip(upper, lower) {
            if previous?.0 != u { line += ANSI.gray(u, mode: mode) }
            if previous?.1 != l { line += ANSI.gray(l, mode: mode, background: true) }
            previous = (u, l)
            line += "▀"
        }
        return line + ANSI.reset
    }

    /// The pixel values as an aligned matrix with row and column indices.
    ///
    /// Raw values are 3 wide (`"  0 255"`); normalised values (divided by 255) are 4 wide with
    /// 2 decimals (`"0.00 1.00"`). Every line has the same width.
    public static func matrix(pixels: [UInt8], width: Int, height: Int, normalized: Bool) -> String {
        precondition(pixels.count == width * height, "image has \(pixels.count) pixels, expected \(width)x\(height)")
        let cell = normalized ? 4 : 3
        let labelWidth = String(max(0, height - 1)).count
        let header = String(repeating: " ", count: labelWidth) + " "
            + (0..<width).map { ANSI.pad(String($0), to: cell, alignRight: true) }.joined(separator: " ")
        let rows = (0..<height).map { y in
            ANSI.pad(String(y), to: labelWidth, alignRight: true) + " " + (0..<width).map { x in
                let v = pixels[y * width + x]
                return normalized ? fixed(Double(v) / 255, decimals: 2) : ANSI.pad(String(v), to: 3, alignRight: true)
            }.joined(separator: " ")
        }
        return ([header] + rows).joined(separator: "\n")
    }

    /// Two text blocks next to each other, `gap` spaces apart, top-aligned.
    ///
    /// The left block is padded to its widest line, measured without ANSI escapes, so coloured
    /// digit art lines up with a chart.
    public static func sideBySide(_ left: String, _ right: String, gap: Int) -> String {
        let l = left.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let r = right.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let leftWidth = l.map(ANSI.visibleWidth).max() ?? 0
        let spacer = String(repeating: " ", count: max(0, gap))
        return (0..<max(l.count, r.count)).map { i in
            let a = i < l.count ? l[i] : ""
            guard i < r.count, !r[i].isEmpty else { return a }
            return ANSI.pad(a, to: leftWidth) + spacer + r[i]
        }.joined(separator: "\n")
    }
}
