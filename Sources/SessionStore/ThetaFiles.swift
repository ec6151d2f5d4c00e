import Foundation
import MNISTData

/// `Theta1.txt` and `Theta2.txt` of the classic 784-100-10 sigmoid recipe: for each Dense layer
/// the matrix Theta = [b | Wᵀ], one row per unit with its bias in column 0 (our Dense kernel is
/// (inputs, units), the recipe's Theta is (units, 1 + inputs)).
public enum ThetaFiles {
    /// The recipe's layer sizes: 784 inputs, 100 hidden units, 10 outputs.
    public static let layerSizes = [784, 100, 10]

    /// Theta = [b | Wᵀ] for a kernel of shape (inputs, units) and a bias of `units` values.
    public static func theta(kernel: [Float], bias: [Float], inputs: Int, units: Int) -> ThetaMatrix {
        precondition(kernel.count == inputs * units && bias.count == units)
        var values = [Double](repeating: 0, count: units * (inputs + 1))
        for u in 0..<units {
            values[u * (inputs + 1)] = Double(bias[u])
            for i in 0..<inputs { values[u * (inputs + 1) + 1 + i] = Double(kernel[i * units + u]) }
        }
        return ThetaMatrix(rows: units, cols: inputs + 1, values: values)
    }

    /// The kernel (inputs, units) and bias (units) held in a Theta of shape (units, 1 + inputs).
    public static func kernelAndBias(_ theta: ThetaMatrix) -> (kernel: [Float], bias: [Float]) {
        let units = theta.rows, inputs = theta.cols - 1
        var kernel = [Float](repeating: 0, count: inputs * units)
        var bias = [Float](repeating: 0, count: units)
        for u in 0..<units {
            bias[u] = Float(theta.values[u * (inputs + 1)])
            for i in 0..<inputs { kernel[i * units + u] = Float(theta.values[u * (inputs + 1) + 1 + i]) }
        }
        return (kernel, bias)
    }

    /// Writes `Theta1.txt`, `Theta2.txt`, ... into `directory` (created if needed). Files already
    /// there are replaced together once every new one is written, so an error never leaves a mix.
    public static func write(_ thetas: [ThetaMatrix], to directory: String) throws {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw SessionError(file: directory, problem: "cannot create the directory: \(fileErrorReason(error))")
        }
        try DurableFiles.replace(thetas.enumerated().map { k, theta in
            (SessionStore.path(directory, "Theta\(k + 1).txt"), Array(theta.text.utf8))
        })
    }

    /// Reads `Theta1.txt`, `Theta2.txt`, ... from `directory` and checks each has the shape
    /// `expectedShapes` gives, (units, 1 + inputs).
    public static func read(from directory: String, expectedShapes: [(rows: Int, cols: Int)]) throws -> [ThetaMatrix] {
        try expectedShapes.enumerated().map { k, shape in
            let file = SessionStore.path(directory, "Theta\(k + 1).txt")
            let data: [UInt8]
            do { data = try readFileBytes(file) } catch let error as DataError {
                throw SessionError(file: file, problem: error.message, hint: "expected Theta1.txt ... Theta\(expectedShapes.count).txt from numpy.savetxt")
            }
            let theta = try ThetaMatrix(text: String(decoding: data, as: UTF8.self), file: file)
            guard theta.rows == shape.rows, theta.cols == shape.cols else {
                throw SessionError(file: file, problem: "expected a \(shape.rows)x\(shape.cols) matrix, found \(theta.rows)x\(theta.cols)",
                                   hint: "Theta\(k + 1) is (units, 1 + inputs) with the bias in column 0")
            }
            if let i = theta.values.firstIndex(where: { !$0.isFinite }) {
                throw SessionError(file: file, problem: "row \(i / theta.cols + 1), column \(i % theta.cols + 1) is \(theta.values[i])",
                                   hint: "weights must be finite numbers")
            }
            return theta
        }
    }
}
