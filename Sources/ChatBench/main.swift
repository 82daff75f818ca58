import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

// ChatBench: load for the chat daemon (used by `scripts/bench ws`).
//
// Opens CLIENTS connections to one room (plus one sender), then measures two phases:
//   1. fixed rate: the sender sends RATE messages a second for SECONDS; every delivery's latency
//      (sender's clock to receiver's clock, one process) is recorded;
//   2. saturation: the sender keeps WINDOW messages in flight (the next one goes when one of its
//      own comes back) for SECONDS: broadcast messages a second at full load.
// Prints messages/s, deliveries/s and latency percentiles per phase.

struct Options {
    var host = "127.0.0.1"
    var port = 8080
    var room = "bench"
    var token = ""
    var clients = 1000
    var threads = 2
    var rate = 20
    var seconds = 10
    var window = 8
    var concurrency = 100
    var payloadBytes = 100
    /// The daemon's pid, to report its memory (`/proc/PID/status`).
    var daemonPID: Int32?

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { Self.usage("missing value for \(name)") }
            switch name {
            case "--host": host = value
            case "--port": port = Int(value) ?? port
            case "--room": room = value
            case "--token": token = value
            case "--clients": clients = Int(value) ?? clients
            case "--threads": threads = Int(value) ?? threads
            case "--rate": rate = Int(value) ?? rate
            case "--seconds": seconds = Int(value) ?? seconds
            case "--window": window = Int(value) ?? window
            case "--concurrency": concurrency = Int(value) ?? concurrency
            case "--payload-bytes": payloadBytes = Int(value) ?? payloadBytes
            case "--daemon-pid": daemonPID = Int32(value)
            default: Self.usage("unknown option \(name)")
            }
        }
        if token.isEmpty { Self.usage("--token is required") }
    }

    static func usage(_ problem: String) -> Never {
        print(
            """
            ChatBench: \(problem)
            usage: ChatBench --token TOKEN [--host 127.0.0.1] [--port 8080] [--room bench] [--clients 1000]
                   [--threads 2] [--rate 20] [--seconds 10] [--window 8] [--concurrency 100] [--payload-bytes 100]
                   [--daemon-pid PID]
            """)
        exit(64)
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let stats = BenchStats()
let handlers = NIOLockedValueBox<[NIOLoopBound<BenchClientHandler>]>([])
let path = "/ws/chat/\(options.room)?token=\(options.token)"

/// One line to standard output, written at once (no buffering behind a pipe).
func line(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = write(1, &bytes, bytes.count)
}

// The sender's state lives on its event loop.
final class Sender {
    let handler: BenchClientHandler
    let padding: String
    var sequence = 0
    var phaseEnd: UInt64 = 0
    var completed = 0
    init(handler: BenchClientHandler, payloadBytes: Int) {
        self.handler = handler
        padding = String(repeating: "x", count: max(0, payloadBytes - 40))
    }
    func send(phase: Int) {
        sequence += 1
        handler.send(#"{"content":"b:\#(phase):\#(sequence):\#(nowNanoseconds())","pad":"\#(padding)"}"#)
    }
}

/// "RSS 30.5 MB (peak 31.0 MB)" of `pid`, from /proc.
func memory(of pid: Int32?) -> String? {
    guard let pid, let file = fopen("/proc/\(pid)/status", "r") else { return nil }
    defer { fclose(file) }
    var kilobytes: [String: Double] = [:]
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "VmRSS:\t   30504 kB"
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        if fields.count >= 2, fields[0] == "VmRSS:" || fields[0] == "VmHWM:" {
            kilobytes[String(fields[0])] = Double(fields[1])
        }
    }
    guard let rss = kilobytes["VmRSS:"], let peak = kilobytes["VmHWM:"] else { return nil }
    return "RSS \(fixed(rss / 1024, 1)) MB (peak \(fixed(peak / 1024, 1)) MB)"
}

func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = nowNanoseconds() + UInt64(seconds * 1e9)
    while !condition() {
        if nowNanoseconds() > deadline { return false }
        usleep(20_000)
    }
    return true
}

/// Waits until no benchmark message has arrived for `quietSeconds`.
func waitForQuiet(quietSeconds: Double, maxSeconds: Double) {
    let deadline = nowNanoseconds() + UInt64(maxSeconds * 1e9)
    while nowNanoseconds() < deadline {
        let last = stats.lastEventNanoseconds.withLockedValue { $0 }
        if nowNanoseconds() - max(last, 1) > UInt64(quietSeconds * 1e9) { return }
        usleep(50_000)
    }
}

func percentile(_ sorted: [UInt32], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
    return Double(sorted[max(0, index)]) / 1000
}

func collect() {
    let all = handlers.withLockedValue { $0 }
    var futures: [EventLoopFuture<Void>] = []
    for bound in all { futures.append(bound.eventLoop.submit { bound.value.flushStats() }) }
    for future in futures { try? future.wait() }
}

/// `value` with `decimals` digits after the point (no Foundation here).
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    guard decimals > 0 else { return String(scaled) }
    let sign = scaled < 0 ? "-" : ""
    let magnitude = scaled.magnitude
    let whole = magnitude / UInt64(scale)
    var fraction = String(magnitude % UInt64(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    return "\(sign)\(whole).\(fraction)"
}

func report(phase: Int, name: String, sent: Int, seconds: Double, members: Int) {
    let latencies = stats.latencies(phase: phase).sorted()
    let expected = sent * members
    let share = expected > 0 ? 100 * Double(latencies.count) / Double(expected) : 0
    line(
        "\(name): \(sent) messages, \(fixed(Double(sent) / seconds, 1)) msgs/s broadcast; "
            + "\(latencies.count) of \(expected) deliveries (\(fixed(share, 2)) %), \(fixed(Double(latencies.count) / seconds, 0)) deliveries/s; "
            + "latency p50 \(fixed(percentile(latencies, 0.5), 2)) ms, p99 \(fixed(percentile(latencies, 0.99), 2)) ms, "
            + "max \(fixed((latencies.last.map { Double($0) } ?? 0) / 1000, 2)) ms")
    line(
        "RESULT phase=\(phase) sent=\(sent) msgs_per_s=\(fixed(Double(sent) / seconds, 1)) deliveries=\(latencies.count) "
            + "expected=\(expected) deliveries_per_s=\(fixed(Double(latencies.count) / seconds, 0)) "
            + "p50_ms=\(fixed(percentile(latencies, 0.5), 2)) p99_ms=\(fixed(percentile(latencies, 0.99), 2))")
}

// --- connect ---------------------------------------------------------------------------------
if let memory = memory(of: options.daemonPID) { line("daemon memory before: \(memory)") }
let connectStarted = nowNanoseconds()
var opened = 0
while opened < options.clients {
    let wave = min(options.concurrency, options.clients - opened)
    var futures: [EventLoopFuture<any Channel>] = []
    for _ in 0..<wave {
        futures.append(
            connectClient(group: group, host: options.host, port: options.port, path: path) { channel in
                let handler = BenchClientHandler(stats: stats)
                let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                handlers.withLockedValue { $0.append(bound) }
                return handler
            })
    }
    for future in futures {
        do { _ = try future.wait() } catch { stats.failed.withLockedValue { $0 += 1 } }
    }
    opened += wave
    _ = waitUntil(seconds: 30) { stats.joined.withLockedValue { $0 } + stats.failed.withLockedValue { $0 } >= opened }
}
let joined = stats.joined.withLockedValue { $0 }
line(
    "connected \(joined) of \(options.clients) clients to room \(options.room) in "
        + "\(fixed(Double(nowNanoseconds() - connectStarted) / 1e9, 1)) s (\(stats.failed.withLockedValue { $0 }) failed)")

// The sender: one more client.
let senderBox = NIOLockedValueBox<NIOLoopBound<Sender>?>(nil)
_ = try connectClient(group: group, host: options.host, port: options.port, path: path) { channel in
    let handler = BenchClientHandler(stats: stats)
    handlers.withLockedValue { $0.append(NIOLoopBound(handler, eventLoop: channel.eventLoop)) }
    let sender = Sender(handler: handler, payloadBytes: options.payloadBytes)
    let bound = NIOLoopBound(sender, eventLoop: channel.eventLoop)
    senderBox.withLockedValue { $0 = bound }
    handler.onBenchMessage = { phase, _ in
        guard phase == 2 else { return }
        let sender = bound.value
        sender.completed += 1
        if nowNanoseconds() < sender.phaseEnd { sender.send(phase: 2) }
    }
    return handler
}.wait()
guard waitUntil(seconds: 30, { stats.joined.withLockedValue { $0 } >= joined + 1 }),
    let sender = senderBox.withLockedValue({ $0 })
else {
    line("the sender could not join")
    exit(1)
}
// Let the join notices of all those clients drain.
sleep(2)
let members = stats.joined.withLockedValue { $0 }
if let memory = memory(of: options.daemonPID) { line("daemon memory with \(members) clients: \(memory)") }

// --- phase 1: fixed rate -------------------------------------------------------------------------
let phase1Started = nowNanoseconds()
let sentBefore1 = try sender.eventLoop.submit { sender.value.sequence }.wait()
// Every 2 ms, send what is due by now: the rate holds even when the loop is busy.
let task = try sender.eventLoop.submit {
    sender.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(2)) { task in
        let elapsed = nowNanoseconds() - phase1Started
        let sender = sender.value
        guard elapsed < UInt64(options.seconds) * 1_000_000_000 else {
            task.cancel()
            return
        }
        let due = Int(elapsed / 1000 * UInt64(options.rate) / 1_000_000) + 1
        while sender.sequence - sentBefore1 < due { sender.send(phase: 1) }
    }
}.wait()
usleep(UInt32(options.seconds) * 1_000_000 + 100_000)
task.cancel()
waitForQuiet(quietSeconds: 1.5, maxSeconds: 30)
let sent1 = try sender.eventLoop.submit { sender.value.sequence }.wait() - sentBefore1

// --- phase 2: saturation -------------------------------------------------------------------------
let sentBefore2 = sent1 + sentBefore1
let phase2Started = nowNanoseconds()
try sender.eventLoop.submit {
    sender.value.phaseEnd = phase2Started + UInt64(options.seconds) * 1_000_000_000
    for _ in 0..<options.window { sender.value.send(phase: 2) }
}.wait()
usleep(UInt32(options.seconds) * 1_000_000)
waitForQuiet(quietSeconds: 1.5, maxSeconds: 60)
if let memory = memory(of: options.daemonPID) { line("daemon memory after saturation: \(memory)") }
let phase2Seconds = Double(options.seconds)
let sent2 = try sender.eventLoop.submit { sender.value.sequence }.wait() - sentBefore2

collect()
line("")
line(
    "\(members - 1) receivers + 1 sender in one room, \(options.payloadBytes)-byte messages; latency = send → delivery, every delivery counted"
)
report(phase: 1, name: "rate \(options.rate)/s", sent: sent1, seconds: Double(options.seconds), members: members)
report(phase: 2, name: "saturation", sent: sent2, seconds: phase2Seconds, members: members)
line("closed during the run: \(stats.closed.withLockedValue { $0 })")
try? group.syncShutdownGracefully()
