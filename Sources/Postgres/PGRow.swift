/// One row of a `PGResult`: raw text access and typed decoding.
public struct PGRow: Sendable {
    /// The column names, in order.
    public let columns: [String]
    /// The whole result's values (shared storage); this row starts at `offset`.
    private let values: [String?]
    private let offset: Int

    init(columns: [String], values: [String?], offset: Int) {
        self.columns = columns
        self.values = values
        self.offset = offset
    }

    /// The raw text of a column, `nil` for SQL NULL; traps when `column` is out of range.
    public subscript(column: Int) -> String? {
        precondition(columns.indices.contains(column), "column index out of range")
        return values[offset + column]
    }

    /// Decodes the column at `column`; throws `.decoding` on NULL (unless optional), bad text or a bad index.
    public func decode<T: PGDecodable>(_ column: Int, as type: T.Type = T.self) throws(PGError) -> T {
        guard columns.indices.contains(column) else {
            throw PGError(.decoding, message: "no column at index \(column); the row has \(columns.count)")
        }
        return try T(pgText: values[offset + column])
    }

    /// Decodes the first column called `name`; throws `.decoding` if there is none or the value does not fit.
    public func decode<T: PGDecodable>(_ name: String, as type: T.Type = T.self) throws(PGError) -> T {
        guard let column = columns.firstIndex(of: name) else {
            throw PGError(.decoding, message: "no column named \(name)")
        }
        return try T(pgText: values[offset + column])
    }

    /// Decodes the leading columns in order into a tuple, e.g. `row.decode((Int, String?).self)`.
    public func decode<each T: PGDecodable>(_ types: (repeat each T).Type) throws(PGError) -> (repeat each T) {
        var column = 0
        func next<U: PGDecodable>(_ type: U.Type) throws(PGError) -> U {
            defer { column += 1 }
            return try decode(column, as: type)
        }
        return (repeat try next((each T).self))
    }
}
