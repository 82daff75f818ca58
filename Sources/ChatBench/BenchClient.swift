import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Monotonic nanoseconds: sender and receivers run in this one process, on one clock.
func nowNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// What every client records, merged at the end.
final class BenchStats: Sendable {
    struct Phase {
        var latenciesMicroseconds: [UInt32] = []
    }

    private let phases = NIOLockedValueBox<[Int: Phase]>([:])
    let joined = NIOLockedValueBox(0)
    let failed = NIOLockedValueBox(0)
    let closed = NIOLockedValueBox(0)
    let lastEventNanoseconds = NIOLockedValueBox<UInt64>(0)

    func merge(phase: Int, latencies: [UInt32]) {
        guard !latencies.isEmpty else { return }
        phases.withLockedValue { $0[phase, default: Phase()].latenciesMicroseconds += latencies }
    }

    func latencies(phase: Int) -> [UInt32] {
        phases.withLockedValue { $0[phase]?.latenciesMicroseconds ?? [] }
    }
}

/// One chat client: joins (ping → pong), answers the server's pings, and for every benchmark
/// message (`content` = `b:<phase>:<seq>:<sent ns>`) records how long it took to arrive.
final class BenchClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let stats: BenchStats
    /// Called on the loop for every benchmark message this client receives (the sender uses it).
    var onBenchMessage: ((Int, UInt64) -> Void)?
    private var context: ChannelHandlerContext?
    private var joined = false
    private var pending: [Int: [UInt32]] = [:]
    private var assembling: ByteBuffer?

    init(stats: BenchStats) {
        self.stats = stats
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The upgrade handler is still in the pipeline now and leaves it in this same turn of
        // the loop: write once it is gone.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.send(#"{"type":"ping"}"#) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stats.closed.withLockedValue { $0 += 1 }
        flushStats()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(
                    WebSocketFrame(
                        fin: true, opcode: .pong, maskKey: .random(),
                        data: frame.unmaskedData)), promise: nil)
        case .text:
            handleText(frame.unmaskedData)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private static let pong = Array(#"{"type":"pong"}"#.utf8)
    private static let marker = Array(#""content":"b:"#.utf8)

    private func handleText(_ buffer: ByteBuffer) {
        let received = nowNanoseconds()
        let bytes = Array(buffer: buffer)
        if !joined, bytes == Self.pong {
            joined = true
            stats.joined.withLockedValue { $0 += 1 }
            return
        }
        guard let start = Self.find(Self.marker, in: bytes) else { return }
        // b:<phase>:<seq>:<sent ns>"
        var fields: [UInt64] = []
        var value: UInt64 = 0
        var index = start + Self.marker.count
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                value = value * 10 + UInt64(byte - 0x30)
            } else if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "\"") {
                fields.append(value)
                value = 0
                if byte == UInt8(ascii: "\"") { break }
            } else {
                break
            }
            index += 1
        }
        guard fields.count == 3 else { return }
        let phase = Int(fields[0])
        let latency = received >= fields[2] ? (received - fields[2]) / 1000 : 0
        pending[phase, default: []].append(UInt32(min(latency, UInt64(UInt32.max))))
        stats.lastEventNanoseconds.withLockedValue { $0 = max($0, received) }
        onBenchMessage?(phase, fields[1])
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Hands the recorded latencies to the shared stats (call on the loop).
    func flushStats() {
        for (phase, latencies) in pending { stats.merge(phase: phase, latencies: latencies) }
        pending = [:]
    }

    func send(_ text: String) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)),
            promise: nil)
    }
}

/// Opens one WebSocket connection and puts `handler` on it.
func connectClient(
    group: any EventLoopGroup, host: String, port: Int, path: String,
    makeHandler: @escaping @Sendable (any Channel) -> BenchClientHandler
) -> EventLoopFuture<any Channel> {
    ClientBootstrap(group: group)
        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        .connectTimeout(.seconds(10))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<Void>(
                    maxFrameSize: 1 << 20,
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(makeHandler(channel))
                        }
                    })
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: "\(host):\(port)")
                let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                let configuration = NIOTypedHTTPClientUpgradeConfiguration<Void>(
                    upgradeRequestHead: head, upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.close(promise: nil)
                        return channel.eventLoop.makeSucceededVoidFuture()
                    })
                _ = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                    configuration: .init(upgradeConfiguration: configuration))
            }
        }
        .connect(host: host, port: port)
}
