import Testing
@testable import AppCore

/// Settings from environment and `.env`, as pydantic-settings reads them.
struct ConfigurationTests {
    func configuration(
        _ environment: [String: String], dotEnv: [String: String] = [:]
    ) throws(ConfigurationError) -> AppConfiguration {
        try AppConfiguration(SettingsReader(environment: environment, dotEnv: dotEnv))
    }

    @Test func defaultsAreTheSeeds() throws {
        let config = try configuration(["SECRET_KEY": "s"])
        #expect(config.appName == "MyAPI")
        #expect(config.appVersion == "1.0.0")
        #expect(config.allowedHosts == ["*"])
        #expect(config.corsOrigins == ["http://localhost:3000"])
        #expect(config.accessTokenExpireMinutes == 30)
        #expect(config.refreshTokenExpireDays == 7)
        #expect(config.rateLimitMaxRequests == 100)
        #expect(config.rateLimitWindowSeconds == 60)
    }

    @Test func missingSecretStopsStartUpWithOneLine() {
        #expect(throws: ConfigurationError(variable: "SECRET_KEY", problem: "is missing")) {
            try configuration([:])
        }
        let line = ConfigurationError(variable: "SECRET_KEY", problem: "is missing").description
        #expect(line == "configuration error: SECRET_KEY is missing")
    }

    @Test func invalidValuesAreRejected() {
        #expect(throws: ConfigurationError.self) { try configuration(["SECRET_KEY": "s", "DEBUG": "maybe"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["SECRET_KEY": "s", "ALGORITHM": "none"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["SECRET_KEY": "s", "DATABASE_URL": "mysql://x/y"]) }
    }

    @Test func searchTimeout() throws {
        #expect(try configuration(["SECRET_KEY": "s"]).searchTimeoutMilliseconds == 2000)
        #expect(try configuration(["SECRET_KEY": "s", "SEARCH_TIMEOUT_MILLISECONDS": "500"]).searchTimeoutMilliseconds == 500)
        #expect(throws: ConfigurationError.self) { try configuration(["SECRET_KEY": "s", "SEARCH_TIMEOUT_MILLISECONDS": "0"]) }
    }

    @Test func listsAcceptJsonArraysAndCommas() throws {
        #expect(
            try configuration(["SECRET_KEY": "s", "CORS_ORIGINS": #"["https://a.example", "https://b.example"]"#]).corsOrigins
                == ["https://a.example", "https://b.example"])
        #expect(
            try configuration(["SECRET_KEY": "s", "ALLOWED_HOSTS": "api.example.com, *.example.com"]).allowedHosts
                == ["api.example.com", "*.example.com"])
    }

    @Test func environmentOverridesDotEnvAndNamesAreCaseInsensitive() throws {
        let config = try configuration(
            ["secret_key": "from-env", "APP_NAME": "Env"],
            dotEnv: ["SECRET_KEY": "from-file", "APP_NAME": "File", "DEBUG": "true"])
        #expect(config.secretKey == "from-env")
        #expect(config.appName == "Env")
        #expect(config.debug)
    }

    @Test func seedDatabaseURLBecomesLibpqWithTimeout() throws {
        #expect(
            try DatabaseURL.libpqConnectionString("postgresql+asyncpg://user:pass@localhost/mydb")
                == "postgresql://user:pass@localhost/mydb?connect_timeout=3")
        #expect(
            try DatabaseURL.libpqConnectionString("postgresql://u@/db?host=/tmp")
                == "postgresql://u@/db?host=/tmp&connect_timeout=3")
        #expect(try DatabaseURL.libpqConnectionString("host=/tmp dbname=app") == "host=/tmp dbname=app connect_timeout=3")
    }

    @Test func dotEnvParsing() {
        let values = DotEnv.parse(
            """
            # comment
            export SECRET_KEY='abc def'
            app_name="My \\"API\\""
            WORKERS=4 # four
            EMPTY=
            """)
        #expect(values["SECRET_KEY"] == "abc def")
        #expect(values["APP_NAME"] == "My \"API\"")
        #expect(values["WORKERS"] == "4")
        #expect(values["EMPTY"] == "")
    }
}
