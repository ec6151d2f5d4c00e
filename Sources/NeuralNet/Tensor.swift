/// A dense, row-major Float32 array with a shape. The first dimension is the batch when a tensor
/// flows through a model; a layer's per-sample shapes never include it.
///
///     var t = Tensor(shape: [2, 3])          // zeros
///     t[1 * 3 + 2] = 1
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    /// Size of the first dimension (the batch), 0 for a scalar.
    public var rows: Int { shape.first ?? 0 }
    /// Number of values per row (per sample).
    public var rowSize: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    /// Same values, new shape (the element count must match).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }
}
