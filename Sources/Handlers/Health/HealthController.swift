import AppCore
import Postgres

/// `GET /health` (the process answers) and `GET /health/ready` (and so does the database).
public enum HealthController {
    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/health",
                Operation(
                    summary: "ヘルスチェック", tags: ["ヘルスチェック"], rateLimit: .exempt, name: "health_check",
                    description: "プロセスが応答すること（データベースは見ない）。", response: .object(ResponseSchemas.health)
                )
            ) { _, context in
                Response.json { json in
                    json.beginObject()
                    json.key("status")
                    json.value("ok")
                    json.key("version")
                    json.value(context.configuration.appVersion)
                    json.endObject()
                }
            },
            Route(
                "GET", "/health/ready",
                Operation(
                    summary: "レディネスチェック", tags: ["ヘルスチェック"], rateLimit: .exempt, name: "readiness_check",
                    description: "データベースも応答すること。応答しなければ 503。", response: .object(ResponseSchemas.readiness)
                )
            ) { _, context in
                try context.database.withConnection { connection in
                    _ = try connection.query("SELECT 1")
                }
                return Response.json { json in
                    json.beginObject()
                    json.key("status")
                    json.value("ok")
                    json.key("database")
                    json.value("ok")
                    json.endObject()
                }
            },
        ]
    }
}
