import CProcess

/// The process environment as a dictionary (read once at start-up).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var values: [String: String] = [:]
        guard var entry = CProcess_environ() else { return values }
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return values
    }
}
