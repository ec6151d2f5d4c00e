/// Keras-style shape strings.
public enum ShapeFormat {
    /// A per-sample shape with the batch shown as None: [512] → "(None, 512)".
    public static func batched(_ shape: [Int]) -> String {
        "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
    }

    /// A plain shape: [28, 28, 1] → "(28, 28, 1)"; [784] → "(784,)".
    public static func plain(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
