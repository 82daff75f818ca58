extension PGQuery {
    /// Collects SQL text and binds while a `PGQuery` literal is interpolated.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        /// The SQL written so far.
        var sql: String
        /// The binds collected so far.
        var binds: [String?]

        /// Reserves room for the literal text and the expected number of binds.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        /// Appends literal SQL text.
        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Appends a bind for `value` and writes its `$n` into the SQL.
        public mutating func appendInterpolation(_ value: some PGEncodable) {
            appendBind(value.pgText)
        }

        /// Appends a bind for `value` (`nil` is SQL NULL) and writes its `$n` into the SQL.
        public mutating func appendInterpolation(_ value: (some PGEncodable)?) {
            appendBind(value?.pgText)
        }

        /// Appends raw SQL text; the one unsafe door, never pass untrusted input.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }

        private mutating func appendBind(_ text: String?) {
            binds.append(text)
            sql += "$\(binds.count)"
        }
    }
}
