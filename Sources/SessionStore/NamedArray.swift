/// One array of an `.npz` archive: a name (the entry without `.npy`), a row-major shape and its values.
///
///     NamedArray(name: "dense.kernel", shape: [784, 512], values: .float32(kernel))
public struct NamedArray: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: ArrayValues

    public init(name: String, shape: [Int], values: ArrayValues) {
        precondition(shape.reduce(1, *) == values.count, "NamedArray \(name): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The element types a session writes, each with its numpy type string.
///
/// Equality compares bit patterns, so a NaN payload or a negative zero survives a round trip
/// and is checked as such.
public enum ArrayValues: Equatable, Sendable {
    case float32([Float])
    case float64([Double])
    case int64([Int64])
    case uint64([UInt64])

    public var count: Int {
        switch self {
        case .float32(let v): v.count
        case .float64(let v): v.count
        case .int64(let v): v.count
        case .uint64(let v): v.count
        }
    }

    /// The numpy `descr`: `<f4`, `<f8`, `<i8`, `<u8` (little-endian).
    public var descr: String {
        switch self {
        case .float32: "<f4"
        case .float64: "<f8"
        case .int64: "<i8"
        case .uint64: "<u8"
        }
    }

    /// The values as little-endian bytes.
    var littleEndianBytes: [UInt8] {
        switch self {
        case .float32(let v): Self.bytes(v.map { $0.bitPattern })
        case .float64(let v): Self.bytes(v.map { $0.bitPattern })
        case .int64(let v): Self.bytes(v.map { UInt64(bitPattern: $0) })
        case .uint64(let v): Self.bytes(v)
        }
    }

    private static func bytes<T: FixedWidthInteger>(_ words: [T]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(words.count * MemoryLayout<T>.size)
        for w in words {
            let le = w.littleEndian
            withUnsafeBytes(of: le) { out.append(contentsOf: $0) }
        }
        return out
    }

    public static func == (a: ArrayValues, b: ArrayValues) -> Bool {
        switch (a, b) {
        case (.float32(let x), .float32(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.float64(let x), .float64(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.int64(let x), .int64(let y)): x == y
        case (.uint64(let x), .uint64(let y)): x == y
        default: false
        }
    }
}
