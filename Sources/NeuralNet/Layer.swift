/// A trainable array and its gradient. Layers own their parameters; optimizers update `value`
/// in place from `grad`, keyed by `ObjectIdentifier(parameter)` for their own state.
public final class Parameter {
    /// Short role name: "kernel" or "bias" (Keras's names). Full name is "\(layer.name).\(name)".
    public let name: String
    public var value: Tensor
    public var grad: Tensor
    /// L2 regularisation applies to kernels, not biases.
    public let regularized: Bool

    public init(name: String, value: Tensor, regularized: Bool) {
        self.name = name
        self.value = value
        self.grad = Tensor(shape: value.shape)
        self.regularized = regularized
    }
}

/// A shape problem found while adding or building a layer.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public var layer: String
    public var reason: String
    public init(layer: String, reason: String) {
        self.layer = layer
        self.reason = reason
    }
    public var description: String { "\(layer): \(reason)" }
}

/// One step of a `Sequential` model.
///
/// Shapes given to and returned from `outputShape(for:)` are per sample (no batch dimension);
/// tensors passed to `forward`/`backward` carry the batch as their first dimension.
/// `backward` must be called after the `forward` of the same batch; it *overwrites* each
/// parameter's `grad` with the batch gradient and returns the gradient with respect to the input.
///
/// Buffer reuse (what keeps training allocation-free): keep output/gradient buffers as stored
/// tensors and return them; keep the forward input only when `training` is true, and drop it at
/// the end of `backward` (`input = Tensor(shape: [0])`) so the previous layer's buffer is uniquely
/// referenced again when it is overwritten on the next batch (otherwise Swift copies it).
public protocol Layer: AnyObject {
    /// Unique name within a model, Keras style: "dense", "dense_1", "conv2d", ...
    var name: String { get set }
    /// The type name shown in `summary`: "Dense", "Conv2D", "Flatten", ...
    var typeName: String { get }
    /// Output shape for a per-sample input shape, or a ShapeError saying why the input does not fit.
    func outputShape(for input: [Int]) throws -> [Int]
    /// Allocates and initialises parameters for this input shape. Called once before use.
    func build(inputShape: [Int], rng: inout RNG) throws
    func forward(_ x: Tensor, training: Bool, rng: inout RNG) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
    /// Trainable parameters, in a stable order (kernel before bias).
    var parameters: [Parameter] { get }
    /// A one-line description of its configuration, e.g. "512, activation=relu".
    var configDescription: String { get }
}
