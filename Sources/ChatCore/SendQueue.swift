/// The messages waiting for one client while its socket takes no more, bounded in bytes: a
/// client that stops reading cannot make the server hold an unbounded backlog for it.
///
/// The daemon writes straight to the socket while it is writable and nothing waits; only the
/// rest comes here. When an append would pass `limitBytes`, the client is too slow and is dropped.
public struct SendQueue<Element> {
    public let limitBytes: Int
    public private(set) var queuedBytes = 0
    private var items: [(element: Element, bytes: Int)] = []
    private var head = 0

    public init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    public enum Admission: Sendable, Equatable {
        case queued
        /// Over the limit: the element was not queued; drop the client.
        case overflow
    }

    public var isEmpty: Bool { head == items.count }
    public var count: Int { items.count - head }

    public mutating func append(_ element: Element, bytes: Int) -> Admission {
        guard queuedBytes + bytes <= limitBytes else { return .overflow }
        items.append((element, bytes))
        queuedBytes += bytes
        return .queued
    }

    public mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        queuedBytes -= item.bytes
        if head == items.count {
            items.removeAll(keepingCapacity: items.count <= 64)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item.element
    }

    /// Forgets everything (the client is gone).
    public mutating func removeAll() {
        items.removeAll()
        head = 0
        queuedBytes = 0
    }
}
