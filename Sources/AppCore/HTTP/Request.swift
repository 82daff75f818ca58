/// One HTTP request as the application sees it, independent of the transport (FastCGI).
public struct Request: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded.
    public var path: String
    public var query: QueryParameters
    /// The query string as received, without the `?`.
    public var rawQuery: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer the front server saw (`REMOTE_ADDR`): never rewritten from request headers, so
    /// it is what decides whether a request comes from this host.
    public var remoteAddress: String
    /// The client the limits and logs key on: `remoteAddress`, or the address a trusted proxy
    /// names for it (`PolicyChain.prepare`); always a syntactically valid IP address or the peer.
    public var clientAddress: String
    /// The id under which this request is logged and answered (`X-Request-ID`).
    public var id: String
    /// The traits of the operation the request is routed to, for the policies; nil before
    /// routing and for requests that reach no operation.
    public var route: RouteTraits?

    public init(
        method: String,
        path: String,
        query: QueryParameters = QueryParameters(),
        rawQuery: String? = nil,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String = "",
        id: String = "",
        route: RouteTraits? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.clientAddress = remoteAddress
        self.id = id
        self.route = route
    }

    /// The media type of the body without parameters, lowercased (`application/json`).
    public var mediaType: String? {
        guard let value = headers["content-type"] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first ?? ""
        return type.trimmingASCIIWhitespace().lowercased()
    }

    /// The preferred message language from `Accept-Language`.
    public var language: MessageLanguage {
        MessageLanguage(acceptLanguage: headers["accept-language"])
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
