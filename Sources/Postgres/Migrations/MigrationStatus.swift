/// Whether one migration is applied, as reported by `Migrator.status()`.
public struct MigrationStatus: Sendable, Equatable {
    /// The migration's version.
    public let version: Int
    /// The migration's name (from its file, or from the bookkeeping table if the file is gone).
    public let name: String
    /// True when `schema_migrations` records it.
    public let applied: Bool
    /// When it was applied, as PostgreSQL's `timestamptz` text; nil when pending.
    public let appliedAt: String?
}
