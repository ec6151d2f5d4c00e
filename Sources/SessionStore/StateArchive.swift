import NeuralNet

/// Lays out a snapshot's non-weight arrays in `state.npz` and reads them back, checking each.
///
/// Names: `rng/ROLE` (uint64, 4), `optimizer/NAME` (as the engine names them), `history/COLUMN`
/// (one value per epoch: epoch, loss, accuracy, val_loss, val_accuracy, val_present, seconds,
/// batches, partial) and `history/batch_loss`, `history/batch_accuracy` (one per batch, float32).
enum StateArchive {
    static func arrays(of snapshot: SessionSnapshot) -> [NamedArray] {
        var out: [NamedArray] = []
        for role in snapshot.rng.keys.sorted() {
            out.append(NamedArray(name: "rng/" + role, shape: [4], values: .uint64(snapshot.rng[role]!)))
        }
        for array in snapshot.optimizer?.arrays ?? [] {
            out.append(NamedArray(name: "optimizer/" + array.name, shape: array.shape, values: array.values))
        }
        let epochs = snapshot.history.epochs
        let n = [epochs.count]
        func f8(_ name: String, _ v: (EpochRecord) -> Double) { out.append(NamedArray(name: "history/" + name, shape: n, values: .float64(epochs.map(v)))) }
        func i8(_ name: String, _ v: (EpochRecord) -> Int) { out.append(NamedArray(name: "history/" + name, shape: n, values: .int64(epochs.map { Int64(v($0)) }))) }
        i8("epoch") { $0.epoch }
        f8("loss") { $0.loss }
        f8("accuracy") { $0.accuracy }
        f8("val_loss") { $0.valLoss ?? .nan }
        f8("val_accuracy") { $0.valAccuracy ?? .nan }
        i8("val_present") { ($0.valLoss == nil ? 0 : 1) | ($0.valAccuracy == nil ? 0 : 2) }
        f8("seconds") { $0.seconds }
        i8("batches") { $0.batches }
        i8("partial") { $0.partial ? 1 : 0 }
        out.append(NamedArray(name: "history/batch_loss", shape: [snapshot.history.batchLosses.count], values: .float32(snapshot.history.batchLosses)))
        out.append(NamedArray(name: "history/batch_accuracy", shape: [snapshot.history.batchAccuracies.count], values: .float32(snapshot.history.batchAccuracies)))
        return out
    }

    /// Fills the RNG states, optimizer arrays and history of `snapshot` from `arrays`, as the
    /// manifest announces them.
    static func read(_ arrays: [NamedArray], manifest: SessionManifest, into snapshot: inout SessionSnapshot, file: String) throws {
        let byName = Dictionary(arrays.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func array(_ name: String) throws -> NamedArray {
            guard let a = byName[name] else { throw SessionError(file: file, problem: "missing array '\(name)'") }
            return a
        }
        func wrongType(_ a: NamedArray, _ expected: String) -> SessionError {
            SessionError(file: file, problem: "array '\(a.name)' has dtype \(a.values.descr), expected \(expected)")
        }

        for role in manifest.rng {
            let a = try array("rng/" + role)
            guard case .uint64(let words) = a.values else { throw wrongType(a, "<u8") }
            guard a.shape == [4] else { throw SessionError(file: file, problem: "array '\(a.name)' has shape \(a.shape), expected [4]") }
            snapshot.rng[role] = words
        }

        if let opt = manifest.optimizer {
            var loaded: [NamedArray] = []
            for spec in opt.arrays {
                let a = try array("optimizer/" + spec.name)
                guard a.shape == spec.shape else {
                    throw SessionError(file: file, problem: "array '\(a.name)' has shape \(a.shape), the manifest says \(spec.shape)")
                }
                loaded.append(NamedArray(name: spec.name, shape: a.shape, values: a.values))
            }
            snapshot.optimizer = OptimizerSnapshot(kind: opt.kind, scalars: opt.scalars, arrays: loaded)
        }

        func column<T>(_ name: String, _ extract: (ArrayValues) -> [T]?, _ dtype: String) throws -> [T] {
            let a = try array("history/" + name)
            guard let v = extract(a.values) else { throw wrongType(a, dtype) }
            return v
        }
        let f8: (ArrayValues) -> [Double]? = { if case .float64(let v) = $0 { v } else { nil } }
        let i8: (ArrayValues) -> [Int64]? = { if case .int64(let v) = $0 { v } else { nil } }
        let f4: (ArrayValues) -> [Float]? = { if case .float32(let v) = $0 { v } else { nil } }
        let epoch = try column("epoch", i8, "<i8")
        let loss = try column("loss", f8, "<f8"), accuracy = try column("accuracy", f8, "<f8")
        let valLoss = try column("val_loss", f8, "<f8"), valAccuracy = try column("val_accuracy", f8, "<f8")
        let present = try column("val_present", i8, "<i8"), seconds = try column("seconds", f8, "<f8")
        let batches = try column("batches", i8, "<i8"), partial = try column("partial", i8, "<i8")
        let lengths = [loss.count, accuracy.count, valLoss.count, valAccuracy.count, present.count, seconds.count, batches.count, partial.count]
        guard lengths.allSatisfy({ $0 == epoch.count }) else {
            throw SessionError(file: file, problem: "history arrays have different lengths \([epoch.count] + lengths); each needs one value per epoch")
        }
        // Values `fit` never writes would mislead `plot` and overflow the next epoch's number.
        if let i = epoch.indices.first(where: { epoch[$0] != $0 + 1 }) {
            throw SessionError(file: file, problem: "history/epoch[\(i)] is \(epoch[i]), expected \(i + 1) (epochs count 1, 2, 3, …)")
        }
        for (name, values, range) in [("batches", batches, Int64(0) ... .max), ("partial", partial, 0 ... 1), ("val_present", present, 0 ... 3)] {
            if let i = values.firstIndex(where: { !range.contains($0) }) {
                throw SessionError(file: file, problem: "history/\(name)[\(i)] is \(values[i]), expected \(range.upperBound == .max ? "0 or more" : "\(range.lowerBound)-\(range.upperBound)")")
            }
        }
        snapshot.history.epochs = epoch.indices.map { i in
            EpochRecord(epoch: Int(epoch[i]), loss: loss[i], accuracy: accuracy[i],
                       valLoss: present[i] & 1 != 0 ? valLoss[i] : nil, valAccuracy: present[i] & 2 != 0 ? valAccuracy[i] : nil,
                       seconds: seconds[i], batches: Int(batches[i]), partial: partial[i] != 0)
        }
        snapshot.history.batchLosses = try column("batch_loss", f4, "<f4")
        snapshot.history.batchAccuracies = try column("batch_accuracy", f4, "<f4")
    }
}
