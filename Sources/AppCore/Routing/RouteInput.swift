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

    /// A required integer parameter (a path parameter, or one with a default): the router
    /// validated it, so it is there.
    public func integer(_ parameter: Parameter) -> Int {
        guard let value = int(parameter.name) else {
            preconditionFailure("\(parameter.name): not a required integer parameter of this route")
        }
        return value
    }

    /// A required text parameter (a path parameter): the router validated it, so it is there.
    public func text(_ parameter: Parameter) -> String {
        guard let value = string(parameter.name) else {
            preconditionFailure("\(parameter.name): not a required text parameter of this route")
        }
        return value
    }

    /// The body as its typed value; the operation must declare `Body.schema` as its body.
    public func body<Body: RequestBody>(_ type: Body.Type) -> Body {
        guard let body else { preconditionFailure("\(Body.schema.name): the operation declares no body") }
        return Body(validated: body)
    }
}
