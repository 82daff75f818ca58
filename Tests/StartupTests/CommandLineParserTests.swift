import Startup
import Testing

/// The one command-line reader of the three executables.
struct CommandLineParserTests {
    let parser = CommandLineParser(
        [
            .init(["serve"], options: ["--listen", "--workers"]),
            .init(["migrate", "up"], options: ["--dir"]),
            .init(["migrate", "down"], options: ["--dir", "--steps"]),
            .init(["user", "grant"], options: ["--email"], flags: ["--dry-run"], takesArguments: true),
        ], default: ["serve"])

    @Test func commandsOptionsFlagsAndWords() throws {
        #expect(
            try parser.parse(["migrate", "up", "--dir", "db"]) == .init(command: ["migrate", "up"], values: ["--dir": "db"]))
        let grant = try parser.parse(["user", "grant", "--email", "a@b.c", "x:write", "--dry-run", "y:read"])
        #expect(grant.command == ["user", "grant"])
        #expect(grant.value("--email") == "a@b.c" && grant.has("--dry-run"))
        #expect(grant.arguments == ["x:write", "y:read"])
    }

    @Test func theDefaultCommandWhenNoneIsNamed() throws {
        #expect(try parser.parse([]).command == ["serve"])
        #expect(try parser.parse(["--listen", "/tmp/s.sock"]).value("--listen") == "/tmp/s.sock")
    }

    @Test func helpWherever() throws {
        for words in [["-h"], ["--help"], ["help"], ["migrate", "up", "--help"]] {
            #expect(try parser.parse(words).command == ["help"], "\(words)")
        }
    }

    @Test func mistakesAreOneClearLine() {
        let cases: [([String], String)] = [
            (["walk"], "unknown command 'walk' (one of: serve, migrate up, migrate down, user grant)"),
            (["migrate"], "unknown command 'migrate' (one of: serve, migrate up, migrate down, user grant)"),
            (["serve", "--listen"], "--listen needs a value"),
            (["migrate", "up", "--steps", "2"], "unknown option '--steps' for 'migrate up'"),
            (["serve", "extra"], "unknown argument 'extra' for 'serve'"),
        ]
        for (words, message) in cases {
            #expect(throws: CommandLineParser.UsageError(message), "\(words)") { try parser.parse(words) }
        }
    }

    @Test func numbersAreChecked() throws {
        let line = try parser.parse(["serve", "--workers", "600"])
        #expect(throws: CommandLineParser.UsageError("--workers must be a whole number from 1 to 512")) {
            try line.int("--workers", in: 1...512)
        }
        #expect(try parser.parse(["serve", "--workers", "4"]).int("--workers", in: 1...512) == 4)
        #expect(try parser.parse(["serve"]).int("--workers", in: 1...512) == nil)
    }
}
