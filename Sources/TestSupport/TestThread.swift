import Glibc

/// A plain POSIX thread for tests that must block while another thread acts.
public final class TestThread {
    private var thread = pthread_t()

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Closure(body)).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let closure = Unmanaged<Closure>.fromOpaque(context!).takeRetainedValue()
                closure.body()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    /// Waits for the thread to finish.
    public func join() {
        pthread_join(thread, nil)
    }

    private final class Closure {
        let body: @Sendable () -> Void
        public init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
