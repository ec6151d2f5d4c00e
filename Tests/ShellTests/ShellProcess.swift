import Foundation
import XCTest

/// Runs the built `mnist-shell` executable as a user would, non-interactively.
struct ShellProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root (for the set-up step's data/ directory).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits next to the test bundle in the build products directory.
    static var executable: URL {
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("mnist-shell")
    }

    /// The 5,000-digit sample the set-up step installs.
    static let sampleDataDir = packageRoot.appendingPathComponent("data").path

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MNIST_SHELL_OFFLINE"] = "1"
        env["MNIST_SHELL_DATA"] = sampleDataDir
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full stderr pipe can't block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func requireFashion() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed (run scripts/setup.sh)")
        }
    }

    static func requireSample() throws {
        guard FileManager.default.fileExists(atPath: sampleDataDir + "/mnist_5k.csv.gz") else {
            throw XCTSkip("the MNIST sample is not installed (run scripts/setup.sh)")
        }
    }
}
