import Foundation

/// The human-readable `manifest.json` of a saved session: everything but the arrays, plus the
/// SHA-256 and size of each binary file beside it.
///
/// Keys are snake_case (`format_version`, `saved_at`, ...), pretty-printed and sorted.
public struct SessionManifest: Codable, Equatable, Sendable {
    /// The version this build writes and reads.
    public static let currentFormatVersion = 1
    /// The files a session directory holds besides the manifest.
    public static let dataFiles = ["weights.npz", "state.npz", "history.txt"]

    public var formatVersion: Int
    public var name: String
    /// ISO 8601, UTC, whole seconds.
    public var savedAt: String
    public var dataset: DatasetRef?
    public var normalized: Bool
    public var model: ModelSpec?
    public var compile: CompileSpec?
    public var optimizer: OptimizerManifest?
    /// Names of the saved random generators (arrays `rng/NAME` in state.npz).
    public var rng: [String]
    public var shufflePosition: Int?
    public var epochsTrained: Int
    public var lastTestAccuracy: Double?
    /// The shell's own settings (preset, seed, how the data set was loaded), as text.
    public var shellSettings: [String: String]?
    /// Checksums of the files beside the manifest, by file name.
    public var files: [String: FileRecord]

    /// The manifest's date.
    public var savedDate: Date? { Self.dateFormatter().date(from: savedAt) }

    static func dateFormatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Decodes `manifest.json`, checking the format version first so a newer file gets a clear
    /// message instead of a confusing missing-field error.
    static func decode(_ data: Data, file: String) throws -> SessionManifest {
        struct Version: Decodable { var formatVersion: Int? }
        let version: Version
        guard !data.isEmpty else { throw SessionError(file: file, problem: "the file is empty", hint: "the manifest is damaged; restore another session") }
        do { version = try decoder().decode(Version.self, from: data) } catch {
            throw SessionError(file: file, problem: "not valid JSON: \(describe(error))", hint: "the manifest is damaged; restore another session")
        }
        guard let v = version.formatVersion else {
            throw SessionError(file: file, problem: "missing field 'format_version'", hint: "not a session manifest, or it was edited")
        }
        guard v == currentFormatVersion else {
            throw SessionError(file: file, problem: "unknown format version \(v) (this build reads version \(currentFormatVersion))",
                               hint: v > currentFormatVersion ? "it was saved by a newer mnist-shell; update to restore it" : "the manifest was edited")
        }
        let manifest: SessionManifest
        do { manifest = try decoder().decode(SessionManifest.self, from: data) } catch {
            throw SessionError(file: file, problem: describe(error), hint: "the manifest is damaged or was edited")
        }
        if let problem = listedFieldProblem(manifest) {
            throw SessionError(file: file, problem: problem, hint: "the manifest is damaged or was edited")
        }
        return manifest
    }

    /// Why a field `sessions` shows is out of range, or nil (the model's are checked on restore).
    private static func listedFieldProblem(_ m: SessionManifest) -> String? {
        if m.savedDate == nil { return "saved_at '\(m.savedAt)' is not a date like 2026-12-06T08:00:00Z" }
        if m.epochsTrained < 0 { return "epochs_trained \(m.epochsTrained) must be 0 or more" }
        if let a = m.lastTestAccuracy, !(0...1).contains(a) { return "last_test_accuracy \(a) must be in 0...1" }
        return nil
    }

    /// A decoding error in the manifest's own terms: "missing field 'model.layers[1].type'".
    private static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + snake(key.stringValue) }
            }
            return out
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context)?:
            return "field '\(path(context.codingPath))' has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context)?:
            return "field '\(path(context.codingPath))' is null (expected \(type))"
        case .dataCorrupted(let context)?:
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let at = context.codingPath.isEmpty ? "" : "field '\(path(context.codingPath))': "
            return at + (underlying ?? context.debugDescription)
        default:
            return error.localizedDescription
        }
    }

    private static func snake(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}

/// A binary file's checksum and size, as recorded in the manifest.
public struct FileRecord: Codable, Equatable, Sendable {
    public var sha256: String
    public var size: Int

    public init(sha256: String, size: Int) {
        self.sha256 = sha256
        self.size = size
    }
}

/// The optimizer part of the manifest: kind and scalars, plus the names and shapes of its arrays
/// (stored in state.npz as `optimizer/NAME`).
public struct OptimizerManifest: Codable, Equatable, Sendable {
    public var kind: String
    public var scalars: [String: Double]
    public var arrays: [ParameterSpec]
}
