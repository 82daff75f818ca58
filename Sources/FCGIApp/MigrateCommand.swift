import AppCore
import Postgres

/// `FCGIApp migrate up|down|status`: only needs `DATABASE_URL`.
enum MigrateCommand {
    static func run(action: String, options: CommandLineOptions, settings: SettingsReader) -> Int32 {
        do {
            let conninfo = try DatabaseURL.libpqConnectionString(
                settings.string("DATABASE_URL", default: "postgresql+asyncpg://user:pass@localhost/mydb"))
            let migrations = try MigrationLoader.load(directory: options.migrationsDirectory)
            let connection = try PGConnection(conninfo: conninfo)
            let migrator = Migrator(connection: connection, migrations: migrations)
            switch action {
            case "up":
                let applied = try migrator.up()
                for migration in applied { Console.out("applied \(Self.label(migration))") }
                if applied.isEmpty { Console.out("database is up to date") }
            case "down":
                let reverted = try migrator.down(steps: options.steps)
                for migration in reverted { Console.out("reverted \(Self.label(migration))") }
                if reverted.isEmpty { Console.out("nothing to revert") }
            default:
                for entry in try migrator.status() {
                    Console.out(
                        "\(entry.applied ? "applied" : "pending") \(Self.pad(entry.version)) \(entry.name)"
                            + (entry.appliedAt.map { "  (\($0))" } ?? ""))
                }
            }
            return 0
        } catch let error as PGError {
            Console.fail("migrate \(action): \(error.debugDescription)")
            return 1
        } catch {
            Console.fail("migrate \(action): \(error)")
            return 1
        }
    }

    static func label(_ migration: Migration) -> String {
        "\(pad(migration.version)) \(migration.name)"
    }

    static func pad(_ version: Int) -> String {
        let text = String(version)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
