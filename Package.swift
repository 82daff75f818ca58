// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "SwiftFastAPI",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "FCGIApp", targets: ["FCGIApp"]),
        .executable(name: "JobRunner", targets: ["JobRunner"]),
        .executable(name: "ChatDaemon", targets: ["ChatDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        // C libraries, each imported by exactly one Swift target.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "CPrefork"),

        // JSON values, a strict parser and a writer (Python's output, byte for byte); no dependencies.
        .target(name: "JSON", swiftSettings: strict),
        // Pure Swift: HTTP model, routing, validation, configuration.
        .target(name: "AppCore", dependencies: ["JSON", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // libpq wrapper and migrations.
        .target(name: "Postgres", dependencies: ["CLibPQ"], swiftSettings: strict),
        // OpenSSL and libcrypt wrappers: random bytes, HMAC, JWT, bcrypt password hashes.
        .target(name: "CryptoSupport", dependencies: ["COpenSSL", "CCrypt", "JSON"], swiftSettings: strict),
        // Identity shared by the REST API and the chat: the seed's HS256 tokens, about ids and claims.
        .target(name: "Identity", dependencies: ["CryptoSupport"], swiftSettings: strict),
        // The job queue: the jobs table, enqueue (in the caller's transaction), claims, campaigns.
        .target(name: "JobQueue", dependencies: ["JSON", "AppCore", "Postgres"], swiftSettings: strict),
        // Mail delivery: MIME, SMTP over TLS (through CryptoSupport), maildir.
        .target(name: "Mail", dependencies: ["CryptoSupport"], swiftSettings: strict),
        // The job runner: claims due jobs, sends mail, records outcomes (run once, --loop, status).
        .target(
            name: "Jobs",
            dependencies: ["JobQueue", "Mail", "AppCore", "Postgres", "CPrefork",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The API: controllers and their SQL.
        .target(name: "Handlers", dependencies: ["JSON", "AppCore", "Postgres", "CryptoSupport", "Identity", "JobQueue", "ChatCore"], swiftSettings: strict),
        // Process manager (master, pool, signals) and the libfcgi worker loop.
        .target(
            name: "FCGIServer",
            dependencies: ["CFastCGI", "CPrefork", "AppCore", "Postgres", "Handlers", "CryptoSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Command line: serve, migrate.
        .executableTarget(
            name: "FCGIApp",
            dependencies: ["FCGIServer", "AppCore", "Postgres", "Handlers", "CPrefork",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // The job runner's command line (cron: `JobRunner run once`).
        .executableTarget(
            name: "JobRunner",
            dependencies: ["Jobs", "AppCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // WebSocket chat: the protocol, rooms and limits as pure logic (no I/O), and the daemon
        // (SwiftNIO event loops; PostgreSQL on threads of its own, LISTEN/NOTIFY between daemons).
        .target(name: "ChatCore", dependencies: ["JSON", "AppCore"], swiftSettings: strict),
        .target(
            name: "ChatServer",
            dependencies: ["ChatCore", "AppCore", "Postgres", "Identity", "CryptoSupport",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOWebSocket", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ChatDaemon",
            dependencies: ["ChatServer", "ChatCore", "AppCore", "CPrefork", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Load generator of `scripts/bench ws`: many WebSocket clients in one process.
        .executableTarget(
            name: "ChatBench",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOWebSocket", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict
        ),

        // Helpers shared by the test targets: a throwaway database per test run.
        .target(name: "TestSupport", dependencies: ["Postgres"], swiftSettings: strict),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "AppCoreTests", dependencies: ["JSON", "AppCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "CryptoSupportTests", dependencies: ["CryptoSupport"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "CryptoSupport"]),
        .testTarget(name: "HandlersTests", dependencies: ["JSON", "Handlers", "AppCore", "Postgres", "TestSupport"]),
        .testTarget(name: "MailTests", dependencies: ["Mail", "CryptoSupport"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "JobQueue", "Mail", "AppCore", "Postgres", "TestSupport",
                                                      .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ChatCoreTests", dependencies: ["JSON", "ChatCore", "AppCore"]),
        .testTarget(name: "ChatServerTests", dependencies: ["ChatServer", "ChatCore", "AppCore", "Identity", "CryptoSupport", "Postgres", "TestSupport",
                                                            .product(name: "NIOCore", package: "swift-nio"),
                                                            .product(name: "NIOEmbedded", package: "swift-nio"),
                                                            .product(name: "NIOWebSocket", package: "swift-nio"),
                                                            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "FCGIServerTests", dependencies: ["JSON", "FCGIServer", "AppCore", "Handlers", "Postgres", "CPrefork",
                                                           .product(name: "Logging", package: "swift-log")]),
    ]
)
