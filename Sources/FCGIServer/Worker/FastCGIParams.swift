import AppCore

/// Builds a `Request` from the CGI/FastCGI params a front server sends.
///
/// The path comes from `REQUEST_URI` (the raw target, percent-decoded here once, as Starlette
/// does); `HTTP_*` params become header fields (`HTTP_X_REQUEST_ID` → `x-request-id`), and
/// `CONTENT_TYPE`/`CONTENT_LENGTH` are headers too.
public enum FastCGIParams {
    public static func request(from params: [String: String], body: [UInt8]) -> Request {
        var headers = HTTPHeaders()
        for (name, value) in params where name.hasPrefix("HTTP_") {
            headers.add(headerName(name.dropFirst(5)), value)
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers.add("content-type", type) }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers.add("content-length", length) }

        let target = params["REQUEST_URI"] ?? ((params["SCRIPT_NAME"] ?? "") + (params["PATH_INFO"] ?? ""))
        let rawPath: Substring
        if let question = target.firstIndex(of: "?") {
            rawPath = target[..<question]
        } else {
            rawPath = target[...]
        }
        let rawQuery = params["QUERY_STRING"] ?? target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
        let path = PercentDecoding.decode(rawPath.isEmpty ? "/" : rawPath, plusIsSpace: false)
        return Request(
            method: params["REQUEST_METHOD"]?.uppercased() ?? "GET",
            path: path,
            query: QueryParameters(parsing: rawQuery ?? ""),
            rawQuery: (rawQuery?.isEmpty ?? true) ? nil : rawQuery,
            headers: headers,
            body: body,
            remoteAddress: params["REMOTE_ADDR"] ?? "",
            id: RequestID.choose(incoming: headers["x-request-id"], fromFrontServer: params["REQUEST_ID"])
        )
    }

    /// `X_REQUEST_ID` → `x-request-id`.
    static func headerName(_ cgiName: Substring) -> String {
        String(cgiName.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The declared body length: nil when absent, or -1 when it is not a number.
    public static func contentLength(_ params: [String: String]) -> Int? {
        guard let text = params["CONTENT_LENGTH"], !text.isEmpty else { return nil }
        return Int(text) ?? -1
    }
}
