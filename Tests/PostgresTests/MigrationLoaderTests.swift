import Postgres
import Testing
import TestSupport

struct MigrationLoaderTests {
    @Test func loadsSortedByVersionWithOptionalDown() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("0010_add_index.up.sql", "create index i on t (a);")
        directory.write("0002_create_t.up.sql", "create table t (a int);")
        directory.write("0002_create_t.down.sql", "drop table t;")
        directory.write("0001_init.up.sql", "select 1;")
        directory.write("README.md", "not a migration")

        let migrations = try MigrationLoader.load(directory: directory.path)

        #expect(migrations.map(\.version) == [1, 2, 10])
        #expect(migrations.map(\.name) == ["init", "create_t", "add_index"])
        #expect(migrations[1].upSQL == "create table t (a int);")
        #expect(migrations[1].downSQL == "drop table t;")
        #expect(migrations[0].downSQL == nil)
        #expect(migrations[2].downSQL == nil)
    }

    @Test func duplicateVersionNamesBothFiles() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("0001_a.up.sql", "select 1;")
        directory.write("0001_b.up.sql", "select 2;")

        #expect { try MigrationLoader.load(directory: directory.path) } throws: { error in
            let text = "\(error)"
            return error is MigrationError && text.contains("0001_a.up.sql") && text.contains("0001_b.up.sql")
        }
    }

    @Test func downWithoutUpIsAnError() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("0001_a.up.sql", "select 1;")
        directory.write("0002_b.down.sql", "select 2;")

        #expect { try MigrationLoader.load(directory: directory.path) } throws: { error in
            "\(error)".contains("0002_b.down.sql")
        }
    }

    @Test func badFileNameIsNamed() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("create_users.sql", "select 1;")

        #expect { try MigrationLoader.load(directory: directory.path) } throws: { error in
            "\(error)".contains("create_users.sql")
        }
    }

    @Test func unreadableFileIsNamed() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("0001_a.up.sql", "select 1;")
        directory.makeDirectory("0002_b.up.sql")

        #expect { try MigrationLoader.load(directory: directory.path) } throws: { error in
            error is MigrationError && "\(error)".contains("0002_b.up.sql")
        }
    }

    @Test func invalidUTF8IsNamed() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("0001_a.up.sql", bytes: [0x73, 0xFF, 0xFE])

        #expect { try MigrationLoader.load(directory: directory.path) } throws: { error in
            "\(error)".contains("0001_a.up.sql")
        }
    }

    @Test func missingDirectoryIsNamed() {
        #expect { try MigrationLoader.load(directory: "/nonexistent/migrations-dir") } throws: { error in
            "\(error)".contains("/nonexistent/migrations-dir")
        }
    }

    @Test func repositoryMigrationsLoad() throws {
        let migrations = try MigrationLoader.load(directory: TestDatabase.migrationsDirectory)
        // Numbers are handed out to parallel branches, so a checkout may lack one for a while:
        // unique and increasing from 0001 is what the Migrator needs.
        let versions = migrations.map(\.version)
        #expect(versions.first == 1)
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 })
        #expect(migrations.prefix(2).map(\.name) == ["create_users_items", "users_age"])
        #expect(migrations.allSatisfy { $0.downSQL != nil })
    }
}
