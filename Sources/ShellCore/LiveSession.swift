import CSupport
import Foundation
import MNISTData
import NeuralNet

/// Everything the user has built up in this shell: the data set, its preprocessing, and (later)
/// the model and its training history. Commands read and change it; a failed command leaves it as it was.
public final class LiveSession {
    /// Where `load mnist` looks and downloads (`--data-dir`, `MNIST_SHELL_DATA`, default `./data`).
    public var dataDir: String
    /// Never try the network (`--offline`, `MNIST_SHELL_OFFLINE=1`).
    public var offline: Bool
    public var dataset: Dataset?
    /// Pixels are shown and fed to models divided by 255 (the notebook's `x / 255.0`).
    public var normalized = false
    /// Something changed since the last save.
    public var hasUnsavedChanges = false

    /// The model being built and trained, if any.
    public var model: Sequential?
    /// The recipe the model came from (`model preset`), for its input scaling and batch size.
    public var preset: Preset?
    /// Seed for new models' weights and for training's shuffling and dropout.
    public var seed: UInt64 = 42
    /// Training's random stream (shuffle order, dropout masks); continues across `train` calls.
    public var rng = RNG(seed: 42)
    /// Test accuracy from the most recent `evaluate` (shown in session listings).
    public var lastTestAccuracy: Double?

    /// Where `save` and `restore` keep sessions (`--sessions-dir`, `MNIST_SHELL_SESSIONS`, default `./sessions`).
    public var sessionsDir: String
    /// The name the session was last saved or restored under (`save` without a name reuses it).
    public var name: String?
    /// The statements typed in this session, oldest first (saved with it).
    public var commandHistory: [String] = []
    /// How the current data set was loaded, so `restore` loads it the same way.
    public var loadOptions = LoadOptions()

    public init(dataDir: String, offline: Bool = false, sessionsDir: String = "sessions") {
        self.dataDir = dataDir
        self.offline = offline
        self.sessionsDir = sessionsDir
    }

    /// True once Ctrl-C was pressed during the current command.
    public var interrupted: Bool { csupport_sigint_pending() != 0 }

    public func clearInterrupt() { csupport_sigint_clear() }

    /// The loaded data set, or an error telling the user to load one.
    public func requireDataset() throws -> Dataset {
        guard let dataset else {
            throw ShellError("no data set loaded", hint: "load one first: 'load mnist', 'load fashion' or 'load PATH'")
        }
        return dataset
    }

    /// The model, or an error telling the user how to make one.
    public func requireModel() throws -> Sequential {
        guard let model else {
            throw ShellError("no model yet", hint: "start one with 'model new' and 'add …', or 'model preset colab-mlp'")
        }
        return model
    }

    /// How pixels are scaled on the way into the model: the preset's own recipe if it has one,
    /// otherwise x / 255 after `normalize` and raw 0-255 before.
    public var inputTransform: InputTransform {
        if let preset { return preset.transform }
        return normalized ? .normalized : .raw
    }

    /// One split of the data as the engine wants it, checked against the model's input.
    public func trainingData(test: Bool) throws -> TrainingData {
        let (_, set) = try split(test: test)
        return TrainingData(
            pixels: set.pixels, labels: set.labels, count: set.count,
            sampleShape: [set.rows, set.cols, 1], transform: inputTransform)
    }

    /// The train or test split of the loaded data set; an error if it holds no images, so that no
    /// command shows an empty range or computes NaN metrics.
    public func split(test: Bool) throws -> (name: String, images: ImageSet) {
        let d = try requireDataset()
        let (name, set) = test ? ("test", d.test) : ("train", d.train)
        guard set.count > 0 else {
            throw ShellError("the \(name) set of \(d.name) is empty",
                             hint: "load it again with a split that keeps images in both sets, e.g. --test-fraction 0.2")
        }
        return (name, set)
    }
}
