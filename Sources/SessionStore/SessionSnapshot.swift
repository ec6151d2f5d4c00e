import Foundation
import NeuralNet

/// Everything a saved session holds, in memory: what `SessionStore.save` writes and `load` returns.
///
/// Plain values only, so a snapshot can be built and compared without a live model; the
/// `Sequential` bindings convert to and from the engine's types.
public struct SessionSnapshot: Equatable, Sendable {
    public var dataset: DatasetRef?
    /// Pixels were divided by 255 before use.
    public var normalized: Bool
    public var model: ModelSpec?
    /// Model parameters, float32, named like `ModelSpec.parameters`.
    public var weights: [NamedArray]
    public var compile: CompileSpec?
    public var optimizer: OptimizerSnapshot?
    /// Random generator states by role (e.g. "training"), four words each (xoshiro256**).
    public var rng: [String: [UInt64]]
    /// Index of the next sample in the current shuffled epoch, if saved mid-epoch.
    public var shufflePosition: Int?
    public var history: History
    public var epochsTrained: Int
    public var lastTestAccuracy: Double?
    /// The commands typed in this session, oldest first.
    public var commandHistory: [String]
    /// The shell's own settings (preset, seed, load options), kept as text in the manifest.
    public var shellSettings: [String: String] = [:]
    /// When it was saved; set by `SessionStore.save`, whole seconds (ISO 8601 in the manifest).
    public var savedAt: Date?

    public init(dataset: DatasetRef? = nil, normalized: Bool = false, model: ModelSpec? = nil, weights: [NamedArray] = [],
                compile: CompileSpec? = nil, optimizer: OptimizerSnapshot? = nil, rng: [String: [UInt64]] = [:],
                shufflePosition: Int? = nil, history: History = History(), epochsTrained: Int = 0,
                lastTestAccuracy: Double? = nil, commandHistory: [String] = [], savedAt: Date? = nil) {
        self.dataset = dataset
        self.normalized = normalized
        self.model = model
        self.weights = weights
        self.compile = compile
        self.optimizer = optimizer
        self.rng = rng
        self.shufflePosition = shufflePosition
        self.history = history
        self.epochsTrained = epochsTrained
        self.lastTestAccuracy = lastTestAccuracy
        self.commandHistory = commandHistory
        self.savedAt = savedAt
    }
}

/// An optimizer's full state: its kind, scalar counters (e.g. "iterations") and arrays
/// (Adam moments, momentum velocities, L-BFGS history), named as the engine names them.
public struct OptimizerSnapshot: Equatable, Sendable {
    public var kind: String
    public var scalars: [String: Double]
    public var arrays: [NamedArray]

    public init(kind: String, scalars: [String: Double], arrays: [NamedArray]) {
        self.kind = kind
        self.scalars = scalars
        self.arrays = arrays
    }
}

