internal import CLibPQ

extension PGError {
    /// The error carried by a failed libpq result, with SQLSTATE and constraint name.
    static func server(from result: OpaquePointer, code: Code = .server) -> PGError {
        PGError(
            code,
            message: String(cString: PQresultErrorMessage(result)),
            sqlState: field(result, "C"),
            constraintName: field(result, "n")
        )
    }

    /// One `PG_DIAG_*` field of a result, by its protocol letter.
    private static func field(_ result: OpaquePointer, _ letter: Unicode.Scalar) -> String? {
        guard let text = PQresultErrorField(result, Int32(letter.value)) else { return nil }
        return String(cString: text)
    }
}
