import ChatCore
import Glibc
import Logging
import NIOCore
import NIOPosix

/// The WebSocket chat daemon: event loops for the clients, a `ChatStore` thread that writes to
/// PostgreSQL and a `ChatListener` thread that LISTENs, tied together by a `ChatHub`.
public final class ChatServer {
    private let configuration: ChatConfiguration
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let store: ChatStore
    private let hub: ChatHub
    private let listener: ChatListener
    private var serverChannel: (any Channel)?

    public init(configuration: ChatConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        store = ChatStore(conninfo: conninfo(configuration.app.databaseURL, applicationName: "chatd"), logger: logger)
        let hub = ChatHub(configuration: configuration, store: store, logger: logger)
        self.hub = hub
        listener = ChatListener(
            conninfo: conninfo(configuration.app.databaseURL, applicationName: "chatd-listen"), logger: logger,
            deliver: { hub.deliver($0) }, stateChanged: { hub.listenerChanged(up: $0) })
    }

    /// The address actually bound (the port is known after `start` when 0 was asked for).
    public var boundAddress: String {
        guard let address = serverChannel?.localAddress else { return configuration.listen.description }
        if let path = address.pathname { return "unix:\(path)" }
        return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }

    /// Binds and starts serving; throws when the address cannot be bound.
    public func start() throws {
        if let limit = raiseOpenFileLimit() {
            logger.debug("Open file limit", metadata: ["soft": "\(limit.soft)", "hard": "\(limit.hard)"])
        }
        try hub.makeShards(on: group.makeIterator().map { $0 })
        let hub = self.hub
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try ChatPipeline.configure(channel, hub: hub) }
            }
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .childChannelOption(.maxMessagesPerRead, value: 16)
        switch configuration.listen {
        case .tcp(let host, let port):
            bootstrap = bootstrap.childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            serverChannel = try bootstrap.bind(host: host, port: port).wait()
        case .unix(let path):
            serverChannel = try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
            chmod(path, 0o660)
        }
        listener.start()
        let seconds = configuration.pingIntervalSeconds
        hub.forEachShard { $0.startHeartbeat(seconds: seconds) }
        logger.notice(
            "Chat daemon listening",
            metadata: [
                "address": "\(boundAddress)", "threads": "\(configuration.threads)", "daemon": "\(hub.daemonID)",
            ])
    }

    /// Stops gracefully: no new connections; every client gets a close frame 1001; waits up to
    /// `WS_SHUTDOWN_GRACE_SECONDS` for them to answer, cuts the rest, sends the leave notices,
    /// then stops the threads.
    public func shutdown() {
        logger.notice("Chat daemon stopping", metadata: ["connections": "\(hub.connectionCount)"])
        hub.beginStopping()
        try? serverChannel?.close().wait()
        let grace = configuration.shutdownGraceSeconds
        hub.forEachShard { shard in
            shard.stopHeartbeat()
            shard.closeAll(.goingAway, reason: "server shutting down", graceSeconds: grace)
        }
        let deadline = monotonicNanoseconds() + UInt64(grace) * 1_000_000_000 + 500_000_000
        while hub.connectionCount > 0 && monotonicNanoseconds() < deadline {
            usleepMilliseconds(20)
        }
        hub.forEachShard { $0.abortAll() }
        let cutoff = monotonicNanoseconds() + 1_000_000_000
        while hub.connectionCount > 0 && monotonicNanoseconds() < cutoff {
            usleepMilliseconds(10)
        }
        store.stop()
        listener.stop()
        try? group.syncShutdownGracefully()
        if case .unix(let path) = configuration.listen { unlink(path) }
        logger.notice("Chat daemon stopped")
    }
}
