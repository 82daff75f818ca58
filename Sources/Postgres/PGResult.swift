internal import CLibPQ

/// The rows of a finished command, copied into Swift values; a collection of `PGRow`.
public struct PGResult: Sendable, RandomAccessCollection {
    /// The column names, in order.
    public let columns: [String]
    /// Rows affected by INSERT/UPDATE/DELETE/etc. (`PQcmdTuples`); 0 when not reported.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK`.
    let commandTag: String
    /// All values, row after row; `nil` is SQL NULL.
    private let values: [String?]

    /// A result built in Swift, for tests and fakes; every row must have `columns.count` values.
    public init(columns: [String], rows: [[String?]], affectedRows: Int = 0) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row needs one value per column")
        self.columns = columns
        self.affectedRows = affectedRows
        self.commandTag = ""
        self.values = rows.flatMap { $0 }
        self.rowCount = rows.count
    }

    /// Copies everything out of a libpq result; the caller still owns (and clears) `result`.
    init(copying result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        self.values = values
        self.rowCount = rowCount
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        commandTag = String(cString: PQcmdStatus(result))
    }

    private let rowCount: Int

    /// The first row's index, 0.
    public var startIndex: Int { 0 }

    /// One past the last row's index.
    public var endIndex: Int { rowCount }

    /// The row at `position`.
    public subscript(position: Int) -> PGRow {
        precondition(position >= 0 && position < rowCount, "row index out of range")
        return PGRow(columns: columns, values: values, offset: position * columns.count)
    }
}
