/// A model's architecture as saved in a session manifest: input shape, layers with their Keras-style
/// configuration, and the parameters (name and shape) the built model has.
///
/// The parameter list lets a restore check `weights.npz` against the architecture before any
/// model is built.
public struct ModelSpec: Codable, Equatable, Sendable {
    /// Per-sample input shape, e.g. [28, 28, 1].
    public var inputShape: [Int]
    public var layers: [LayerSpec]
    /// Trainable parameters in model order: "dense.kernel" (784, 512), "dense.bias" (512), ...
    public var parameters: [ParameterSpec]

    public init(inputShape: [Int], layers: [LayerSpec], parameters: [ParameterSpec]) {
        self.inputShape = inputShape
        self.layers = layers
        self.parameters = parameters
    }

    /// The model in one line for listings: "Flatten → Dense(512, relu) → Dense(10, softmax)".
    public var oneLine: String {
        layers.map(\.shortDescription).joined(separator: " → ")
    }
}

/// One layer: its type ("Dense", "Conv2D", ...), its unique name and the options that type uses.
/// Options a type does not use stay nil and are left out of the manifest.
public struct LayerSpec: Codable, Equatable, Sendable {
    public var type: String
    public var name: String
    public var units: Int?
    public var filters: Int?
    public var kernelSize: [Int]?
    public var strides: [Int]?
    public var padding: String?
    public var poolSize: [Int]?
    public var rate: Double?
    /// "relu", "sigmoid", "tanh", "softmax"; nil for linear.
    public var activation: String?
    public var useBias: Bool?
    public var kernelInitializer: String?
    public var biasInitializer: String?

    public init(type: String, name: String, units: Int? = nil, filters: Int? = nil, kernelSize: [Int]? = nil,
                strides: [Int]? = nil, padding: String? = nil, poolSize: [Int]? = nil, rate: Double? = nil,
                activation: String? = nil, useBias: Bool? = nil, kernelInitializer: String? = nil,
                biasInitializer: String? = nil) {
        self.type = type
        self.name = name
        self.units = units
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.poolSize = poolSize
        self.rate = rate
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
    }

    /// "Dense(512, relu)", "Conv2D(32, 5x5, relu)", "MaxPooling2D(2x2)", "Dropout(0.2)", "Flatten".
    public var shortDescription: String {
        var parts: [String] = []
        if let units { parts.append(String(units)) }
        if let filters { parts.append(String(filters)) }
        if let kernelSize { parts.append(kernelSize.map(String.init).joined(separator: "x")) }
        if let poolSize { parts.append(poolSize.map(String.init).joined(separator: "x")) }
        if let rate { parts.append(String(rate)) }
        if let activation { parts.append(activation) }
        return parts.isEmpty ? type : "\(type)(\(parts.joined(separator: ", ")))"
    }
}

/// A trainable parameter's full name ("dense_1.kernel") and shape.
public struct ParameterSpec: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// How the model was compiled: loss, optimizer with its hyper-parameters, L2 factor.
public struct CompileSpec: Codable, Equatable, Sendable {
    /// "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error".
    public var loss: String
    /// Target values (off, on) for mean squared error, e.g. [0.01, 0.99].
    public var lossTargets: [Double]?
    /// "sgd", "momentum", "adam", "lbfgs".
    public var optimizer: String
    /// Hyper-parameters by Keras name: learning_rate, beta_1, beta_2, epsilon, momentum, nesterov (0/1), history.
    public var optimizerParameters: [String: Double]
    public var l2: Double

    public init(loss: String, lossTargets: [Double]? = nil, optimizer: String, optimizerParameters: [String: Double], l2: Double) {
        self.loss = loss
        self.lossTargets = lossTargets
        self.optimizer = optimizer
        self.optimizerParameters = optimizerParameters
        self.l2 = l2
    }
}

/// Where the data set came from and the checksums of its files (the data itself is not copied).
public struct DatasetRef: Codable, Equatable, Sendable {
    /// What `load` was given: a name ("mnist", "fashion") or a path.
    public var source: String
    /// A display name, e.g. "MNIST (60,000 train / 10,000 test)".
    public var name: String?
    public var files: [DatasetFile]

    public init(source: String, name: String? = nil, files: [DatasetFile]) {
        self.source = source
        self.name = name
        self.files = files
    }
}

/// One data file: its path (as loaded), SHA-256 and size in bytes.
public struct DatasetFile: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String
    public var size: Int

    public init(path: String, sha256: String, size: Int) {
        self.path = path
        self.sha256 = sha256
        self.size = size
    }
}
