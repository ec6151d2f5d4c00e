// swift-tools-version:6.0
import PackageDescription

// Libraries carry no terminal I/O; the `mnist-shell` executable is the only place that talks to a TTY.
let package = Package(
    name: "mnist-shell",
    products: [
        .executable(name: "mnist-shell", targets: ["mnist-shell"]),
        .executable(name: "mnist-bench", targets: ["mnist-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian: libreadline-dev, libopenblas-dev, zlib1g-dev.
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // MNISTData only: libcrypto (libssl-dev) for SHA-256, libpng-dev, libjpeg62-turbo-dev.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        // Tiny C helpers: CPU feature probe, async-signal-safe SIGINT flag.
        .target(name: "CSupport", path: "Sources/CSupport"),
        // The engine's worker threads (spin-then-sleep pool); OpenBLAS runs single-threaded inside it.
        .target(name: "CThreadPool", path: "Sources/CThreadPool"),
        // Element-wise loops with a run-time-picked AVX version (Swift emits baseline SSE only).
        .target(name: "CKernels", path: "Sources/CKernels"),

        .target(name: "MNISTData", dependencies: ["CZlib", "CCrypto", "CPNG", "CJPEG"]),
        .target(name: "TextGraphics", dependencies: ["CZlib"]),
        .target(name: "NeuralNet", dependencies: ["COpenBLAS", "CSupport", "CThreadPool", "CKernels"], exclude: ["README.md"]),
        // Session save/restore: manifest + npz arrays, atomic directory swap (renameat2 helper in CSessionSupport).
        .target(name: "CSessionSupport", path: "Sources/CSessionSupport"),
        .target(name: "SessionStore", dependencies: ["NeuralNet", "MNISTData", "CZlib", "CSessionSupport"]),
        // Test-only: saves a session in a loop until killed (the atomic-save kill test drives it).
        .executableTarget(name: "session-save-stress", dependencies: ["SessionStore"]),
        .target(name: "ShellCore", dependencies: ["MNISTData", "TextGraphics", "NeuralNet", "SessionStore", "CSupport"]),
        .executableTarget(
            name: "mnist-shell",
            dependencies: [
                "ShellCore", "MNISTData", "CReadline", "CSupport", "NeuralNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "mnist-bench",
            dependencies: ["MNISTData", "NeuralNet", "CKernels", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "MNISTDataTests", dependencies: ["MNISTData", "CZlib", "CPNG"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TextGraphicsTests", dependencies: ["TextGraphics"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "CZlib", "CThreadPool", "CKernels"]),
        .testTarget(name: "SessionStoreTests", dependencies: ["SessionStore", "session-save-stress"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ShellTests", dependencies: ["ShellCore", "NeuralNet", "mnist-shell"]),
    ]
)
