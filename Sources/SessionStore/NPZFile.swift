import Foundation
import MNISTData

/// Reads and writes whole `.npz` files of `NamedArray`s (writing through `NPZWriter`, reading
/// through MNISTData's zip and `.npy` readers).
public enum NPZFile {
    /// Writes `arrays` to `path`, replacing any file there only once the new one is complete (a
    /// full disk or a kill mid-write leaves the previous file as it was).
    public static func write(_ arrays: [NamedArray], to path: String) throws {
        try DurableFiles.replace([(path, try NPZWriter.archive(arrays, file: path))])
    }

    /// All arrays of the archive at `path`, in archive order.
    public static func read(_ path: String) throws -> [NamedArray] {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(path) } catch let error as DataError {
            throw SessionError(file: path, problem: error.message, hint: error.hint)
        }
        return try read(bytes: bytes, file: path)
    }

    /// All arrays of an archive held in memory; `file` names it in errors.
    public static func read(bytes: [UInt8], file: String) throws -> [NamedArray] {
        do {
            let npz = try NPZArchive(file: file, bytes: bytes)
            return try npz.names.map { name in
                let array = try npz.array(named: name)!
                guard let values = values(array.descr, array.bytes) else {
                    throw SessionError(file: file, problem: "array \(name) has dtype '\(array.descr)'; expected float32, float64, int64 or uint64")
                }
                return NamedArray(name: name, shape: array.shape, values: values)
            }
        } catch let error as DataError {
            throw SessionError(file: file, problem: (error.offset.map { "byte \($0): " } ?? "") + error.message,
                               hint: error.hint ?? "the file is damaged or not an .npz archive")
        }
    }

    private static func values(_ descr: String, _ bytes: [UInt8]) -> ArrayValues? {
        switch descr {
        case "<f4": .float32(words(bytes, UInt32.self).map(Float.init(bitPattern:)))
        case "<f8": .float64(words(bytes, UInt64.self).map(Double.init(bitPattern:)))
        case "<i8": .int64(words(bytes, UInt64.self).map { Int64(bitPattern: $0) })
        case "<u8": .uint64(words(bytes, UInt64.self))
        default: nil
        }
    }

    private static func words<T: FixedWidthInteger>(_ bytes: [UInt8], _: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return bytes.withUnsafeBytes { raw in
            (0 ..< bytes.count / size).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }
}
