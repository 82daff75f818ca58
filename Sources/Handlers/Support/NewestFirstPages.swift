import AppCore
import Postgres

/// Pages of a table, newest first (descending id), each with the exact number of matching rows,
/// at a cost that does not grow with the table (the counts and indexes of migration 0007).
///
/// - Without a search, `total` is the sum of the table's counter shards in `row_counts`, and
///   the page is read from the primary key. A page past the first bucket (1024 ids) finds its
///   first row by walking the per-bucket counts from the newest bucket down to the one that
///   holds it, then skipping inside that bucket only (not at all when the bucket has every id
///   of its range): a page costs one counter row per 1024 rows before it and at most 1023
///   index entries, whatever the table's size.
/// - With a search, the matches come from the trigram indexes (ILIKE '%term%' on each searched
///   column); they are counted and sorted once (`MATERIALIZED`), so the cost follows the number
///   of matches. A search that matches most of a large table cannot be counted quickly: it runs
///   under `searchTimeoutMilliseconds` and ends with 504 when that passes.
///
/// Every variant is one statement: the page and its total come from one snapshot.
struct NewestFirstPages {
    /// The table (a constant of the caller's, never input).
    let table: String
    /// The table's columns that the page reads, `id` among them.
    let storedColumns: String
    /// The select list over those columns that the row decoder reads (the caller's `columns`).
    let outputColumns: String
    /// The columns `search=` looks in.
    let searchColumns: [String]
    /// Rows per bucket of `row_counts` (ids `id >> bucketShift`); fixed by migration 0007.
    static let bucketShift = 10
    /// The bucket of `row_counts` that holds the whole table's count (no id falls there).
    static let wholeTable = String(Int32.min)

    /// One page of `size` rows starting at row `offset` (0-based), and the total; the rows
    /// are decoded by `decode`, the total is the last column of every row.
    func page<Row>(
        offset: Int, size: Int, search: String?, timeoutMilliseconds: Int, on connection: PGConnection,
        decode: (PGRow) throws -> Row
    ) throws -> (rows: [Row], total: Int) {
        let result: PGResult
        if let search {
            result = try connection.transaction { connection in
                // Local to this transaction: only the search runs under the shorter limit.
                try connection.query("SELECT set_config('statement_timeout', \(String(timeoutMilliseconds)), true)")
                do {
                    return try connection.query(
                        searchQuery(pattern: Pagination.containsPattern(search), offset: offset, size: size))
                } catch let error as PGError where error.isQueryCanceled && !(connection.refusesQueries?() ?? false) {
                    // The search's own limit; one the request timer cancelled (it also makes the
                    // session refuse queries) is the request's time running out, mapped as such.
                    throw HTTPError(.gatewayTimeout, .searchTooBroad)
                }
            }
        } else if offset < 1 << Self.bucketShift {
            result = try connection.query(shallowQuery(offset: offset, size: size))
        } else {
            result = try connection.query(deepQuery(offset: offset, size: size))
        }
        // A page past the end is one row: the total, with NULL where the page's columns would be.
        guard let first = result.first else { return ([], 0) }
        let total = try first.decode(first.columns.count - 1, as: Int.self)
        guard first[0] != nil else { return ([], total) }
        return (try result.map(decode), total)
    }

    /// The whole table's count: the sum of its shards (none yet: 0).
    private var totalSQL: String {
        "(SELECT coalesce(sum(n), 0)::bigint AS total FROM row_counts WHERE relname = '\(table)' AND bucket = \(Self.wholeTable)) t"
    }

    /// A page near the start: skipping fewer rows than one bucket holds costs less than the walk.
    func shallowQuery(offset: Int, size: Int) -> PGQuery {
        """
        SELECT \(unescaped: outputColumns), t.total FROM \(unescaped: totalSQL)
        LEFT JOIN LATERAL (
            SELECT \(unescaped: storedColumns) FROM \(unescaped: table) ORDER BY id DESC LIMIT \(size) OFFSET \(offset)
        ) p ON true
        ORDER BY p.id DESC
        """
    }

    /// A deep page: the walk sums the per-bucket counts from the newest bucket down, in the
    /// counter index's order, and stops at the bucket that holds row `offset` (a running sum
    /// under `LIMIT 1`: the plan reads no counter row past it), which says how many of its rows
    /// come first; the page starts that many index entries into the bucket, or, when the bucket
    /// holds every id of its range (no row deleted, no id skipped), at the id that many below
    /// its top, without stepping over any. (Migration 0007's `row_counts_locate` did the walk
    /// in PL/pgSQL, at twice the cost of this statement; the version before this one calls it,
    /// so it stays until a later migration, once no such version can still run.)
    func deepQuery(offset: Int, size: Int) -> PGQuery {
        """
        WITH target AS (
            SELECT bucket, \(offset)::bigint - (upto - n) AS skip, n AS rows FROM (
                SELECT bucket, n, (sum(n) OVER (ORDER BY bucket DESC ROWS UNBOUNDED PRECEDING))::bigint AS upto
                FROM (
                    SELECT bucket, sum(n)::bigint AS n FROM row_counts
                    WHERE relname = '\(unescaped: table)' AND bucket > \(unescaped: Self.wholeTable)
                    GROUP BY bucket ORDER BY bucket DESC
                ) counted
            ) walked
            WHERE upto > \(offset)::bigint
            LIMIT 1
        ), first_row AS (
            SELECT CASE WHEN t.rows = \(unescaped: String(1 << Self.bucketShift))
                        THEN ((t.bucket + 1)::bigint << \(unescaped: String(Self.bucketShift))) - 1 - t.skip
                        ELSE (SELECT id FROM \(unescaped: table) WHERE id < (t.bucket + 1)::bigint << \(unescaped: String(Self.bucketShift))
                              ORDER BY id DESC OFFSET t.skip LIMIT 1)
                   END AS id
            FROM target t
        )
        SELECT \(unescaped: outputColumns), t.total FROM \(unescaped: totalSQL)
        LEFT JOIN LATERAL (
            SELECT \(unescaped: storedColumns) FROM \(unescaped: table)
            WHERE id <= (SELECT id FROM first_row) ORDER BY id DESC LIMIT \(size)
        ) p ON true
        ORDER BY p.id DESC
        """
    }

    /// The rows whose searched columns contain the pattern, counted and paged. The pattern is
    /// bound once per column ($1 … $n), then the page size and offset.
    func searchQuery(pattern: String, offset: Int, size: Int) -> PGQuery {
        let count = searchColumns.count
        let condition = searchColumns.enumerated().map { "\($1) ILIKE $\($0 + 1)" }.joined(separator: " OR ")
        return PGQuery(
            unsafeSQL: """
                WITH hits AS MATERIALIZED (SELECT \(storedColumns) FROM \(table) WHERE \(condition))
                SELECT \(outputColumns), t.total FROM (SELECT count(*) AS total FROM hits) t
                LEFT JOIN LATERAL (SELECT * FROM hits ORDER BY id DESC LIMIT $\(count + 1) OFFSET $\(count + 2)) p ON true
                ORDER BY p.id DESC
                """, binds: Array(repeating: pattern, count: count) + [String(size), String(offset)])
    }
}
