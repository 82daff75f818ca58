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
                    let writer = RawFrameWriter()
                    let encoder = try channel.pipeline.syncOperations.handler(type: WebSocketFrameEncoder.self)
                    try channel.pipeline.syncOperations.addHandler(writer, position: .before(encoder))
                    let connection = ChatConnection(
                        hub: hub, shard: hub.shard(for: channel.eventLoop), route: route,
                        language: language, requestID: head.headers.first(name: "x-request-id"),
                        writer: writer)
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            })
        // SwiftNIO hands a request that asked for an upgrade but was refused (or whose handshake
        // was malformed) to nobody: the recorder keeps its head for the answer.
        let recorder = RequestHeadRecorder()
        let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Void>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let refusedUpgrade = recorder.head.flatMap { wantsAnyUpgrade($0) ? $0 : nil }
                    try channel.pipeline.syncOperations.addHandler(HTTPAnswerHandler(hub: hub, refusedUpgrade: refusedUpgrade))
                }
            })
        var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrades)
        configuration.enablePipelining = false
        _ = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
        let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<Void>.self)
        try channel.pipeline.syncOperations.addHandler(recorder, position: .before(upgradeHandler))
    }

    /// Whether SwiftNIO treats the request as an upgrade request (any `Upgrade` header).
    static func wantsAnyUpgrade(_ head: HTTPRequestHead) -> Bool {
        !head.headers[canonicalForm: "upgrade"].isEmpty
    }

    static func decide(_ head: HTTPRequestHead, hub: ChatHub) -> ChatHandshake.Decision {
        ChatHandshake.decide(
            method: head.method.rawValue, target: head.uri, origin: head.headers.first(name: "origin"),
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

/// Remembers the request head on its way to the upgrade handler, then leaves the pipeline
/// (after an upgrade, WebSocket bytes follow, which it must not see).
final class RequestHeadRecorder: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only (the not-upgrading closure runs there).
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private(set) var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { self.head = head }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
