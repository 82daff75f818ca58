import AppCore

/// The bytes of a CGI response: `Status:` line, header fields, blank line.
public enum ResponseEncoding {
    public static func head(_ response: Response) -> [UInt8] {
        var text = "Status: \(response.status.code) \(response.status.reason)\r\n"
        var hasLength = false
        for field in response.headers {
            // A client-controlled value must never split the header block.
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else { continue }
            if field.name.lowercased() == "content-length" { hasLength = true }
            text += field.name + ": " + field.value + "\r\n"
        }
        if !hasLength, response.status.code != 304, response.status.code != 204 {
            text += "Content-Length: \(response.body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }
}
