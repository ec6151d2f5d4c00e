import Foundation
import MNISTData

/// Saves, restores, lists and removes sessions under a directory (`sessions/` by default), one
/// sub-directory per session:
///
///     sessions/NAME/manifest.json   human-readable, format_version 1, checksums of the files below
///     sessions/NAME/weights.npz     model parameters (numpy.load opens it)
///     sessions/NAME/state.npz       optimizer arrays, RNG states, metrics history
///     sessions/NAME/history.txt     the commands typed, one per line
///
/// A save is atomic: it writes a hidden `.NAME.tmp-PID-RANDOM` directory, fsyncs it, then swaps
/// it with `NAME` in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames that
/// `load` and `list` recover from). A kill at any moment leaves the previous save loadable.
public enum SessionStore {
    /// The default directory, relative to the working directory.
    public static let defaultDirectory = "sessions"

    // MARK: Save

    /// Writes `snapshot` as session `name` in `directory` (created if needed), replacing any
    /// earlier save of that name atomically.
    ///
    /// - Returns: the manifest written.
    @discardableResult
    public static func save(_ snapshot: SessionSnapshot, name: String, directory: String = defaultDirectory,
                            date: Date = Date()) throws -> SessionManifest {
        try SessionName.validate(name)
        try checkConsistency(snapshot, name: path(directory, name))
        try requireDirectoryOrNothing(directory)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw SessionError(file: directory, problem: "cannot create the sessions directory: \(fileErrorReason(error))")
        }
        cleanStaleEntries(in: directory)
        try requireSessionOrNothing(at: path(directory, name))

        let pid = ProcessInfo.processInfo.processIdentifier
        let temp = path(directory, ".\(name).tmp-\(pid)-\(UInt32.random(in: 0 ... .max))")
        // Errors name the session the user asked for, not the hidden directory it is written in.
        let shown = path(directory, name)
        do { try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: false) } catch {
            throw SessionError(file: shown, problem: "cannot create: \(fileErrorReason(error))", hint: "check free space and permissions")
        }
        let manifest: SessionManifest
        do {
            manifest = try writeFiles(snapshot, name: name, into: temp, shownAs: shown, date: date)
            try DurableFiles.syncDirectory(temp)
            try swapIn(temp, as: name, in: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        cleanStaleEntries(in: directory)   // a `.NAME.old-*` left by an earlier crash is obsolete now
        return manifest
    }

    private static func checkConsistency(_ snapshot: SessionSnapshot, name: String) throws {
        for (role, words) in snapshot.rng where words.count != 4 {
            throw SessionError(file: name, problem: "random generator '\(role)' has \(words.count) state words, expected 4")
        }
        if let model = snapshot.model {
            try WeightsCheck.check(snapshot.weights, against: model.parameters, file: name + " (weights to save)")
        } else if !snapshot.weights.isEmpty {
            throw SessionError(file: name, problem: "the snapshot has weights but no model architecture")
        }
    }

    private static func writeFiles(_ snapshot: SessionSnapshot, name: String, into dir: String, shownAs shown: String,
                                   date: Date) throws -> SessionManifest {
        let weights = try NPZWriter.archive(snapshot.weights, file: "weights.npz")
        let state = try NPZWriter.archive(StateArchive.arrays(of: snapshot), file: "state.npz")
        let history = Array(snapshot.commandHistory.map { $0 + "\n" }.joined().utf8)
        var files: [String: FileRecord] = [:]
        for (file, bytes) in [("weights.npz", weights), ("state.npz", state), ("history.txt", history)] {
            try DurableFiles.writeDurably(bytes, to: path(dir, file), naming: path(shown, file))
            files[file] = FileRecord(sha256: SHA256.hex(of: bytes), size: bytes.count)
        }
        let manifest = SessionManifest(
            formatVersion: SessionManifest.currentFormatVersion, name: name,
            savedAt: SessionManifest.dateFormatter().string(from: date),
            dataset: snapshot.dataset, normalized: snapshot.normalized, model: snapshot.model, compile: snapshot.compile,
            optimizer: snapshot.optimizer.map { opt in
                OptimizerManifest(kind: opt.kind, scalars: opt.scalars, arrays: opt.arrays.map { ParameterSpec(name: $0.name, shape: $0.shape) })
            },
            rng: snapshot.rng.keys.sorted(), shufflePosition: snapshot.shufflePosition,
            epochsTrained: snapshot.epochsTrained, lastTestAccuracy: snapshot.lastTestAccuracy,
            shellSettings: snapshot.shellSettings.isEmpty ? nil : snapshot.shellSettings, files: files)
        var json = try SessionManifest.encoder().encode(manifest)
        json.append(0x0a)
        try DurableFiles.writeDurably([UInt8](json), to: path(dir, "manifest.json"), naming: path(shown, "manifest.json"))
        return manifest
    }

    /// Puts the finished temp directory in place of `NAME` in one atomic step where possible.
    private static func swapIn(_ temp: String, as name: String, in directory: String) throws {
        let target = path(directory, name)
        if FileManager.default.fileExists(atPath: target) {
            try requireSessionOrNothing(at: target)   // again: it may have appeared while the files were written
            if try DurableFiles.exchange(temp, target) {
                try DurableFiles.syncDirectory(directory)
                try? FileManager.default.removeItem(atPath: temp)   // the previous save, now under the temp name
                return
            }
            // No atomic exchange: old → .NAME.old-PID, new → NAME. A crash in between leaves only
            // the old copy, which `load` and `list` find (see `locate`).
            let old = path(directory, ".\(name).old-\(ProcessInfo.processInfo.processIdentifier)")
            try DurableFiles.move(target, to: old)
            try DurableFiles.move(temp, to: target)
            try DurableFiles.syncDirectory(directory)
            try? FileManager.default.removeItem(atPath: old)
        } else {
            try DurableFiles.move(temp, to: target)
            try DurableFiles.syncDirectory(directory)
        }
    }

    /// Throws if the sessions directory is a file (or anything but a directory); a missing one is fine.
    static func requireDirectoryOrNothing(_ directory: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), !isDir.boolValue else { return }
        throw SessionError(file: directory, problem: "the sessions directory is a file, not a directory",
                           hint: "use another sessions directory or move the file away")
    }

    /// Throws unless `target` is absent or a session this store recognises: a directory whose
    /// `manifest.json` is a JSON object with an integer `format_version` (damaged sessions count;
    /// a user's own folder or file never does). Save and remove call it before replacing or
    /// deleting anything, so neither can destroy what they did not write.
    static func requireSessionOrNothing(at target: String) throws {
        guard let why = notASessionReason(at: target) else { return }
        throw SessionError(file: target, problem: "exists and is not a session: \(why)",
                           hint: "choose another name or remove it yourself")
    }

    /// Why `target` is not a session ("it is a file", "it has no manifest.json", …), or nil when
    /// it is one (its manifest may still be damaged) or does not exist.
    static func notASessionReason(at target: String) -> String? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDir) else { return nil }
        if !isDir.boolValue { return "it is a file" }
        guard let json = FileManager.default.contents(atPath: path(target, "manifest.json")) else {
            return "it has no manifest.json"
        }
        struct Version: Decodable { var formatVersion: Int }
        guard (try? SessionManifest.decoder().decode(Version.self, from: json)) == nil else { return nil }
        return "its manifest.json is not a session manifest"
    }

    /// Removes temp directories of saves whose process is gone, and `.NAME.old-*` copies whose
    /// `NAME` exists again.
    private static func cleanStaleEntries(in directory: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(".") {
            guard let parsed = HiddenEntry(entry) else { continue }
            let stale: Bool
            switch parsed.kind {
            case .temp: stale = !DurableFiles.processExists(parsed.pid)
            case .old: stale = FileManager.default.fileExists(atPath: path(directory, parsed.name)) && !DurableFiles.processExists(parsed.pid)
            }
            if stale { try? FileManager.default.removeItem(atPath: path(directory, entry)) }
        }
    }

    // MARK: Load

    /// Reads, checks and returns session `name`. Every file is verified (checksums, array names,
    /// shapes and types against the manifest and the architecture) before anything is returned.
    ///
    /// If `verifyDataset` is true the data set's files are checksummed too: a changed file is an
    /// error; a missing one is not (the model is still restored) and the result says so.
    public static func load(name: String, directory: String = defaultDirectory, verifyDataset: Bool = true) throws -> LoadedSession {
        try SessionName.validate(name)
        try requireDirectoryOrNothing(directory)
        guard let dir = locate(name, in: directory) else {
            let names = ((try? list(directory: directory)) ?? []).map(\.name)
            throw SessionError(file: path(directory, name), problem: "no saved session called '\(name)'",
                               hint: names.isEmpty ? "no sessions saved in \(directory)/ yet" : "saved sessions: \(names.joined(separator: ", "))")
        }
        let manifestPath = path(dir, "manifest.json")
        guard let json = FileManager.default.contents(atPath: manifestPath) else {
            throw SessionError(file: manifestPath, problem: "missing or unreadable", hint: "the session directory is incomplete; restore another session")
        }
        let manifest = try SessionManifest.decode(json, file: manifestPath)
        var contents: [String: [UInt8]] = [:]
        for file in SessionManifest.dataFiles {
            contents[file] = try verifiedContents(of: file, in: dir, manifest: manifest)
        }

        var snapshot = SessionSnapshot(
            dataset: manifest.dataset, normalized: manifest.normalized, model: manifest.model, compile: manifest.compile,
            shufflePosition: manifest.shufflePosition, epochsTrained: manifest.epochsTrained,
            lastTestAccuracy: manifest.lastTestAccuracy, savedAt: manifest.savedDate)
        snapshot.shellSettings = manifest.shellSettings ?? [:]
        let weightsPath = path(dir, "weights.npz")
        let weights = try NPZFile.read(bytes: contents["weights.npz"]!, file: weightsPath)
        try WeightsCheck.check(weights, against: manifest.model?.parameters ?? [], file: weightsPath)
        snapshot.weights = weights
        let statePath = path(dir, "state.npz")
        try StateArchive.read(try NPZFile.read(bytes: contents["state.npz"]!, file: statePath),
                              manifest: manifest, into: &snapshot, file: statePath)
        let historyText = String(decoding: contents["history.txt"]!, as: UTF8.self)
        snapshot.commandHistory = historyText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)

        var status = DatasetStatus.none
        if verifyDataset, let dataset = manifest.dataset {
            status = try DatasetCheck.verify(dataset)
        }
        return LoadedSession(name: name, manifest: manifest, snapshot: snapshot, dataset: status)
    }

    /// The file's bytes after checking its size and SHA-256 against the manifest.
    private static func verifiedContents(of file: String, in dir: String, manifest: SessionManifest) throws -> [UInt8] {
        let filePath = path(dir, file)
        guard let record = manifest.files[file] else {
            throw SessionError(file: path(dir, "manifest.json"), problem: "missing field 'files.\(file)' (its checksum)",
                               hint: "the manifest is damaged or was edited")
        }
        guard let data = FileManager.default.contents(atPath: filePath) else {
            throw SessionError(file: filePath, problem: "missing or unreadable", hint: "the session directory is incomplete; restore another session")
        }
        let bytes = [UInt8](data)
        if bytes.count != record.size {
            throw SessionError(file: filePath, problem: bytes.count < record.size
                                   ? "truncated: \(bytes.count) bytes, the manifest says \(record.size)"
                                   : "\(bytes.count) bytes, the manifest says \(record.size)",
                               hint: "the file is damaged; restore another session")
        }
        let sha = SHA256.hex(of: bytes)
        guard sha == record.sha256 else {
            throw SessionError(file: filePath, problem: "checksum mismatch: SHA-256 is \(sha), the manifest says \(record.sha256)",
                               hint: "the file was damaged or edited; restore another session")
        }
        return bytes
    }

    /// The directory holding session `name`: `NAME`, or after a crash mid-save on a system
    /// without atomic exchange, the newest `.NAME.old-*` copy.
    static func locate(_ name: String, in directory: String) -> String? {
        let target = path(directory, name)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir), isDir.boolValue { return target }
        let olds = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { HiddenEntry($0).map { $0.kind == .old && $0.name == name } ?? false }
        let newest = olds.max { modified(path(directory, $0)) < modified(path(directory, $1)) }
        return newest.map { path(directory, $0) }
    }

    private static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// A restored session: the checked snapshot, its manifest and whether the data set is there.
public struct LoadedSession: Sendable {
    public var name: String
    public var manifest: SessionManifest
    public var snapshot: SessionSnapshot
    public var dataset: DatasetStatus
}
