import AppCore
import FCGIServer
import Testing

/// The pool's settings: defaults, values, and the one line a bad value stops start-up with.
struct PoolConfigurationTests {
    func pool(_ environment: [String: String], processorCount: Int = 2) throws(ConfigurationError) -> PoolConfiguration {
        try PoolConfiguration(SettingsReader(environment: environment), processorCount: processorCount)
    }

    @Test func defaults() throws {
        let pool = try pool([:])
        #expect(pool.workers == 8)
        #expect(pool.name == "www")
        #expect(pool.priority == 0)
        #expect(pool.scoreboardDirectory == nil)
        #expect(pool.listen == nil)
        #expect(pool.webServers == (try FastCGIPeerFilter([])))
        #expect(pool.socketMode == 0o660)
        #expect(pool.maxBodySize == 1_048_576)
        #expect(pool.maxRequests == 0)
        #expect(pool.slowRequestMilliseconds == 1000)
        #expect(pool.requestTimeoutSeconds == 30)
        #expect(pool.rateLimitTableSlots == 65_536)
        #expect(try self.pool([:], processorCount: 0).workers == 2)
    }

    @Test func valuesAreRead() throws {
        let pool = try pool([
            "WORKERS": "3", "FCGI_LISTEN": "127.0.0.1:9000", "FCGI_SOCKET_MODE": "0600", "MAX_BODY_SIZE": "2048",
            "MAX_REQUESTS": "500", "SLOW_REQUEST_MILLISECONDS": "0", "REQUEST_TIMEOUT_SECONDS": "5",
            "RATE_LIMIT_TABLE_SLOTS": "1024",
        ])
        #expect(pool.workers == 3)
        #expect(pool.listen == "127.0.0.1:9000")
        #expect(pool.socketMode == 0o600)
        #expect(pool.maxBodySize == 2048)
        #expect(pool.maxRequests == 500)
        #expect(pool.slowRequestMilliseconds == 0)
        #expect(pool.requestTimeoutSeconds == 5)
        #expect(pool.rateLimitTableSlots == 1024)
    }

    @Test func aSecondPoolNamesItself() throws {
        let hashing = try pool(["POOL_NAME": "auth", "POOL_PRIORITY": "10", "SCOREBOARD_DIR": "/run/fcgiapp"])
        #expect(hashing.name == "auth")
        #expect(hashing.priority == 10)
        #expect(hashing.scoreboardDirectory == "/run/fcgiapp")
        // The name becomes a file name: no separators, no dots, at most 31 bytes.
        for name in ["", "a/b", "..", "auth pool", String(repeating: "x", count: 32)] {
            #expect(throws: ConfigurationError.self) { try pool(["POOL_NAME": name]) }
        }
    }

    @Test(arguments: [
        ("POOL_PRIORITY", "20"), ("POOL_PRIORITY", "-21"),
        ("WORKERS", "many"), ("WORKERS", "0"), ("FCGI_SOCKET_MODE", "0999"), ("FCGI_SOCKET_MODE", "rw"),
        ("MAX_BODY_SIZE", "0"), ("REQUEST_TIMEOUT_SECONDS", "0"), ("RATE_LIMIT_TABLE_SLOTS", "8"),
    ])
    func invalidValuesNameTheirVariable(name: String, value: String) {
        #expect { try pool([name: value]) } throws: { ($0 as? ConfigurationError)?.variable == name }
    }

    @Test func theApplicationsSettingsNeedNoneOfThem() throws {
        // A chat daemon or a job runner reads AppConfiguration alone: a pool setting it does not
        // use cannot stop it.
        let settings = SettingsReader(environment: ["SECRET_KEY": "s", "WORKERS": "many", "RATE_LIMIT_TABLE_SLOTS": "8"])
        #expect(throws: Never.self) { try AppConfiguration(settings) }
    }
}
