/// Compares a set of named arrays with the parameters an architecture expects, and says what differs.
enum WeightsCheck {
    /// Throws naming the first problem: a missing, extra, wrongly typed or wrongly shaped array.
    static func check(_ arrays: [NamedArray], against expected: [ParameterSpec], file: String) throws {
        if let problem = problems(arrays, against: expected).first {
            throw SessionError(file: file, problem: problem, hint: "the weights do not match the model's architecture")
        }
    }

    /// Every mismatch in one sentence each: "dense_1.kernel: expected shape (784, 512), found (784, 256)".
    static func problems(_ arrays: [NamedArray], against expected: [ParameterSpec]) -> [String] {
        let byName = Dictionary(arrays.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        for spec in expected {
            guard let a = byName[spec.name] else {
                out.append("\(spec.name): missing (expected shape \(shapeText(spec.shape)))")
                continue
            }
            if case .float32 = a.values {} else {
                out.append("\(spec.name): dtype \(a.values.descr), expected float32 (<f4)")
            }
            if a.shape != spec.shape {
                out.append("\(spec.name): expected shape \(shapeText(spec.shape)), found \(shapeText(a.shape))")
            }
        }
        let known = Set(expected.map(\.name))
        for a in arrays where !known.contains(a.name) {
            out.append("\(a.name): not a parameter of this model (shape \(shapeText(a.shape)))")
        }
        return out
    }

    /// The first value of a float array that is NaN or infinite, as "dense.kernel value 3 of 7,850
    /// is inf", or nil. Imported weights must be finite: one NaN makes every prediction NaN.
    static func nonFinite(_ arrays: [NamedArray]) -> String? {
        for a in arrays {
            guard case .float32(let values) = a.values, let i = values.firstIndex(where: { !$0.isFinite }) else { continue }
            return "\(a.name) value \(i) of \(values.count) is \(values[i])"
        }
        return nil
    }

    /// numpy's tuple notation: (784, 512), (10,).
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
