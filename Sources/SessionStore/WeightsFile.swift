import NeuralNet

/// `export weights FILE.npz` / `import weights FILE.npz`: a model's parameters as an `.npz` that
/// `numpy.load` opens, arrays named `LAYER.kernel` / `LAYER.bias` (float32, kernel shape (in, out)).
public enum WeightsFile {
    /// Writes every parameter of `model` to `path`.
    public static func export(_ model: Sequential, to path: String) throws {
        try NPZFile.write(model.weights.map { NamedArray(name: $0.name, shape: $0.tensor.shape, values: .float32($0.tensor.data)) }, to: path)
    }

    /// Loads parameters from `path` into `model`, which must have the same parameter names and
    /// shapes. Nothing is changed unless everything matches; the error lists every mismatch.
    public static func importInto(_ model: Sequential, from path: String) throws {
        let arrays = try NPZFile.read(path)
        let expected = model.weights.map { ParameterSpec(name: $0.name, shape: $0.tensor.shape) }
        let problems = WeightsCheck.problems(arrays, against: expected)
        if problems.isEmpty, let bad = WeightsCheck.nonFinite(arrays) {
            throw SessionError(file: path, problem: bad, hint: "weights must be finite numbers; was the model exported after training diverged?")
        }
        guard problems.isEmpty else {
            throw SessionError(file: path, problem: "does not match the model: " + problems.joined(separator: "; "),
                               hint: "the model has \(expected.map { "\($0.name) \(WeightsCheck.shapeText($0.shape))" }.joined(separator: ", "))")
        }
        try model.loadWeights(arrays.map { array in
            guard case .float32(let values) = array.values else { fatalError("checked above") }
            return (array.name, Tensor(shape: array.shape, data: values))
        })
    }
}
