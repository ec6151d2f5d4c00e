import CCrypto
import Foundation

/// SHA-256 digests through libcrypto's EVP interface.
///
///     SHA256.hex(of: Array("abc".utf8))   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
public enum SHA256 {
    /// The lowercase hex digest of `data`.
    public static func hex(of data: [UInt8]) -> String {
        let digest = Digest()
        data.withUnsafeBytes { digest.update($0) }
        return digest.finish()
    }

    /// The lowercase hex digest of the file at `path`, read in 1 MiB chunks.
    public static func hexOfFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, message: "cannot open the file to checksum it", hint: "check that it exists and is readable")
        }
        defer { try? handle.close() }
        let digest = Digest()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw DataError(file: path, message: "read error while checksumming: \(fileErrorReason(error))")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return digest.finish()
    }

    /// One running digest; owns its EVP context.
    private final class Digest {
        private let context: OpaquePointer

        init() {
            context = EVP_MD_CTX_new()
            EVP_DigestInit_ex(context, EVP_sha256(), nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        func update(_ bytes: UnsafeRawBufferPointer) {
            if let base = bytes.baseAddress { EVP_DigestUpdate(context, base, bytes.count) }
        }

        func finish() -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &digest, &length)
            return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
        }
    }
}
