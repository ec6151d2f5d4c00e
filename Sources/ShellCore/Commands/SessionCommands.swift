import Foundation
import MNISTData
import NeuralNet
import SessionStore
import TextGraphics

/// `save`, `restore`, `sessions`, `export`, `import`: keeping work across days and sharing weights.
enum SessionCommands {
    static var all: [CommandSpec] { [save, restore, sessions, export, importCommand] }

    static let sessionNames: @Sendable (LiveSession) -> [String] = { session in
        ((try? SessionStore.list(directory: session.sessionsDir)) ?? []).map(\.name)
    }

    static let save = CommandSpec(
        name: "save", group: .session, summary: "Save the whole session (data reference, model, optimizer, history)",
        usage: "[NAME]",
        details: """
            Writes sessions/NAME/ (--sessions-dir, MNIST_SHELL_SESSIONS): manifest.json, weights.npz, state.npz and
            history.txt. The data set is recorded by path and SHA-256, not copied. Saving is atomic: an interrupted save
            leaves the previous save of that name intact. Without NAME, the session's current name or a timestamped one.
            """,
        example: "save digits-mlp",
        completions: sessionNames
    ) { ctx in
        let session = ctx.session
        guard ctx.args.positional.count <= 1 else { throw ShellError("save takes one name, got \(ctx.args.positional.count)") }
        let name = ctx.args.positional.first ?? session.name ?? SessionName.timestamped()
        try saveSession(session, as: name)
        ctx.console.print("saved session '\(name)' in \(session.sessionsDir)/\(name)")
    }

    /// Saves the live session under `name` and marks it saved.
    static func saveSession(_ session: LiveSession, as name: String) throws {
        var snapshot = SessionSnapshot(
            normalized: session.normalized, rng: ["training": session.rng.stateArray],
            lastTestAccuracy: session.lastTestAccuracy, commandHistory: session.commandHistory)
        if let dataset = session.dataset {
            snapshot.dataset = try DatasetRef.describing(source: dataset.source, name: dataset.name, files: dataset.files)
        }
        if let model = session.model { try snapshot.capture(model) }
        snapshot.shellSettings = settings(of: session)
        try SessionStore.save(snapshot, name: name, directory: session.sessionsDir)
        session.name = name
        session.hasUnsavedChanges = false
    }

    /// The shell's own state, as text in the manifest.
    static func settings(of session: LiveSession) -> [String: String] {
        var s = ["seed": String(session.seed)]
        if let preset = session.preset { s["preset"] = preset.name }
        let o = session.loadOptions
        s["load.label"] = DataCommands.labelWords.first { $0.value == o.labelColumn }?.key
        s["load.header"] = DataCommands.headerWords.first { $0.value == o.header }?.key
        s["load.test_fraction"] = String(o.testFraction)
        if let n = o.trainCount { s["load.train_count"] = String(n) }
        return s
    }

    static let restore = CommandSpec(
        name: "restore", group: .session, summary: "Bring back a saved session exactly as it was",
        usage: "NAME",
        details: """
            Everything is checked before anything changes: file checksums, the manifest, array shapes against the
            architecture, and the data set's checksum. If any check fails the live session stays as it was. If the data
            set's files are gone, the model is still restored and you are told how to reattach data; --no-data restores
            the model without looking for the data at all.
            """,
        options: [.flag("no-data", "restore the model and settings without the data set")],
        example: "restore digits-mlp",
        completions: sessionNames
    ) { ctx in
        guard ctx.args.positional.count == 1, let name = ctx.args.positional.first else {
            throw ShellError("usage: restore NAME", hint: "'sessions' lists the saved sessions")
        }
        let notes = try restoreSession(name, into: ctx.session, withData: !ctx.args.has("no-data"))
        let s = ctx.session
        var line = "restored session '\(name)'"
        if let d = s.dataset { line += ": \(d.name) (\(d.train.count.grouped) train / \(d.test.count.grouped) test)" + (s.normalized ? ", normalised" : "") }
        if let m = s.model { line += "; \(ModelCommands.oneLine(m)), \(m.history.nextEpoch - 1) epochs trained" }
        ctx.console.print(line)
        for note in notes { ctx.console.printError("note: " + note) }
    }

    /// Loads and validates `name`, builds everything, then replaces the live session's state in one go.
    /// Returns notes for the user (e.g. a missing data set).
    static func restoreSession(_ name: String, into session: LiveSession, withData: Bool) throws -> [String] {
        let loaded = try SessionStore.load(name: name, directory: session.sessionsDir, verifyDataset: withData)
        let snapshot = loaded.snapshot
        let settings = snapshot.shellSettings
        let manifestPath = "\(session.sessionsDir)/\(name)/manifest.json"
        let options = try loadOptions(from: settings, file: manifestPath)
        let seed = try settings["seed"].map { text in
            guard let seed = UInt64(text) else { throw ShellError("\(manifestPath): shell_settings.seed is '\(text)', expected a whole number 0 or more") }
            return seed
        } ?? session.seed
        let model = try snapshot.makeModel(seed: seed, file: manifestPath)
        let preset = try settings["preset"].map { presetName -> Preset in
            guard let p = Preset.named(presetName) else {
                throw ShellError("\(manifestPath): unknown preset '\(presetName)'")
            }
            return p
        }
        guard let words = snapshot.rng["training"], words.count == 4 else {
            throw ShellError("\(session.sessionsDir)/\(name)/state.npz: missing the training random generator state (rng/training)")
        }
        var notes: [String] = []
        var dataset: Dataset? = nil
        switch loaded.dataset {
        case .verified:
            if let ref = snapshot.dataset { dataset = try reload(ref, options: options) }
        case .missing(_, let note):
            notes.append(note)
        case .none:
            break
        }
        // Everything is built; hand it over.
        session.dataset = dataset
        session.loadOptions = options
        session.normalized = snapshot.normalized
        session.model = model
        session.preset = preset
        session.seed = seed
        session.rng = RNG(state: words)
        session.lastTestAccuracy = snapshot.lastTestAccuracy
        session.commandHistory = snapshot.commandHistory
        session.name = name
        session.hasUnsavedChanges = false
        return notes
    }

    /// The load options `settings(of:)` recorded; a value `load` would not accept is an error naming
    /// the setting (it would otherwise surface as a problem of the data file, or be ignored).
    static func loadOptions(from settings: [String: String], file: String) throws -> LoadOptions {
        func bad(_ key: String, _ expected: String) -> ShellError {
            ShellError("\(file): shell_settings.\(key) is '\(settings[key] ?? "")', expected \(expected)", hint: "the manifest was edited or damaged")
        }
        var o = LoadOptions()
        if let word = settings["load.label"] {
            guard let column = DataCommands.labelWords[word] else { throw bad("load.label", "first or last") }
            o.labelColumn = column
        }
        if let word = settings["load.header"] {
            guard let header = DataCommands.headerWords[word] else { throw bad("load.header", "yes or no") }
            o.header = header
        }
        if let text = settings["load.test_fraction"] {
            let range = LoadOptions.testFractions
            guard let f = Double(text), range.contains(f) else { throw bad("load.test_fraction", "a number from \(range.lowerBound) to \(range.upperBound)") }
            o.testFraction = f
        }
        if let text = settings["load.train_count"] {
            let range = LoadOptions.trainCounts
            guard let n = Int(text), range.contains(n) else {
                throw bad("load.train_count", "a whole number from \(range.lowerBound.grouped) to \(range.upperBound.grouped)")
            }
            o.trainCount = n
        }
        return o
    }

    /// Loads exactly the files the session recorded (already checked against their SHA-256).
    static func reload(_ ref: DatasetRef, options: LoadOptions) throws -> Dataset {
        let paths = ref.files.map(\.path)
        guard let first = paths.first else { throw ShellError("the saved data set lists no files") }
        let path = paths.count == 1 ? first : (first as NSString).deletingLastPathComponent
        var dataset = try DatasetLoader.load(path: path, options: options)
        if let name = ref.name { dataset.name = name }
        dataset.source = ref.source
        return dataset
    }

    static let sessions = CommandSpec(
        name: "sessions", group: .session, summary: "List saved sessions, or remove one",
        usage: "[rm NAME]",
        example: "sessions\nsessions rm old-experiment",
        completions: { session in ["rm"] + sessionNames(session) }
    ) { ctx in
        let words = ctx.args.positional
        let dir = ctx.session.sessionsDir
        if words.first == "rm" {
            guard words.count == 2 else { throw ShellError("usage: sessions rm NAME") }
            try SessionStore.remove(name: words[1], directory: dir)
            if ctx.session.name == words[1] { ctx.session.name = nil }
            ctx.console.print("removed session '\(words[1])'")
            return
        }
        guard words.isEmpty else { throw ShellError("usage: sessions | sessions rm NAME") }
        let entries = try SessionStore.list(directory: dir)
        let listing = entries.filter(\.isSession)
        // Other folders and files there are named once, so they are not taken for lost sessions.
        let others = entries.filter { !$0.isSession }.map(\.name)
        let footnote = others.isEmpty ? nil
            : "(\(others.count == 1 ? "1 entry" : "\(others.count) entries") in \(dir)/ \(others.count == 1 ? "is" : "are") not a session: \(others.joined(separator: ", ")))"
        guard !listing.isEmpty else {
            ctx.console.print("no sessions saved in \(dir)/ yet ('save NAME' saves one)")
            if let footnote { ctx.console.print(footnote) }
            return
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let rows = listing.map { s -> [String] in
            [s.name, s.savedAt.map { formatter.string(from: $0) } ?? "?", s.dataset ?? "-",
             s.problem.map { "damaged: \($0)" } ?? (s.model ?? "-"), String(s.epochsTrained),
             s.lastTestAccuracy.map { String(format: "%.4f", $0) } ?? "-", ProgressBar.formatBytes(Int(s.bytes))]
        }
        ctx.console.print(TableRenderer.plain(headers: ["name", "saved at", "data set", "model", "epochs", "test acc", "size"],
                                              rows: rows, alignRight: [4, 5, 6]))
        if let footnote { ctx.console.print(footnote) }
    }

    static let export = CommandSpec(
        name: "export", group: .session, summary: "Write the weights as .npz, or as Theta1/Theta2 text files",
        usage: "weights FILE.npz | theta DIR",
        details: """
            'export weights' writes every parameter under a self-explaining name (dense_1.kernel, shape (784, 512)) in an
            .npz that numpy.load opens. 'export theta' writes Theta1.txt (100x785) and Theta2.txt (10x101) for the
            784-100-10 sigmoid recipe in numpy.savetxt's layout, bias in column 0, for the classic numpy/scipy script.
            """,
        example: "export weights mlp.npz\nexport theta theta/",
        completions: { _ in ["weights", "theta"] }
    ) { ctx in
        let (kind, path) = try kindAndPath(ctx, verb: "export")
        let model = try ctx.session.requireModel()
        if kind == "weights" {
            try WeightsFile.export(model, to: path)
            ctx.console.print("wrote \(model.parameters.count) arrays (\(model.parameterCount.grouped) parameters) to \(path)")
        } else {
            try ThetaFiles.export(model, to: path)
            ctx.console.print("wrote \(path)/Theta1.txt and \(path)/Theta2.txt")
        }
    }

    static let importCommand = CommandSpec(
        name: "import", group: .session, summary: "Load weights from .npz or Theta text files into the model",
        usage: "weights FILE.npz | theta DIR",
        details: "The model's architecture must match; every mismatch (missing array, wrong shape) is listed and nothing changes.",
        example: "model preset lbfgs-sigmoid; import theta theta/",
        completions: { _ in ["weights", "theta"] }
    ) { ctx in
        let (kind, path) = try kindAndPath(ctx, verb: "import")
        let model = try ctx.session.requireModel()
        if kind == "weights" { try WeightsFile.importInto(model, from: path) } else { try ThetaFiles.importInto(model, from: path) }
        ctx.session.hasUnsavedChanges = true
        ctx.console.print("loaded \(kind) from \(path) into \(ModelCommands.oneLine(model))")
    }

    static func kindAndPath(_ ctx: CommandContext, verb: String) throws -> (String, String) {
        let words = ctx.args.positional
        guard words.count == 2, ["weights", "theta"].contains(words[0]) else {
            throw ShellError("usage: \(verb) weights FILE.npz | \(verb) theta DIR")
        }
        return (words[0], expandTilde(words[1]))
    }
}
