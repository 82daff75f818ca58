import Glibc

/// Regular expression matching for `pattern` constraints, with the C library's POSIX extended
/// regular expressions (`regcomp`/`regexec`).
///
/// The schemas' patterns are simple (anchors, bracket classes, quantifiers), where POSIX ERE,
/// Pydantic's Rust regex and JSON Schema's ECMA-262 agree; `$` is the end of the text, not a
/// place before a final newline. Matching is on bytes in the C locale: a non-ASCII character
/// never falls into an ASCII class. Swift's `Regex` would do too, but it loads two more
/// runtime libraries (about 1.7 MB in every worker that validates a pattern) and parses the
/// pattern on each call.
enum PatternMatcher {
    /// Whether `text` matches `pattern` (anchored with `^…$` or not; like Pydantic's `pattern`,
    /// it is searched, so unanchored patterns match a part). Text with U+0000 never matches.
    static func matches(_ text: String, pattern: String) -> Bool {
        guard !text.utf8.contains(0) else { return false }
        var expression = regex_t()
        // A pattern is part of the program, not input: a bad one is a bug.
        precondition(regcomp(&expression, pattern, REG_EXTENDED | REG_NOSUB) == 0, "invalid pattern in a schema: \(pattern)")
        defer { regfree(&expression) }
        return regexec(&expression, text, 0, nil, 0) == 0
    }
}
