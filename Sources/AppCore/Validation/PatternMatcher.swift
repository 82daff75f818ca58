/// Whole-string regular expression matching for `pattern` constraints.
enum PatternMatcher {
    /// Whether `text` matches `pattern` (a regular expression anchored with `^…$` or not; like
    /// Pydantic's `pattern`, it is searched, so unanchored patterns match a part).
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else {
            // A pattern is part of the program, not input: a bad one is a bug.
            preconditionFailure("invalid pattern in a schema")
        }
        return text.firstMatch(of: regex) != nil
    }
}
