/// Makes a `DATABASE_URL` usable by libpq: accepts the seed's SQLAlchemy form
/// (`postgresql+asyncpg://…`) and adds a `connect_timeout` so a dead host cannot block a
/// worker for minutes.
public enum DatabaseURL {
    public static func libpqConnectionString(_ url: String, connectTimeoutSeconds: Int = 3) throws(ConfigurationError) -> String {
        var text = url.trimmingASCIIWhitespace()
        if let schemeEnd = text.firstRange(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            let base = scheme.split(separator: "+", maxSplits: 1).first.map(String.init) ?? scheme
            guard base == "postgresql" || base == "postgres" else {
                throw ConfigurationError(variable: "DATABASE_URL", problem: "must be a postgresql:// URL (got scheme \(scheme))")
            }
            text = "postgresql" + text[schemeEnd.lowerBound...]
            if !text.contains("connect_timeout=") {
                text += (text.contains("?") ? "&" : "?") + "connect_timeout=\(connectTimeoutSeconds)"
            }
            return text
        }
        guard text.contains("=") else {
            throw ConfigurationError(variable: "DATABASE_URL", problem: "must be a postgresql:// URL or a libpq key=value string")
        }
        if !text.contains("connect_timeout=") { text += " connect_timeout=\(connectTimeoutSeconds)" }
        return text
    }
}
