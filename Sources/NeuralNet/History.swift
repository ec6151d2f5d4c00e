/// Metrics of one (possibly partial) epoch — or, for L-BFGS, one iteration.
public struct EpochRecord: Sendable, Equatable {
    /// 1-based and global: it continues across `fit` calls.
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    public var seconds: Double
    /// Batches (or function evaluations, for L-BFGS) that went into it.
    public var batches: Int
    /// True when training stopped before the epoch ended (Ctrl-C or divergence).
    public var partial: Bool

    public init(epoch: Int, loss: Double, accuracy: Double, valLoss: Double? = nil, valAccuracy: Double? = nil,
                seconds: Double, batches: Int, partial: Bool) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.seconds = seconds
        self.batches = batches
        self.partial = partial
    }

    /// Bit-for-bit equality, so a record with a NaN loss equals its saved and restored copy.
    public static func == (a: EpochRecord, b: EpochRecord) -> Bool {
        a.epoch == b.epoch && a.loss.bitPattern == b.loss.bitPattern && a.accuracy.bitPattern == b.accuracy.bitPattern
            && a.valLoss?.bitPattern == b.valLoss?.bitPattern && a.valAccuracy?.bitPattern == b.valAccuracy?.bitPattern
            && a.seconds.bitPattern == b.seconds.bitPattern && a.batches == b.batches && a.partial == b.partial
    }
}

/// Everything `fit` has recorded for a model, for `plot loss|accuracy` and for sessions.
public struct History: Sendable, Equatable {
    public var epochs: [EpochRecord] = []
    /// The loss of every training batch, in order, across all epochs.
    public var batchLosses: [Float] = []
    /// The accuracy of every training batch.
    public var batchAccuracies: [Float] = []

    public init(epochs: [EpochRecord] = [], batchLosses: [Float] = [], batchAccuracies: [Float] = []) {
        self.epochs = epochs
        self.batchLosses = batchLosses
        self.batchAccuracies = batchAccuracies
    }

    /// Bit-for-bit equality (a NaN loss equals the same NaN).
    public static func == (a: History, b: History) -> Bool {
        a.epochs == b.epochs && a.batchLosses.map(\.bitPattern) == b.batchLosses.map(\.bitPattern)
            && a.batchAccuracies.map(\.bitPattern) == b.batchAccuracies.map(\.bitPattern)
    }

    /// The global number the next epoch gets.
    public var nextEpoch: Int { (epochs.last?.epoch ?? 0) + 1 }
}

/// Progress reported by `fit` (from the calling thread, synchronously).
public enum TrainingEvent: Sendable, Equatable {
    /// `epoch` counts 1...totalEpochs within this call; `globalEpoch` continues across calls.
    case epochBegin(epoch: Int, totalEpochs: Int, globalEpoch: Int, batches: Int)
    /// Running means over the epoch so far; `elapsed` in seconds since the epoch began.
    case batchEnd(batch: Int, batches: Int, loss: Double, accuracy: Double, elapsed: Double)
    case epochEnd(EpochRecord)
}

/// How a call to `fit` ended.
public struct FitOutcome: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case completed
        /// `shouldStop` returned true; the model holds the weights after the last finished batch.
        case interrupted
        /// The loss became NaN or infinite; weights and optimizer state were restored.
        case diverged
        /// L-BFGS found nothing left to improve before the requested iterations.
        case converged
        /// L-BFGS's line search failed.
        case failed
    }

    public var status: Status
    /// Epochs (iterations) fully completed in this call.
    public var epochsCompleted: Int
    /// A sentence for the user when status is not `.completed`.
    public var message: String?

    public init(status: Status, epochsCompleted: Int, message: String?) {
        self.status = status
        self.epochsCompleted = epochsCompleted
        self.message = message
    }
}

/// Why `fit`/`evaluate` could not start.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
