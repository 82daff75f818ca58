import JSON
import Testing
@testable import AppCore

/// The schema forms that generated clients need (swift-openapi-generator 1.14.3 and
/// openapi-python-client read them; scripts/stack-tests/82-generated-clients.sh builds both):
/// nullability as type arrays and nullable components, no `anyOf` with a `null` branch, and
/// response schemas open to new keys while request bodies stay closed where the validator is.
struct OpenAPISchemaFormsTests {
    struct Probe {}

    static let outcome = ObjectSchema(
        name: "Outcome",
        fields: [
            FieldSchema("sent", .integer(IntegerRule(minimum: 0)))
        ], allowsExtraFields: false)
    static let status = ObjectSchema(
        name: "Status",
        fields: [
            FieldSchema("state", .string(StringRule(strip: false))),
            FieldSchema("outcome", .object(outcome), nullable: true, description: "null until done"),
            FieldSchema("tags", .array(ArrayRule(items: .string(StringRule()))), required: false, nullable: true),
            FieldSchema("score", .number, nullable: true),
            FieldSchema("done", .boolean, nullable: true),
        ], allowsExtraFields: false)
    static let change = ObjectSchema(
        name: "Change",
        fields: [
            FieldSchema("note", .string(StringRule(maxLength: 10)), required: false, nullable: true)
        ], allowsExtraFields: false)

    static func document(_ extra: [Route<Probe>] = []) -> (OpenAPIDocument, JSONValue) {
        var router = Router<Probe>()
        let ok: Route<Probe>.Handler = { _, _ in .empty(.noContent) }
        router.add(Route("PATCH", "/status", Operation(body: change, name: "change", response: .object(status)), handler: ok))
        for route in extra { router.add(route) }
        let document = OpenAPIDocument(routes: router.routes, tokenURL: "/token")
        return (document, document.json(info: OpenAPIInfo(title: "T", version: "1")))
    }

    @Test func nullableValuesAreTypeArrays() {
        let (document, json) = Self.document()
        #expect(document.problems.isEmpty)
        let properties = json["components"]?["schemas"]?["Status"]?["properties"]
        #expect(
            properties?["tags"] == [
                "type": ["array", "null"], "items": ["type": "string"], "title": "Tags", "default": nil,
            ])
        #expect(properties?["score"] == ["type": ["number", "null"], "title": "Score"])
        #expect(properties?["done"] == ["type": ["boolean", "null"], "title": "Done"])
        #expect(
            json["components"]?["schemas"]?["Change"]?["properties"]?["note"] == [
                "type": ["string", "null"], "maxLength": 10, "title": "Note", "default": nil,
            ])
        // Nowhere a null branch that swift-openapi-generator would skip.
        #expect(!json.jsonString.contains(#""anyOf""#) && !json.jsonString.contains(#""oneOf""#))
    }

    @Test func nullableObjectIsAReferenceToANullableComponent() {
        let (_, json) = Self.document()
        #expect(
            json["components"]?["schemas"]?["Status"]?["properties"]?["outcome"] == [
                "$ref": "#/components/schemas/Outcome", "title": "Outcome", "description": "null until done",
            ])
        let outcome = json["components"]?["schemas"]?["Outcome"]
        #expect(outcome?["type"] == ["object", "null"])
        #expect(outcome?["required"] == ["sent"])
    }

    @Test func responsesAreOpenRequestsClosedAsValidated() {
        let (_, json) = Self.document()
        let schemas = json["components"]?["schemas"]
        // Declared closed, but only ever sent: open, so that a key added later breaks no client.
        #expect(schemas?["Status"]?["additionalProperties"] == nil)
        #expect(schemas?["Outcome"]?["additionalProperties"] == nil)
        // A request body the validator closes says so.
        #expect(schemas?["Change"]?["additionalProperties"] == false)
    }

    @Test func oneObjectNullableAndPlainIsAProblem() {
        let ok: Route<Probe>.Handler = { _, _ in .empty(.noContent) }
        let (document, _) = Self.document([
            Route("GET", "/outcome", Operation(name: "outcome", response: .object(Self.outcome)), handler: ok)
        ])
        #expect(document.problems == ["two different schemas are named Outcome"])
    }
}
