/// A named recipe: architecture, initialisers, loss, optimizer and training defaults, reproducing a
/// classic MNIST notebook or script.
///
///     let preset = Preset.named("colab-mlp")!
///     let model = try preset.makeModel(seed: 1)
///     // model.fit(data: ..., epochs: preset.epochs, batchSize: preset.batchSize, ...)
public struct Preset: Sendable {
    public let name: String
    /// One line for `help`/listings.
    public let summary: String
    public let optimizer: OptimizerConfig
    public let loss: Loss
    public let l2: Float
    public let batchSize: Int
    /// Default epochs (for L-BFGS: iterations).
    public let epochs: Int
    public let transform: InputTransform
    /// Test accuracy the original reported, for comparison.
    public let reported: String
    private let layers: @Sendable () -> [any Layer]

    public init(
        name: String, summary: String, optimizer: OptimizerConfig, loss: Loss, l2: Float = 0, batchSize: Int,
        epochs: Int, transform: InputTransform, reported: String, layers: @escaping @Sendable () -> [any Layer]
    ) {
        self.name = name
        self.summary = summary
        self.optimizer = optimizer
        self.loss = loss
        self.l2 = l2
        self.batchSize = batchSize
        self.epochs = epochs
        self.transform = transform
        self.reported = reported
        self.layers = layers
    }

    /// A built and compiled model of this recipe, weights drawn from `seed`.
    public func makeModel(inputShape: [Int] = [28, 28, 1], seed: UInt64) throws -> Sequential {
        let model = Sequential(inputShape: inputShape, seed: seed)
        for layer in layers() { try model.add(layer) }
        model.compile(optimizer: optimizer, loss: loss, l2: l2)
        return model
    }

    /// Every preset, MLPs first.
    public static var all: [Preset] { standard + convolutional }

    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// The presets built from Flatten/Dense only.
    public static let standard: [Preset] = [
        Preset(
            name: "colab-mlp", summary: "Flatten, Dense 512 relu, Dense 512 relu, Dense 10 softmax; Adam, sparse CE (the Colab notebook)",
            optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy, batchSize: 128, epochs: 5,
            transform: .normalized, reported: "~98% on MNIST after 5 epochs"
        ) {
            [Flatten(), Dense(512, activation: .relu), Dense(512, activation: .relu), Dense(10, activation: .softmax)]
        },
        Preset(
            name: "keras-mlp", summary: "Flatten, Dense 784 relu, Dense 10 softmax; Adam, batch 200, 10 epochs",
            optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy, batchSize: 200, epochs: 10,
            transform: .normalized, reported: "98.17%"
        ) {
            [Flatten(), Dense(784, activation: .relu), Dense(10, activation: .softmax)]
        },
        Preset(
            name: "lbfgs-sigmoid",
            summary: "784-100-10 sigmoid, uniform ±0.15, cross-entropy + L2 0.1, full-batch L-BFGS (70 iterations)",
            optimizer: .lbfgs(history: 10), loss: .binaryCrossEntropy, l2: 0.1, batchSize: 60000, epochs: 70,
            transform: .normalized, reported: "97.3% test, 99.4% train"
        ) {
            [
                Flatten(),
                Dense(100, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15), biasInitializer: .uniform(limit: 0.15)),
                Dense(10, activation: .sigmoid, kernelInitializer: .uniform(limit: 0.15), biasInitializer: .uniform(limit: 0.15)),
            ]
        },
        Preset(
            name: "sgd-relu", summary: "784-32-16-10 relu + softmax, N(0, 0.01) weights, SGD lr 0.01, batch 90, raw 0-255 inputs",
            optimizer: .sgd(learningRate: 0.01), loss: .sparseCategoricalCrossEntropy, batchSize: 90, epochs: 10,
            transform: .raw, reported: "n/a"
        ) {
            [
                Flatten(),
                Dense(32, activation: .relu, kernelInitializer: .normal(std: 0.01)),
                Dense(16, activation: .relu, kernelInitializer: .normal(std: 0.01)),
                Dense(10, activation: .softmax, kernelInitializer: .normal(std: 0.01)),
            ]
        },
        Preset(
            name: "per-sample-sigmoid",
            summary: "784-200-10 sigmoid without biases, N(0, 1/√fan_in), ½ squared error to 0.01/0.99 targets, SGD lr 0.2 per sample",
            optimizer: .sgd(learningRate: 0.2), loss: .meanSquaredError(off: 0.01, on: 0.99), batchSize: 1, epochs: 1,
            transform: .shiftedUnit, reported: "~97% on MNIST after 1-5 epochs"
        ) {
            [
                Flatten(),
                Dense(200, activation: .sigmoid, useBias: false, kernelInitializer: .lecunNormal),
                Dense(10, activation: .sigmoid, useBias: false, kernelInitializer: .lecunNormal),
            ]
        },
    ]
}
