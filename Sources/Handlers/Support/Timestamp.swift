import AppCore

/// The one shape of every timestamp the API sends: ISO 8601 (RFC 3339) in UTC with microseconds
/// and the offset written out, `2026-11-29T05:00:00.123456+00:00`. The fraction is always there,
/// all six digits, so that one client setting reads every value (swift-openapi-runtime's
/// `.iso8601WithFractionalSeconds` needs a fraction; its plain `.iso8601` refuses one).
public enum Timestamp {
    /// SQL that renders a `timestamptz` column in that shape, whatever the session's time zone.
    public static func isoSQL(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    }

    /// The shape as a pattern, stated in the OpenAPI document (schemathesis checks every answer
    /// against it).
    static let pattern = #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00$"#

    /// A timestamp field of a response, documented as `date-time` with its shape.
    static func field(_ name: String) -> FieldSchema {
        FieldSchema(
            name, .string(StringRule(pattern: pattern, strip: false, documentedFormat: "date-time")),
            description: "UTC、マイクロ秒まで常に6桁（RFC 3339: `2026-11-29T05:00:00.123456+00:00`）",
            examples: ["2026-11-29T05:00:00.123456+00:00"])
    }
}
