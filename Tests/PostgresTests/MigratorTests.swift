import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct MigratorTests {
    @Test func upStatusDownUpWithRepositoryMigrations() throws {
        // The first two migrations of the repository: the seed's tables and the age column.
        let migrations = Array(try MigrationLoader.load(directory: TestDatabase.migrationsDirectory).prefix(2))
        try TestDatabase.withSchema { connection, _ in
            let migrator = Migrator(connection: connection, migrations: migrations)

            #expect(try migrator.status().map(\.applied) == [false, false])
            #expect(try migrator.up().map(\.version) == [1, 2])
            #expect(try migrator.up().isEmpty)

            let status = try migrator.status()
            #expect(status.map(\.version) == [1, 2])
            #expect(status.map(\.name) == ["create_users_items", "users_age"])
            #expect(status.allSatisfy { $0.applied && $0.appliedAt != nil })

            try connection.query(
                """
                insert into users (username, email, hashed_password, age) values (\("ann"), \("ann@example.com"), \("x"), \(30))
                """)
            #expect {
                try connection.query(
                    """
                    insert into users (username, email, hashed_password, age) values (\("bob"), \("bob@example.com"), \("x"), \(151))
                    """)
            } throws: { ($0 as? PGError)?.sqlState == "23514" }
            #expect {
                try connection.query(
                    """
                    insert into users (username, email, hashed_password) values (\("ann"), \("other@example.com"), \("x"))
                    """)
            } throws: { error in
                let error = error as? PGError
                return error?.isUniqueViolation == true && error?.constraintName == "ix_users_username"
            }

            #expect(try migrator.down().map(\.version) == [2])
            #expect(try migrator.status().map(\.applied) == [true, false])
            let ageColumns = try connection.query(
                """
                select count(*) from information_schema.columns
                where table_schema = current_schema() and table_name = 'users' and column_name = 'age'
                """)[0].decode(0, as: Int.self)
            #expect(ageColumns == 0)

            #expect(try migrator.up().map(\.version) == [2])
            #expect(try migrator.down(steps: 5).map(\.version) == [2, 1])
            #expect(try connection.query("select to_regclass('users') is null")[0].decode(0, as: Bool.self))
            #expect(try migrator.up().map(\.version) == [1, 2])
        }
    }

    @Test func downWithoutDownSQLChangesNothing() throws {
        let migrations = [
            Migration(version: 1, name: "a", upSQL: "create table a (n int)", downSQL: "drop table a"),
            Migration(version: 2, name: "b", upSQL: "create table b (n int)", downSQL: nil),
        ]
        try TestDatabase.withSchema { connection, _ in
            let migrator = Migrator(connection: connection, migrations: migrations)
            try migrator.up()
            #expect { try migrator.down(steps: 2) } throws: { error in
                error is MigrationError && "\(error)".contains("0002_b.down.sql")
            }
            #expect(try migrator.status().map(\.applied) == [true, true])
        }
    }

    @Test func failingMigrationIsRolledBackAndNotRecorded() throws {
        let migrations = [
            Migration(version: 1, name: "good", upSQL: "create table good (n int)"),
            Migration(version: 2, name: "bad", upSQL: "create table half (n int); select * from no_such_table"),
        ]
        try TestDatabase.withSchema { connection, _ throws in
            let migrator = Migrator(connection: connection, migrations: migrations)
            #expect { try migrator.up() } throws: { ($0 as? PGError)?.sqlState == "42P01" }
            #expect(try migrator.status().map(\.applied) == [true, false])
            #expect(try connection.query("select to_regclass('half') is null")[0].decode(0, as: Bool.self))
        }
    }

    @Test func duplicateVersionsAreRejected() throws {
        let migrations = [
            Migration(version: 1, name: "a", upSQL: "select 1"),
            Migration(version: 1, name: "b", upSQL: "select 1"),
        ]
        try TestDatabase.withSchema { connection, _ in
            #expect(throws: MigrationError.self) {
                try Migrator(connection: connection, migrations: migrations).up()
            }
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() throws {
        let migrations = (1...5).map { version in
            Migration(
                version: version, name: "step\(version)",
                upSQL: "create table step\(version) (n int); select pg_sleep(0.05)"
            )
        }
        try TestDatabase.withSchema { connection, schema in
            let results = UncheckedSendableBox(value: ResultsBox())
            let threads = (0..<2).map { index in
                TestThread {
                    do {
                        let own = try TestDatabase.connect(schema: schema)
                        let applied = try Migrator(connection: own, migrations: migrations).up()
                        results.value.set(index, .success(applied.map(\.version)))
                    } catch {
                        results.value.set(index, .failure(error))
                    }
                }
            }
            for thread in threads { thread.join() }
            let first = try results.value.values[0].get()
            let second = try results.value.values[1].get()
            #expect((first + second).sorted() == [1, 2, 3, 4, 5])
            let recorded = try connection.query("select count(*) from schema_migrations")[0].decode(0, as: Int.self)
            #expect(recorded == 5)
        }
    }

    @Test func seedDatabaseMigratesInPlace() throws {
        let migrations = try MigrationLoader.load(directory: TestDatabase.migrationsDirectory)
        try TestDatabase.withSchema { connection, _ in
            // The DDL SQLAlchemy's create_all emits for the seed's models.
            try connection.execute(
                unsafeSQL: """
                    CREATE TABLE users (
                        id SERIAL NOT NULL, username VARCHAR(50) NOT NULL, email VARCHAR(255) NOT NULL,
                        hashed_password VARCHAR(255) NOT NULL, full_name VARCHAR(100),
                        is_active BOOLEAN NOT NULL, is_admin BOOLEAN NOT NULL,
                        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
                        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
                        PRIMARY KEY (id));
                    CREATE INDEX ix_users_email_active ON users (email, is_active);
                    CREATE UNIQUE INDEX ix_users_email ON users (email);
                    CREATE INDEX ix_users_id ON users (id);
                    CREATE UNIQUE INDEX ix_users_username ON users (username);
                    CREATE TABLE items (
                        id SERIAL NOT NULL, title VARCHAR(200) NOT NULL, description TEXT, price INTEGER NOT NULL,
                        owner_id INTEGER NOT NULL, created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
                        PRIMARY KEY (id), FOREIGN KEY(owner_id) REFERENCES users (id) ON DELETE CASCADE);
                    CREATE INDEX ix_items_id ON items (id);
                    INSERT INTO users (username, email, hashed_password, is_active, is_admin)
                        VALUES ('seeded', 'seeded@example.com', 'x', true, false);
                    """)
            let migrator = Migrator(connection: connection, migrations: migrations)
            #expect(try migrator.up().map(\.version) == migrations.map(\.version))
            let row = try connection.query("select username, age from users")[0]
            #expect(try row.decode((String, Int?).self) == ("seeded", nil))
            // 0001's index for the owner; 0007's trigram indexes (it drops 0001's created_at index).
            let indexes = try connection.query(
                """
                select string_agg(indexname, ' ' order by indexname) from pg_indexes where schemaname = current_schema()
                and indexname in ('ix_items_owner_id', 'ix_items_created_at_id', 'ix_items_title_trgm', 'ix_items_description_trgm')
                """)[0].decode(0, as: String.self)
            #expect(indexes == "ix_items_description_trgm ix_items_owner_id ix_items_title_trgm")
            // The counts start from the rows that were there.
            let users = try connection.query(
                "select sum(n)::int from row_counts where relname = 'users' and bucket = -2147483648")[0]
            #expect(try users.decode(0, as: Int.self) == 1)
        }
    }

    /// 0007 reverts and applies again on a database with rows: the old index back and the counts
    /// gone, then the counts taken again from the rows that are there.
    @Test func theCountsAndTrigramMigrationIsReversible() throws {
        let connection = try PGConnection(conninfo: try TestDatabase.makeMigratedDatabase())
        let migrator = Migrator(
            connection: connection, migrations: try MigrationLoader.load(directory: TestDatabase.migrationsDirectory))
        try connection.execute(
            unsafeSQL: """
                insert into users (username, email, hashed_password, is_active, is_admin) values ('owner', 'owner@example.com', 'x', true, false);
                insert into items (title, owner_id) select 'item ' || g, 1 from generate_series(1, 2500) g;
                """)
        #expect(try migrator.down().map(\.version) == [7])
        let tables = try connection.query("select count(*) from pg_tables where tablename = 'row_counts'")[0].decode(
            0, as: Int.self)
        #expect(tables == 0)
        let restored = try connection.query("select count(*) from pg_indexes where indexname = 'ix_items_created_at_id'")[0]
        #expect(try restored.decode(0, as: Int.self) == 1)
        try connection.execute(
            unsafeSQL: "insert into items (title, owner_id) select 'later ' || g, 1 from generate_series(1, 100) g")
        #expect(try migrator.up().map(\.version) == [7])
        let counted = try connection.query(
            """
            select (select sum(n)::int from row_counts where relname = 'items' and bucket = -2147483648),
                   (select sum(n)::int from row_counts where relname = 'items' and bucket = 2)
            """)[0]
        #expect(try counted.decode((Int, Int).self) == (2600, 2600 - 2047))
    }
}
