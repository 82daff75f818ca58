import Testing
@testable import AppCore

/// The settings the policies read.
struct PoliciesConfigurationTests {
    func configuration(_ environment: [String: String]) throws(ConfigurationError) -> AppConfiguration {
        var values = environment
        values["SECRET_KEY"] = "s"
        return try AppConfiguration(SettingsReader(environment: values))
    }

    @Test func defaults() throws {
        let config = try configuration([:])
        #expect(config.rateLimitMaxRequests == 100)
        #expect(config.rateLimitWindowSeconds == 60)
        #expect(config.loginRateLimitMaxRequests == 10)
        #expect(config.loginRateLimitWindowSeconds == 60)
        #expect(config.trustedProxies == [])
    }

    @Test func valuesAreRead() throws {
        let config = try configuration([
            "LOGIN_RATE_LIMIT_MAX_REQUESTS": "5", "LOGIN_RATE_LIMIT_WINDOW_SECONDS": "300",
            "TRUSTED_PROXIES": #"["10.0.0.2", "10.0.0.3"]"#,
        ])
        #expect(config.loginRateLimitMaxRequests == 5)
        #expect(config.loginRateLimitWindowSeconds == 300)
        #expect(config.trustedProxies == ["10.0.0.2", "10.0.0.3"])
    }

    @Test func invalidValuesStopStartUp() {
        #expect(throws: ConfigurationError.self) { try configuration(["LOGIN_RATE_LIMIT_MAX_REQUESTS": "0"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["ALLOWED_HOSTS": "api.*.example.com"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["ALLOWED_HOSTS": "*example.com"]) }
        #expect(throws: Never.self) { try configuration(["ALLOWED_HOSTS": "*.example.com,api.example.org"]) }
    }
}
