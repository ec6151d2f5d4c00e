/// A typed view of raw array bytes (from a `.npy` file or a MAT element) that converts to pixels
/// or labels, whatever integer or float type the producer chose.
struct NumericArray {
    enum Kind { case unsignedInt, signedInt, float }

    var kind: Kind
    /// Bytes per element: 1, 2, 4 or 8.
    var width: Int
    var littleEndian: Bool
    var bytes: ArraySlice<UInt8>

    var count: Int { bytes.count / width }

    /// Element `i` as a Double.
    func value(_ i: Int) -> Double {
        let start = bytes.startIndex + i * width
        var raw: UInt64 = 0
        for k in 0..<width {
            let byte = UInt64(bytes[start + (littleEndian ? k : width - 1 - k)])
            raw |= byte << (8 * UInt64(k))
        }
        switch (kind, width) {
        case (.float, 4): return Double(Float(bitPattern: UInt32(raw)))
        case (.float, _): return Double(bitPattern: raw)
        case (.signedInt, 1): return Double(Int8(truncatingIfNeeded: raw))
        case (.signedInt, 2): return Double(Int16(truncatingIfNeeded: raw))
        case (.signedInt, 4): return Double(Int32(truncatingIfNeeded: raw))
        case (.signedInt, _): return Double(Int64(bitPattern: raw))
        case (.unsignedInt, _): return Double(raw)
        }
    }

    /// A value that does not fit, with its element index.
    struct OutOfRange: Error {
        var index: Int
        var value: Double
    }

    /// Pixels 0...255 in storage order. Float arrays whose values all lie in 0...1 are taken as
    /// normalised and scaled by 255.
    func pixels() throws(OutOfRange) -> [UInt8] {
        if kind == .unsignedInt && width == 1 { return Array(bytes) }
        var scale = 1.0
        if kind == .float {
            var maximum = 0.0
            for i in 0..<count { maximum = max(maximum, value(i)) }
            if maximum <= 1 { scale = 255 }
        }
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let v = (value(i) * scale).rounded()
            guard v >= 0 && v <= 255 else { throw OutOfRange(index: i, value: value(i)) }
            out[i] = UInt8(v)
        }
        return out
    }

    /// Labels: whole numbers 0...9.
    func labels() throws(OutOfRange) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let v = value(i)
            guard v >= 0 && v <= 9 && v == v.rounded() else { throw OutOfRange(index: i, value: v) }
            out[i] = UInt8(v)
        }
        return out
    }
}

/// Formats a value for an error message: whole numbers without ".0".
func describe(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
