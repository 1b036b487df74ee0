// swift-tools-version:6.0
import PackageDescription

// Layering (see ../shared/ARCHITECTURE.md): swiftvec → API → (HTTP, JSON, Engine) ; Engine → Storage.
// Only HTTP imports CMicroHTTPD, only JSON imports CJansson, only Storage imports CLMDB, only Credentials
// imports CXCrypt.
let package = Package(
    name: "swiftvec",
    products: [
        .executable(name: "swiftvec", targets: ["swiftvec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // libxcrypt: yescrypt password hashes.
        .systemLibrary(name: "CXCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "Credentials", dependencies: ["CXCrypt"]),

        // simdjson (Debian: libsimdjson-dev) parses request bodies; jansson reports where invalid JSON breaks.
        .target(name: "CSimdJSON", cxxSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("simdjson")]),
        .target(name: "JSON", dependencies: ["CJansson", "CSimdJSON"]),
        .target(name: "Storage", dependencies: ["CLMDB"]),
        .target(name: "Filter"),
        // C kernels: Float32 L2 and dot (AVX-512 or AVX2, chosen at load), IVF_SQ8 codes, a prefetch hint.
        .target(name: "CVectorSupport"),
        // Distance kernels: built for AVX2+FMA, without which Swift SIMD falls back to scalar code.
        .target(name: "VectorCore", dependencies: ["CVectorSupport"], swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]),
        // Graph traversal touches class state in tight loops: dynamic exclusivity checks cost more than the
        // distances there; the index types document their own locking instead.
        .target(name: "VectorIndex", dependencies: ["VectorCore", "CVectorSupport"],
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell", "-enforce-exclusivity=unchecked"])]),
        .target(name: "HTTP", dependencies: ["CMicroHTTPD"]),
        // Engine uses the JSON value type (not jansson) for JSON fields and the dynamic field. Built for AVX2 like
        // the kernels (which the binary needs anyway): a filter's passes over whole columns vectorise with it.
        .target(name: "Engine", dependencies: ["Storage", "Filter", "VectorCore", "VectorIndex", "JSON", "Credentials", .product(name: "Logging", package: "swift-log")],
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]),
        // The API contract (`openapi.yaml` at the top, linked here, and its JSON form) is embedded in the binary.
        .target(name: "API", dependencies: ["Engine", "HTTP", "JSON", "VectorCore", .product(name: "Logging", package: "swift-log")],
                resources: [.embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/openapi.json")]),
        .executableTarget(
            name: "swiftvec",
            dependencies: [
                "API", "Engine", "HTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Storage", "Filter", "JSON", "VectorIndex", "VectorCore"]),
        .testTarget(name: "FilterTests", dependencies: ["Filter"]),
        .testTarget(name: "VectorCoreTests", dependencies: ["VectorCore", "CVectorSupport"]),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex", "VectorCore"]),
        // Live tests: they start the real `swiftvec` binary and talk HTTP to it.
        .testTarget(name: "APITests", dependencies: ["JSON"]),
    ],
    cxxLanguageStandard: .cxx17
)
