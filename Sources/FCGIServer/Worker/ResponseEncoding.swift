import AppCore

/// The bytes of a CGI response: `Status:` line, header fields, blank line, body.
public enum ResponseEncoding {
    static let crlf: [UInt8] = [13, 10]

    /// A complete response (`Response.body`) with its `Content-Length`: one write.
    public static func encode(_ response: Response, includeBody: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + response.headers.fields.count * 40 + (includeBody ? response.body.count : 0))
        let hasLength = appendStatusAndFields(of: response, to: &bytes, dropLength: false)
        if !hasLength, response.status.code != 304, response.status.code != 204 {
            bytes.append(contentsOf: "Content-Length: \(response.body.count)".utf8)
            bytes.append(contentsOf: crlf)
        }
        bytes.append(contentsOf: crlf)
        if includeBody { bytes.append(contentsOf: response.body) }
        return bytes
    }

    /// The head of a streamed response (`Response.stream`): no `Content-Length`, since the
    /// length is not known yet (nginx sends the body chunked); the body follows in pieces.
    public static func encodeStreamHead(_ response: Response) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + response.headers.fields.count * 40)
        appendStatusAndFields(of: response, to: &bytes, dropLength: true)
        bytes.append(contentsOf: crlf)
        return bytes
    }

    /// Writes the status line and header fields; returns whether a `Content-Length` was among
    /// them (never, with `dropLength`).
    @discardableResult
    static func appendStatusAndFields(of response: Response, to bytes: inout [UInt8], dropLength: Bool) -> Bool {
        bytes.append(contentsOf: "Status: ".utf8)
        bytes.append(contentsOf: String(response.status.code).utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: response.status.reason.utf8)
        bytes.append(contentsOf: crlf)
        var hasLength = false
        for field in response.headers {
            // A client-controlled value must never split the header block.
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else { continue }
            if isContentLength(field.name) {
                if dropLength { continue }
                hasLength = true
            }
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(contentsOf: crlf)
        }
        return hasLength
    }

    static let contentLength = Array("content-length".utf8)

    /// `Content-Length` in any case, without allocating a lowercased copy.
    static func isContentLength(_ name: String) -> Bool {
        let bytes = name.utf8
        guard bytes.count == contentLength.count else { return false }
        return zip(bytes, contentLength).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == expected
        }
    }
}
