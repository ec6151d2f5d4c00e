import Foundation
import MNISTData

/// Whether a restored session's data set is still where it was.
public enum DatasetStatus: Equatable, Sendable {
    /// No data set was saved, or it was not checked.
    case none
    /// Every file is present with its recorded checksum.
    case verified
    /// Some files are gone; the model was restored without data. `note` says how to reattach it.
    case missing(files: [String], note: String)
}

extension DatasetRef {
    /// Describes the data set loaded from `source` through `files`, checksumming each.
    public static func describing(source: String, name: String? = nil, files: [String]) throws -> DatasetRef {
        DatasetRef(source: source, name: name, files: try files.map { file in
            do {
                let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                return DatasetFile(path: file, sha256: try SHA256.hexOfFile(file), size: size)
            } catch let error as DataError {
                throw SessionError(file: file, problem: error.message, hint: error.hint)
            } catch {
                throw SessionError(file: file, problem: "cannot read: \(fileErrorReason(error))")
            }
        })
    }
}

enum DatasetCheck {
    /// Checks each recorded data file: missing files are reported, changed ones are an error.
    static func verify(_ dataset: DatasetRef) throws -> DatasetStatus {
        var missing: [String] = []
        for file in dataset.files {
            guard FileManager.default.fileExists(atPath: file.path) else {
                missing.append(file.path)
                continue
            }
            let sha: String
            do { sha = try SHA256.hexOfFile(file.path) } catch {
                throw SessionError(file: file.path, problem: "cannot read the data file to check it: \(error)")
            }
            guard sha == file.sha256 else {
                throw SessionError(file: file.path, problem: "data set changed since the session was saved: SHA-256 is \(sha), the session recorded \(file.sha256)",
                                   hint: "put the original file back, or load the new data with 'load' after restoring without data")
            }
        }
        guard missing.isEmpty else {
            return .missing(files: missing, note: "data set '\(dataset.source)' not found (\(missing.joined(separator: ", "))); the model was restored without data — reattach it with 'load \(dataset.source)'")
        }
        return .verified
    }
}
