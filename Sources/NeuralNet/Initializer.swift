/// How a parameter tensor is filled when a layer is built (Keras's initialiser names and formulas).
///
/// `fanIn`/`fanOut` are the kernel's input and output sizes (for a conv kernel kh·kw·cin and kh·kw·cout).
/// Keras draws its `*_normal` variants from a *truncated* normal; here they are plain normals with the
/// same standard deviation, which changes nothing measurable for training.
public enum Initializer: Sendable, Equatable, CustomStringConvertible {
    case glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal
    /// Normal(0, std).
    case normal(std: Float)
    /// Uniform in [-limit, limit].
    case uniform(limit: Float)
    case zeros

    /// `count` values drawn from this distribution.
    public func values(count: Int, fanIn: Int, fanOut: Int, rng: inout RNG) -> [Float] {
        let fi = Float(max(fanIn, 1)), fo = Float(max(fanOut, 1))
        switch self {
        case .glorotUniform: return Self.uniform(count, (6 / (fi + fo)).squareRoot(), &rng)
        case .glorotNormal: return Self.normal(count, (2 / (fi + fo)).squareRoot(), &rng)
        case .heUniform: return Self.uniform(count, (6 / fi).squareRoot(), &rng)
        case .heNormal: return Self.normal(count, (2 / fi).squareRoot(), &rng)
        case .lecunUniform: return Self.uniform(count, (3 / fi).squareRoot(), &rng)
        case .lecunNormal: return Self.normal(count, (1 / fi).squareRoot(), &rng)
        case .normal(let std): return Self.normal(count, std, &rng)
        case .uniform(let limit): return Self.uniform(count, limit, &rng)
        case .zeros: return [Float](repeating: 0, count: count)
        }
    }

    public var description: String {
        switch self {
        case .glorotUniform: "glorot_uniform"
        case .glorotNormal: "glorot_normal"
        case .heUniform: "he_uniform"
        case .heNormal: "he_normal"
        case .lecunUniform: "lecun_uniform"
        case .lecunNormal: "lecun_normal"
        case .normal(let std): "normal(std=\(std))"
        case .uniform(let limit): "uniform(±\(limit))"
        case .zeros: "zeros"
        }
    }

    private static func uniform(_ n: Int, _ limit: Float, _ rng: inout RNG) -> [Float] {
        (0..<n).map { _ in rng.uniform(-limit, limit) }
    }

    private static func normal(_ n: Int, _ std: Float, _ rng: inout RNG) -> [Float] {
        (0..<n).map { _ in rng.normal() * std }
    }
}
