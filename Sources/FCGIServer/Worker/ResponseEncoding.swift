import AppCore

/// The bytes of a CGI response: `Status:` line, header fields, blank line, body.
public enum ResponseEncoding {
    static let crlf: [UInt8] = [13, 10]

    public static func encode(_ response: Response, includeBody: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + response.headers.fields.count * 40 + (includeBody ? response.body.count : 0))
        bytes.append(contentsOf: "Status: \(response.status.code) \(response.status.reason)".utf8)
        bytes.append(contentsOf: crlf)
        var hasLength = false
        for field in response.headers {
            // A client-controlled value must never split the header block.
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else { continue }
            if !hasLength, field.name.utf8.count == 14, field.name.lowercased() == "content-length" { hasLength = true }
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(contentsOf: crlf)
        }
        if !hasLength, response.status.code != 304, response.status.code != 204 {
            bytes.append(contentsOf: "Content-Length: \(response.body.count)".utf8)
            bytes.append(contentsOf: crlf)
        }
        bytes.append(contentsOf: crlf)
        if includeBody { bytes.append(contentsOf: response.body) }
        return bytes
    }
}
