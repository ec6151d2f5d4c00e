import Foundation
import MNISTData

/// One row of `sessions`: read from the manifest alone (files are not checksummed here).
public struct SessionListing: Equatable, Sendable {
    public var name: String
    public var savedAt: Date?
    /// The data set's display name or source, nil if none was loaded.
    public var dataset: String?
    /// "Flatten → Dense(512, relu) → Dense(10, softmax)", nil without a model.
    public var model: String?
    public var epochsTrained: Int
    public var lastTestAccuracy: Double?
    /// Bytes on disk of the session's files.
    public var bytes: Int
    /// Why the manifest could not be read, for a damaged session, or why the entry is not a
    /// session at all (the other fields are then empty).
    public var problem: String?
    /// False for an entry of the sessions directory that is not a session (a file, a folder
    /// without a session manifest): listed so the shell can mention it, never loaded or removed.
    public var isSession = true
}

extension SessionStore {
    /// The sessions in `directory`, sorted by name; hidden entries (saves in progress, previous
    /// copies) are not listed, except a previous copy whose session a crash left without one.
    /// A missing directory lists nothing.
    public static func list(directory: String = defaultDirectory) throws -> [SessionListing] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        try requireDirectoryOrNothing(directory)
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SessionError(file: directory, problem: "cannot list: \(fileErrorReason(error))")
        }
        var names = Set(entries.filter { !$0.hasPrefix(".") })
        for entry in entries {
            if let hidden = HiddenEntry(entry), hidden.kind == .old, (try? SessionName.validate(hidden.name)) != nil { names.insert(hidden.name) }
        }
        return names.sorted().compactMap { name in
            guard let dir = locate(name, in: directory) else { return nil }
            return listing(name, dir)
        }
    }

    private static func listing(_ name: String, _ dir: String) -> SessionListing? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let bytes = files.reduce(0) { total, file in
            total + (((try? FileManager.default.attributesOfItem(atPath: path(dir, file)))?[.size] as? Int) ?? 0)
        }
        let manifestPath = path(dir, "manifest.json")
        if let why = notASessionReason(at: dir) {
            return SessionListing(name: name, epochsTrained: 0, bytes: bytes, problem: why, isSession: false)
        }
        guard let json = FileManager.default.contents(atPath: manifestPath) else { return nil }
        do {
            let m = try SessionManifest.decode(json, file: manifestPath)
            return SessionListing(name: name, savedAt: m.savedDate, dataset: m.dataset.map { $0.name ?? $0.source },
                                  model: m.model?.oneLine, epochsTrained: m.epochsTrained,
                                  lastTestAccuracy: m.lastTestAccuracy, bytes: bytes)
        } catch {
            return SessionListing(name: name, epochsTrained: 0, bytes: bytes, problem: (error as? SessionError)?.problem ?? "\(error)")
        }
    }

    /// Deletes session `name`: renamed away first, so it disappears from listings at once.
    /// A directory of that name that is not a session (no manifest the store recognises) is refused.
    public static func remove(name: String, directory: String = defaultDirectory) throws {
        try SessionName.validate(name)
        try requireDirectoryOrNothing(directory)
        guard let dir = locate(name, in: directory) else {
            let names = ((try? list(directory: directory)) ?? []).map(\.name)
            throw SessionError(file: path(directory, name), problem: "no saved session called '\(name)'",
                               hint: names.isEmpty ? "no sessions saved in \(directory)/" : "saved sessions: \(names.joined(separator: ", "))")
        }
        try requireSessionOrNothing(at: dir)
        let doomed = path(directory, ".\(name).tmp-\(ProcessInfo.processInfo.processIdentifier)-rm")
        try DurableFiles.move(dir, to: doomed)
        do { try FileManager.default.removeItem(atPath: doomed) } catch {
            throw SessionError(file: doomed, problem: "renamed away but not deleted: \(fileErrorReason(error))",
                               hint: "it is hidden from listings and will be cleaned up by the next save")
        }
    }
}
