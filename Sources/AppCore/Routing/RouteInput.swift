import JSON
/// What a handler receives: the request and its validated parameters and body.
public struct RouteInput: Sendable {
    public let request: Request
    /// Path, query and header parameters by name, normalised (`.int`, `.string`, …).
    public let parameters: [String: JSONValue]
    /// The validated JSON body, when the operation declares one.
    public let body: JSONObject?

    public init(request: Request, parameters: [String: JSONValue] = [:], body: JSONObject? = nil) {
        self.request = request
        self.parameters = parameters
        self.body = body
    }

    /// An integer parameter that the route declared (validated, so present unless optional).
    public func int(_ name: String) -> Int? {
        parameters[name]?.intValue.map { Int($0) }
    }

    /// A string parameter, nil when absent.
    public func string(_ name: String) -> String? {
        parameters[name]?.stringValue
    }
}
