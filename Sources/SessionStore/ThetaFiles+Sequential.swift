import NeuralNet

extension ThetaFiles {
    /// Writes `Theta1.txt` (100x785) and `Theta2.txt` (10x101) for a 784-100-10 sigmoid model.
    public static func export(_ model: Sequential, to directory: String) throws {
        let dense = try recipeLayers(model, file: directory)
        try write(zip(dense, zip(layerSizes, layerSizes.dropFirst())).map { layer, size in
            ThetaFiles.theta(kernel: layer.kernel!.value.data, bias: layer.bias!.value.data, inputs: size.0, units: size.1)
        }, to: directory)
    }

    /// Reads `Theta1.txt` and `Theta2.txt` from `directory` into a 784-100-10 sigmoid model.
    /// Nothing changes unless both files are complete and of the right shape.
    public static func importInto(_ model: Sequential, from directory: String) throws {
        let dense = try recipeLayers(model, file: directory)
        let sizes = Array(zip(layerSizes, layerSizes.dropFirst()))
        let thetas = try read(from: directory, expectedShapes: sizes.map { (rows: $0.1, cols: $0.0 + 1) })
        var weights: [(name: String, tensor: Tensor)] = []
        for ((layer, theta), size) in zip(zip(dense, thetas), sizes) {
            let (kernel, bias) = kernelAndBias(theta)
            weights.append(("\(layer.name).kernel", Tensor(shape: [size.0, size.1], data: kernel)))
            weights.append(("\(layer.name).bias", Tensor(shape: [size.1], data: bias)))
        }
        try model.loadWeights(weights)
    }

    /// The two Dense layers of the recipe, or an error saying how `model` differs from it.
    private static func recipeLayers(_ model: Sequential, file: String) throws -> [Dense] {
        let dense = model.layers.compactMap { $0 as? Dense }
        let others = model.layers.filter { !($0 is Dense) && !($0 is Flatten) }
        let inputs = model.inputShape.reduce(1, *)
        let fits = others.isEmpty && inputs == 784 && dense.count == 2
            && dense.map(\.units) == [100, 10] && dense.allSatisfy { $0.activation == .sigmoid && $0.useBias }
        guard fits else {
            let shape = ([String(inputs)] + dense.map { "\($0.units)(\($0.activation?.rawValue ?? "linear"))" }).joined(separator: "-")
            throw SessionError(file: file, problem: "Theta files describe a 784-100(sigmoid)-10(sigmoid) network with biases; this model is \(shape)\(others.isEmpty ? "" : " with \(others.map(\.typeName).joined(separator: ", ")) layers")",
                               hint: "use 'export weights FILE.npz' for other models")
        }
        return dense
    }
}
