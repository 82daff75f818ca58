import JSON
/// Typed reads of settings from merged environment and `.env` values, in pydantic-settings'
/// formats: booleans as `true/false/1/0/yes/no/on/off`, lists as a JSON array or comma-separated.
public struct SettingsReader: Sendable {
    /// Uppercased names → values; the environment wins over the file.
    public let values: [String: String]

    public init(environment: [String: String], dotEnv: [String: String] = [:]) {
        var merged = dotEnv
        for (key, value) in environment { merged[key.uppercased()] = value }
        values = merged
    }

    public func string(_ name: String) -> String? {
        values[name]
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        values[name] ?? defaultValue
    }

    public func requiredString(_ name: String) throws(ConfigurationError) -> String {
        guard let value = values[name], !value.isEmpty else {
            throw ConfigurationError(variable: name, problem: "is missing")
        }
        return value
    }

    public func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let raw = values[name] else { return defaultValue }
        guard let value = Int(raw.trimmingASCIIWhitespace()) else {
            throw ConfigurationError(variable: name, problem: "must be an integer (got \"\(raw.prefix(40))\")")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    public func bool(_ name: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = values[name] else { return defaultValue }
        switch raw.trimmingASCIIWhitespace().lowercased() {
        case "1", "true", "yes", "on", "t", "y": return true
        case "0", "false", "no", "off", "f", "n", "": return false
        default: throw ConfigurationError(variable: name, problem: "must be a boolean (true or false)")
        }
    }

    public func list(_ name: String, default defaultValue: [String]) throws(ConfigurationError) -> [String] {
        guard let raw = values[name] else { return defaultValue }
        let text = raw.trimmingASCIIWhitespace()
        if text.hasPrefix("[") {
            guard case .array(let elements)? = try? JSONParser.parse(text) else {
                throw ConfigurationError(variable: name, problem: "must be a JSON array of strings or a comma-separated list")
            }
            var strings: [String] = []
            for element in elements {
                guard case .string(let value) = element else {
                    throw ConfigurationError(variable: name, problem: "must be a JSON array of strings")
                }
                strings.append(value)
            }
            return strings
        }
        return text.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }
}
