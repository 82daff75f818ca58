/// SQL that renders a `timestamptz` column as ISO 8601 with its offset, in UTC with
/// microseconds (`2026-11-29T05:00:00.123456+00:00`), whatever the session's time zone.
public enum Timestamp {
    public static func isoSQL(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    }
}
