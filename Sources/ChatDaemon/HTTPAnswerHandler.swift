import AppCore
import ChatCore
import NIOCore
import NIOHTTP1

/// Answers the HTTP requests that do not become chat connections: `/ws/health`, and the
/// refusals of `ChatHandshake` (404, 405, 422, 403, 426), of a full or stopping daemon (503),
/// and of a malformed WebSocket handshake (400). One request per connection.
final class HTTPAnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let hub: ChatHub
    private let refusedUpgrade: HTTPRequestHead?
    private var answered = false

    /// - Parameter refusedUpgrade: the head of an upgrade request that was refused; SwiftNIO
    ///   does not pass such a request on, so it is answered as soon as the handler is added.
    init(hub: ChatHub, refusedUpgrade: HTTPRequestHead?) {
        self.hub = hub
        self.refusedUpgrade = refusedUpgrade
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let refusedUpgrade { respond(to: refusedUpgrade, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        respond(to: head, context: context)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let response = answer(head)
        var headers = NIOHTTP1.HTTPHeaders()
        for field in response.headers { headers.add(name: field.name, value: field.value) }
        headers.replaceOrAdd(name: "Content-Length", value: String(head.method == .HEAD ? 0 : response.body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        let status = HTTPResponseStatus(statusCode: response.status.code, reasonPhrase: response.status.reason)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            var body = context.channel.allocator.buffer(capacity: response.body.count)
            body.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused upgrade is reported as an error too; its request is answered in channelRead.
        if error is IOError { context.close(promise: nil) }
    }

    private func answer(_ head: HTTPRequestHead) -> Response {
        let language = MessageLanguage(acceptLanguage: head.headers.first(name: "accept-language"))
        switch ChatHandshake.decide(
            method: head.method.rawValue, target: head.uri,
            origin: head.headers.first(name: "origin"),
            acceptLanguage: head.headers.first(name: "accept-language"),
            wantsUpgrade: ChatPipeline.wantsWebSocket(head), origins: hub.origins)
        {
        case .health:
            let snapshot = hub.snapshot
            let ready = snapshot.listening && !snapshot.stopping
            return Response.json(ready ? .ok : .serviceUnavailable) { json in
                json.beginObject()
                json.key("status")
                json.value(ready ? "ok" : "unavailable")
                json.key("listener")
                json.value(snapshot.listening ? "up" : "down")
                json.key("connections")
                json.value(snapshot.connections)
                json.key("dropped_slow")
                json.value(snapshot.droppedSlow)
                json.key("dropped_unresponsive")
                json.value(snapshot.droppedDead)
                json.endObject()
            }
        case .reject(let response):
            return response
        case .accept:
            // The upgrade was refused after all: full, stopping, or a malformed handshake.
            if !hub.acceptsConnections {
                return HTTPError(.serviceUnavailable, ChatTexts.tooManyConnections).response(language: language)
            }
            return HTTPError(.badRequest, Message("Invalid WebSocket handshake")).response(language: language)
        }
    }
}
