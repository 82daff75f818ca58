import AppCore

/// The CGI/FastCGI params the application uses, collected from the `NAME=value` entries a front
/// server sends. Only those are turned into Swift strings: nginx sends about twenty-five params
/// per request and most (`DOCUMENT_ROOT`, `SERVER_SOFTWARE`, …) are never read.
///
/// The path comes from `REQUEST_URI` (the raw target, percent-decoded here once, as Starlette
/// does); `HTTP_*` params become header fields (`HTTP_X_REQUEST_ID` → `x-request-id`), and
/// `CONTENT_TYPE`/`CONTENT_LENGTH` are headers too.
public struct FastCGIParams: Sendable {
    public var method = "GET"
    public var requestURI: String?
    public var queryString: String?
    public var scriptName: String?
    public var pathInfo: String?
    public var remoteAddress = ""
    /// nginx's `$request_id`, passed as `fastcgi_param REQUEST_ID`.
    public var frontServerRequestID: String?
    public var contentLength: String?
    public var headers = HTTPHeaders()

    public init() {}

    /// Collects params from a dictionary (tests, tools).
    public init(_ params: [String: String]) {
        for (name, value) in params.sorted(by: { $0.key < $1.key }) {
            Array(name.utf8).withUnsafeBytes { bytes in
                add(name: bytes) { value }
            }
        }
    }

    enum Known: CaseIterable {
        case method, requestURI, queryString, scriptName, pathInfo, remoteAddress, requestID, contentType, contentLength

        var name: [UInt8] {
            switch self {
            case .method: Array("REQUEST_METHOD".utf8)
            case .requestURI: Array("REQUEST_URI".utf8)
            case .queryString: Array("QUERY_STRING".utf8)
            case .scriptName: Array("SCRIPT_NAME".utf8)
            case .pathInfo: Array("PATH_INFO".utf8)
            case .remoteAddress: Array("REMOTE_ADDR".utf8)
            case .requestID: Array("REQUEST_ID".utf8)
            case .contentType: Array("CONTENT_TYPE".utf8)
            case .contentLength: Array("CONTENT_LENGTH".utf8)
            }
        }
    }

    static let knownNames: [(Known, [UInt8])] = Known.allCases.map { ($0, $0.name) }
    static let headerPrefix = Array("HTTP_".utf8)

    /// Takes one param; `value` is only called when the param is used.
    public mutating func add(name: UnsafeRawBufferPointer, value: () -> String) {
        if name.count > 5, name.starts(with: Self.headerPrefix) {
            headers.add(Self.headerName(name[5...]), value())
            return
        }
        guard let known = Self.knownNames.first(where: { $0.1.count == name.count && name.elementsEqual($0.1) })?.0 else {
            return
        }
        switch known {
        case .method: method = value().uppercased()
        case .requestURI: requestURI = value()
        case .queryString: queryString = value()
        case .scriptName: scriptName = value()
        case .pathInfo: pathInfo = value()
        case .remoteAddress: remoteAddress = value()
        case .requestID: frontServerRequestID = value()
        case .contentType:
            let type = value()
            if !type.isEmpty { headers.add("content-type", type) }
        case .contentLength:
            let length = value()
            if !length.isEmpty {
                contentLength = length
                headers.add("content-length", length)
            }
        }
    }

    /// `X_REQUEST_ID` → `x-request-id`.
    static func headerName(_ cgiName: Slice<UnsafeRawBufferPointer>) -> String {
        String(
            decoding: cgiName.map { byte -> UInt8 in
                if byte == UInt8(ascii: "_") { return UInt8(ascii: "-") }
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { return byte + 32 }
                return byte
            }, as: UTF8.self)
    }

    /// The declared body length: nil when absent, or -1 when it is not a number.
    public var declaredBodyLength: Int? {
        guard let contentLength else { return nil }
        return Int(contentLength) ?? -1
    }

    /// The request these params describe, with its body.
    public func request(body: [UInt8]) -> Request {
        let target = requestURI ?? ((scriptName ?? "") + (pathInfo ?? ""))
        let question = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = question.map { target[..<$0] } ?? target[...]
        let rawQuery = queryString ?? question.map { String(target[target.index(after: $0)...]) }
        let path = PercentDecoding.decode(rawPath.isEmpty ? "/" : rawPath, plusIsSpace: false)
        return Request(
            method: method,
            path: path,
            query: QueryParameters(parsing: rawQuery ?? ""),
            rawQuery: (rawQuery?.isEmpty ?? true) ? nil : rawQuery,
            headers: headers,
            body: body,
            remoteAddress: remoteAddress,
            id: RequestID.choose(incoming: headers["x-request-id"], fromFrontServer: frontServerRequestID)
        )
    }
}
