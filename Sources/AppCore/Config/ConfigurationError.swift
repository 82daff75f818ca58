/// A missing or invalid setting; its description is the one line printed before exiting.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(variable) \(problem)" }
}
