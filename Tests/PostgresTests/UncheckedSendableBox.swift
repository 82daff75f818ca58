/// Hands a non-Sendable value to another thread in tests that coordinate access themselves.
struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
}
