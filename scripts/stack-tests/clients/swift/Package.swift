// swift-tools-version:6.0
// A client of the API as a Swift user makes one: swift-openapi-generator's build plugin turns the
// running server's /openapi.json into types and a client, and two small programs drive it over
// each transport. Used by scripts/stack-tests/82-generated-clients.sh, which copies this package
// and the fetched document into .build-clients/ and builds it there; it is not part of the
// product's build (the repository's Package.swift does not know it).
import PackageDescription

let package = Package(
    name: "GeneratedClientCheck",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", exact: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
    ],
    targets: [
        // The generated code (Types.swift, Client.swift from openapi.json) and the bearer-token
        // middleware the generator leaves to the user.
        .target(
            name: "APIClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The calls and checks, whatever the transport.
        .target(name: "ClientFlow", dependencies: ["APIClient"]),
        .executableTarget(
            name: "ClientCheckURLSession",
            dependencies: ["ClientFlow", .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession")]
        ),
        // A product of its own: async-http-client (SwiftNIO) takes minutes to build, so the
        // test builds it only when asked to.
        .executableTarget(
            name: "ClientCheckAsyncHTTPClient",
            dependencies: [
                "ClientFlow",
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ]
        ),
    ]
)
