/// Reads Keras's `mnist.npz`: a zip of `x_train`, `y_train`, `x_test`, `y_test` `.npy` arrays.
enum NPZReader {
    static func read(_ file: String, bytes: [UInt8]) throws -> (train: ImageSet, test: ImageSet) {
        let zip = try ZipArchive(file: file, bytes: bytes)
        let names = ["x_train", "y_train", "x_test", "y_test"]
        let missing = names.filter { name in !zip.entries.contains { $0.name == name + ".npy" } }
        guard missing.isEmpty else {
            let present = zip.entries.map(\.name).joined(separator: ", ")
            throw DataError(file: file, message: "missing array\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) (the archive holds: \(present.isEmpty ? "nothing" : present))",
                            hint: "expected a Keras-style mnist.npz with x_train, y_train, x_test, y_test")
        }
        func array(_ name: String) throws -> NPYArray {
            let entryBytes = try zip.contents(of: name + ".npy")!
            return try NPYArray(bytes: entryBytes, file: file, name: name + ".npy")
        }
        return (try set(file, images: try array("x_train"), labels: try array("y_train"), names: ("x_train", "y_train")),
                try set(file, images: try array("x_test"), labels: try array("y_test"), names: ("x_test", "y_test")))
    }

    private static func set(_ file: String, images: NPYArray, labels: NPYArray, names: (String, String)) throws -> ImageSet {
        let n = images.shape.first ?? 0
        let (rows, cols): (Int, Int)
        switch images.shape.count {
        case 3: (rows, cols) = (images.shape[1], images.shape[2])
        case 2 where Int(Double(images.shape[1]).squareRoot()) * Int(Double(images.shape[1]).squareRoot()) == images.shape[1]:
            let side = Int(Double(images.shape[1]).squareRoot())
            (rows, cols) = (side, side)
        default:
            throw DataError(file: file, message: "\(names.0) has shape \(images.shape); expected (N, rows, cols) or (N, rows*cols)")
        }
        let labelCount = labels.shape.first ?? 0
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw DataError(file: file, message: "\(names.1) has shape \(labels.shape); expected (N,)")
        }
        guard labelCount == n else {
            throw DataError(file: file, message: "shape mismatch: \(names.0) holds \(n.grouped) images but \(names.1) holds \(labelCount.grouped) labels")
        }
        guard rows > 0, cols > 0 else {
            throw DataError(file: file, message: "\(names.0) has empty images, shape \(images.shape)")
        }
        let pixels: [UInt8]
        do { pixels = try images.data.pixels() } catch {
            throw DataError(file: file, message: "\(names.0): value \(describe(error.value)) at flat index \(error.index.grouped) is not a pixel in 0-255 (or 0-1)")
        }
        let labelValues: [UInt8]
        do { labelValues = try labels.data.labels() } catch {
            throw DataError(file: file, message: "\(names.1): label \(describe(error.value)) at index \(error.index.grouped) is not an integer in 0-9")
        }
        return ImageSet(rows: rows, cols: cols, pixels: pixels, labels: labelValues)
    }
}
