import CSupport
import Foundation
import MNISTData

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

    public init(dataDir: String, offline: Bool = false) {
        self.dataDir = dataDir
        self.offline = offline
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

    /// The train or test split of the loaded data set.
    public func split(test: Bool) throws -> (name: String, images: ImageSet) {
        let d = try requireDataset()
        return test ? ("test", d.test) : ("train", d.train)
    }
}
