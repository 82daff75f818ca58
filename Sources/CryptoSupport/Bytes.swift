/// Calls `body` with a non-null pointer to the bytes of `bytes` and their count; collections
/// without contiguous storage are copied first. An empty collection gets a valid pointer to a
/// dummy byte (OpenSSL functions may reject NULL even for zero lengths).
@inline(__always)
func withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>,
    _ body: (UnsafePointer<UInt8>, Int) -> R
) -> R {
    func call(_ buffer: UnsafeBufferPointer<UInt8>) -> R {
        if let base = buffer.baseAddress {
            return body(base, buffer.count)
        }
        var dummy: UInt8 = 0
        return withUnsafePointer(to: &dummy) { body($0, 0) }
    }
    if let result = bytes.withContiguousStorageIfAvailable(call) {
        return result
    }
    return Array(bytes).withUnsafeBufferPointer(call)
}
