import AppCore
import ChatCore
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The handlers of a new connection: HTTP/1.1 with the WebSocket upgrade (SwiftNIO's
/// `NIOTypedWebSocketServerUpgrader`: handshake, frame decoder with `WS_MAX_FRAME_BYTES`, frame
/// encoder), then a `ChatConnection`; requests that do not upgrade get an `HTTPAnswerHandler`.
enum ChatPipeline {
    static func configure(_ channel: any Channel, hub: ChatHub) throws {
        let upgrader = NIOTypedWebSocketServerUpgrader<Void>(
            maxFrameSize: hub.configuration.maxFrameBytes,
            enableAutomaticErrorHandling: false,
            shouldUpgrade: { channel, head in
                guard case .accept = decide(head, hub: hub), hub.acceptsConnections else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard case .accept(let route, let language) = decide(head, hub: hub) else {
                        throw ChatPipelineError.refused
                    }
                    let connection = ChatConnection(hub: hub, shard: hub.shard(for: channel.eventLoop), route: route,
                                                    language: language, requestID: head.headers.first(name: "x-request-id"))
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            })
        let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Void>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPAnswerHandler(hub: hub))
                }
            })
        var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrades)
        configuration.enablePipelining = false
        _ = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
    }

    static func decide(_ head: HTTPRequestHead, hub: ChatHub) -> ChatHandshake.Decision {
        ChatHandshake.decide(method: head.method.rawValue, target: head.uri, origin: head.headers.first(name: "origin"),
                             acceptLanguage: head.headers.first(name: "accept-language"),
                             wantsUpgrade: wantsWebSocket(head), origins: hub.origins)
    }

    /// The request asks for `Upgrade: websocket`.
    static func wantsWebSocket(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }
}

enum ChatPipelineError: Error {
    case refused
}
