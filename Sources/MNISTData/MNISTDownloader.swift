import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads the four MNIST IDX .gz files, verifying each against its published SHA-256.
///
///     try MNISTDownloader.download(into: "data", timeout: 15,
///                                  progress: { file, done, total in ... }, cancelled: { false })
public struct MNISTDownloader {
    public typealias FileSpec = (name: String, sha256: String, size: Int)

    /// The published files with their SHA-256 and size (tensorflow/datasets `url_checksums/mnist.txt`).
    public static let files: [FileSpec] = [
        ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
        ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
        ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
        ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
    ]

    /// Base URLs tried in order; a file name is appended to each.
    public static let mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]

    /// Fetches `url` into the file `destination`, reporting bytes done and the total if known, and
    /// stopping (with an error) when `cancelled` returns true.
    public typealias Fetch = (_ url: URL, _ destination: String, _ timeout: Double,
                              _ progress: (Int64, Int64?) -> Void, _ cancelled: () -> Bool) throws -> Void

    /// Downloads the files missing from `dataDir`, trying each mirror in turn. Each file is written
    /// to a temporary name, checked (size and SHA-256) and only then renamed into place, so an
    /// interrupted download never leaves a damaged file under the real name.
    ///
    /// - Parameters:
    ///   - timeout: seconds without progress before a connection is given up.
    ///   - mirrors, files, fetch: replaceable for tests and private mirrors.
    ///   - progress: called on the calling thread with the file name, bytes done and total.
    ///   - cancelled: polled while downloading; return true to stop.
    public static func download(into dataDir: String, timeout: Double,
                                mirrors: [String] = mirrors, files: [FileSpec] = files,
                                fetch: @escaping Fetch = httpFetch,
                                progress: (_ file: String, _ done: Int64, _ total: Int64?) -> Void,
                                cancelled: () -> Bool) throws {
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: dataDir, message: "cannot create the data directory: \(fileErrorReason(error))")
        }
        for file in files {
            let target = (dataDir as NSString).appendingPathComponent(file.name)
            if FileManager.default.fileExists(atPath: target) { continue }
            let partial = (dataDir as NSString).appendingPathComponent(".\(file.name).part")
            var failures: [String] = []
            var done = false
            for mirror in mirrors where !done {
                guard let url = URL(string: mirror.hasSuffix("/") ? mirror + file.name : mirror + "/" + file.name) else {
                    failures.append("\(mirror): not a valid URL")
                    continue
                }
                try? FileManager.default.removeItem(atPath: partial)
                do {
                    try fetch(url, partial, timeout, { progress(file.name, $0, $1 ?? Int64(file.size)) }, { cancelled() })
                    try verify(partial, file: file, url: url)
                    try? FileManager.default.removeItem(atPath: target)
                    try FileManager.default.moveItem(atPath: partial, toPath: target)
                    done = true
                } catch {
                    try? FileManager.default.removeItem(atPath: partial)
                    if cancelled() {
                        throw DataError(file: url.absoluteString, message: "download cancelled", hint: "files already complete were kept")
                    }
                    failures.append("\(url.absoluteString): \((error as? DataError)?.message ?? fileErrorReason(error))")
                }
            }
            if !done {
                throw DataError(file: file.name, message: "download failed from every mirror: " + failures.joined(separator: "; "),
                                hint: "check the internet connection, or copy the four MNIST .gz files into \(dataDir) by hand")
            }
        }
    }

    private static func verify(_ path: String, file: FileSpec, url: URL) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        guard size == file.size else {
            throw DataError(file: url.absoluteString, message: "got \(size.grouped) bytes, expected \(file.size.grouped)")
        }
        let digest = try SHA256.hexOfFile(path)
        guard digest == file.sha256 else {
            throw DataError(file: url.absoluteString, message: "checksum mismatch: SHA-256 \(digest), expected \(file.sha256)")
        }
    }

    /// Fetches over HTTP(S) with URLSession, synchronously, streaming into `destination`.
    public static func httpFetch(_ url: URL, _ destination: String, _ timeout: Double,
                                 _ progress: (Int64, Int64?) -> Void, _ cancelled: () -> Bool) throws {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw DataError(file: destination, message: "cannot create the file")
        }
        defer { try? output.close() }
        let transfer = Transfer(output: output)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout * 40, 600)
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: url)
        task.resume()
        var state = transfer.state
        while !state.finished {
            _ = transfer.done.wait(timeout: .now() + 0.1)
            state = transfer.state
            progress(state.received, state.expected)
            if cancelled() {
                task.cancel()
                throw DataError(file: url.absoluteString, message: "download cancelled")
            }
        }
        if let failure = state.failure {
            throw DataError(file: url.absoluteString, message: failure)
        }
    }

    /// URLSession delegate that streams the body to a file and records progress under a lock.
    private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        struct State {
            var received: Int64 = 0
            var expected: Int64?
            var finished = false
            var failure: String?
        }

        let done = DispatchSemaphore(value: 0)
        private let output: FileHandle
        private let lock = NSLock()
        private var current = State()

        init(output: FileHandle) { self.output = output }

        var state: State { lock.withLock { current } }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                lock.withLock { current.failure = "HTTP status \(http.statusCode)" }
                completionHandler(.cancel)
                return
            }
            lock.withLock { current.expected = response.expectedContentLength > 0 ? response.expectedContentLength : nil }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            do {
                try output.write(contentsOf: data)
                lock.withLock { current.received += Int64(data.count) }
            } catch {
                lock.withLock { current.failure = "cannot write: \(fileErrorReason(error))" }
                dataTask.cancel()
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            lock.withLock {
                if let error, current.failure == nil { current.failure = error.localizedDescription }
                current.finished = true
            }
            done.signal()
        }
    }
}
