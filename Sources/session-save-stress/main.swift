// Test helper for the atomic-save kill test: saves session NAME in DIRECTORY over and over,
// generation g+1, g+2, ... (g from the existing save, else 0), until it is killed. Every array of generation g holds the value g and
// `epochs_trained` is g, so a reader can tell a consistent save from a mixed or torn one.
//
//     session-save-stress DIRECTORY NAME
import Foundation
import SessionStore

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: session-save-stress DIRECTORY NAME\n".utf8))
    exit(2)
}
let (directory, name) = (arguments[1], arguments[2])
let shape = [256, 512]
let model = ModelSpec(inputShape: [256], layers: [LayerSpec(type: "Dense", name: "dense", units: 512, activation: "relu")],
                      parameters: [ParameterSpec(name: "dense.kernel", shape: shape), ParameterSpec(name: "dense.bias", shape: [512])])
var generation = 1
if let existing = try? SessionStore.load(name: name, directory: directory, verifyDataset: false) {
    generation = existing.snapshot.epochsTrained + 1
}
while true {
    let g = Float(generation)
    let snapshot = SessionSnapshot(
        model: model,
        weights: [NamedArray(name: "dense.kernel", shape: shape, values: .float32(Array(repeating: g, count: 256 * 512))),
                  NamedArray(name: "dense.bias", shape: [512], values: .float32(Array(repeating: g, count: 512)))],
        optimizer: OptimizerSnapshot(kind: "adam", scalars: ["iterations": Double(generation)],
                                     arrays: [NamedArray(name: "m:dense.bias", shape: [512], values: .float32(Array(repeating: g, count: 512)))]),
        rng: ["training": [UInt64(generation), 1, 2, 3]],
        epochsTrained: generation,
        commandHistory: (0..<generation % 50).map { "train --epochs \($0)" })
    do { try SessionStore.save(snapshot, name: name, directory: directory) } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
    generation += 1
}
