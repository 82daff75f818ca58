/// Starlette's TrustedHostMiddleware with `ALLOWED_HOSTS`: the `Host` header, without its
/// port, must match a pattern, or the answer is 400 `{"detail":"Invalid host header"}`.
///
/// Patterns as Starlette reads them: `*` allows any host (the policy is then left out),
/// `api.example.com` that host only, `*.example.com` any name ending in `.example.com` (so
/// `a.example.com` and `a.b.example.com`, not `example.com` itself). A host that is not
/// allowed but whose `www.` form is (`example.com` with `www.example.com` listed) is
/// redirected there, as Starlette's default `www_redirect=True` does; the redirect is
/// scheme-relative (`//www.example.com/path`) because the worker does not know the scheme.
/// Unlike Starlette, names compare case-insensitively (host names are) and an IPv6 literal
/// keeps its address when the port is cut (`[::1]:8080` → `[::1]`).
public struct TrustedHostPolicy: RequestPolicy {
    let exactHosts: Set<String>
    /// `*.example.com` → `.example.com`.
    let suffixes: [String]

    /// nil when the patterns allow any host.
    public init?(allowedHosts: [String]) {
        guard !allowedHosts.contains("*") else { return nil }
        var exact: Set<String> = []
        var suffixes: [String] = []
        for pattern in allowedHosts.map({ $0.lowercased() }) {
            if pattern.hasPrefix("*") { suffixes.append(String(pattern.dropFirst())) } else { exact.insert(pattern) }
        }
        exactHosts = exact
        self.suffixes = suffixes
    }

    /// Starlette's rule: a wildcard only as a whole first label (`*.example.com`) or alone.
    public static func isValidPattern(_ pattern: String) -> Bool {
        guard pattern != "*" else { return true }
        guard let star = pattern.firstIndex(of: "*") else { return !pattern.isEmpty }
        return star == pattern.startIndex && pattern.dropFirst().hasPrefix(".") && !pattern.dropFirst().contains("*")
    }

    public func isAllowed(host: String) -> Bool {
        exactHosts.contains(host) || suffixes.contains { host.hasSuffix($0) }
    }

    public func respond(to request: Request, next: (Request) -> Response) -> Response {
        let header = request.headers.value(lowercaseName: "host") ?? ""
        let host = Self.hostName(header)
        if isAllowed(host: host) { return next(request) }
        if !host.isEmpty, exactHosts.contains("www." + host) {
            var location = "//www." + header + request.path
            if let query = request.rawQuery { location += "?" + query }
            return Response(
                status: HTTPStatus(code: 307, reason: "Temporary Redirect"),
                headers: ["Location": location, "Content-Type": "application/json"])
        }
        return HTTPError(.badRequest, .invalidHost).response(language: request.language)
    }

    /// The host name of a `Host` header, lowercased, without the port.
    static func hostName(_ header: String) -> String {
        let utf8 = header.utf8
        let end: String.Index
        if utf8.first == UInt8(ascii: "[") {
            end = utf8.firstIndex(of: UInt8(ascii: "]")).map { utf8.index(after: $0) } ?? header.endIndex
        } else {
            end = utf8.firstIndex(of: UInt8(ascii: ":")) ?? header.endIndex
        }
        return header[..<end].lowercased()
    }
}
