// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "SwiftFastAPI",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "FCGIApp", targets: ["FCGIApp"]),
        .executable(name: "JobRunner", targets: ["Jobs"]),
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
        // What every executable needs from the system (environ, LOG_FILE, a signal self-pipe), and
        // the pool's own C side (workers' signals, request timer, rate table, scoreboard).
        .target(name: "CProcess"),
        .target(name: "CPrefork", dependencies: ["CProcess"]),

        // JSON values, a strict parser and a writer (Python's output, byte for byte); no dependencies.
        .target(name: "JSON", swiftSettings: strict),
        // Pure Swift: HTTP model, routing, validation, configuration.
        .target(name: "AppCore", dependencies: ["JSON", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // The one start-up path of the three executables: environment and .env, LOG_FILE and its
        // reopening, the JSON log bootstrap, the signal self-pipe, terminal lines.
        .target(
            name: "Startup", dependencies: ["AppCore", "CProcess", "Postgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
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
        // The job runner (the executable JobRunner; cron: `JobRunner run once`): claims due jobs,
        // sends mail, records outcomes, keeps the tables bounded (run once, --loop, status).
        .executableTarget(
            name: "Jobs",
            dependencies: [
                "JobQueue", "Mail", "AppCore", "Postgres", "Startup",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The API: controllers and their SQL.
        .target(
            name: "Handlers",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), "JSON", "AppCore", "Postgres", "CryptoSupport", "Identity",
                "JobQueue", "ChatCore", "ChatHistory",
            ], swiftSettings: strict),
        // Process manager (master, pool, signals) and the libfcgi worker loop.
        .target(
            name: "FCGIServer",
            dependencies: [
                "CFastCGI", "CPrefork", "Startup", "AppCore", "CryptoSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Command line: serve, migrate.
        .executableTarget(
            name: "FCGIApp",
            dependencies: [
                "CryptoSupport", "FCGIServer", "AppCore", "Postgres", "Handlers", "JobQueue", "Startup",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // WebSocket chat: the protocol, rooms and limits as pure logic (no I/O), and the daemon
        // (SwiftNIO event loops; PostgreSQL on threads of its own, LISTEN/NOTIFY between daemons).
        .target(name: "ChatCore", dependencies: ["JSON", "AppCore"], swiftSettings: strict),
        // The stored chat (chat_messages): storing, replaying, paging, one decoder of a stored message.
        .target(name: "ChatHistory", dependencies: ["ChatCore", "Postgres"], swiftSettings: strict),
        // The chat daemon: SwiftNIO event loops for the clients, PostgreSQL on threads of its own
        // (the store and the LISTEN side), the hub and its room shards.
        .executableTarget(
            name: "ChatDaemon",
            dependencies: [
                "ChatCore", "ChatHistory", "AppCore", "Postgres", "Identity", "CryptoSupport", "Startup",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Load generator of `scripts/bench ws`: many WebSocket clients in one process.
        .executableTarget(
            name: "ChatBench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // Helpers shared by the test targets: a throwaway database per test run.
        .target(name: "TestSupport", dependencies: ["Postgres"], swiftSettings: strict),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "StartupTests", dependencies: ["Startup"]),
        .testTarget(name: "AppCoreTests", dependencies: [.product(name: "Logging", package: "swift-log"), "JSON", "AppCore"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "CryptoSupportTests", dependencies: ["CryptoSupport"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "CryptoSupport"]),
        .testTarget(
            name: "HandlersTests",
            dependencies: [
                "CryptoSupport", .product(name: "Logging", package: "swift-log"), "JSON", "Handlers", "AppCore", "Postgres",
                "TestSupport",
            ]),
        .testTarget(name: "MailTests", dependencies: ["Mail", "CryptoSupport"]),
        .testTarget(
            name: "JobsTests",
            dependencies: [
                "Startup", "Jobs", "JobQueue", "Mail", "AppCore", "Postgres", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "ChatCoreTests", dependencies: ["JSON", "ChatCore", "AppCore"]),
        .testTarget(
            name: "ChatDaemonTests",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), "ChatDaemon", "ChatCore", "AppCore", "Identity",
                "CryptoSupport", "Postgres", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "FCGIServerTests",
            dependencies: [
                "JSON", "FCGIServer", "FCGIApp", "AppCore", "Handlers", "Postgres", "CPrefork",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
