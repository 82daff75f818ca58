import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Adds `Authorization: Bearer <token>` to every request. The document declares the API's
/// OAuth2 password flow, which swift-openapi-generator does not act on: a client middleware
/// carries the token instead. Requests without a token (before logging in) go out unchanged.
public struct BearerToken: ClientMiddleware {
    private let token: @Sendable () async -> String?

    /// - Parameter token: read before every request (a token store, say); nil sends none.
    public init(_ token: @escaping @Sendable () async -> String?) {
        self.token = token
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let token = await token() {
            request.headerFields[.authorization] = "Bearer \(token)"
        }
        return try await next(request, body, baseURL)
    }
}
