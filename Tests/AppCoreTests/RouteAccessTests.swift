import Testing
@testable import AppCore

/// A route enforces the access its operation declares before the handler runs, and hands the
/// handler what the check found.
struct RouteAccessTests {
    /// Knows one administrator ("root") and one user ("ann"), named by `Authorization`.
    struct Accounts: Authenticating {
        func caller(of request: Request, access: Access) throws -> String {
            guard let name = request.headers["authorization"], ["root", "ann"].contains(name) else {
                throw HTTPError(.unauthorized, .invalidCredentials)
            }
            if access == .admin, name != "root" { throw HTTPError(.forbidden, .adminRequired) }
            if case .permissions(let needed) = access, !needed.allSatisfy({ $0 == "read" }) {
                throw HTTPError(.forbidden, .missingPermissions(needed))
            }
            return name
        }

        func tokenSubject(of request: Request) throws -> Int {
            guard let number = request.headers["authorization"].flatMap(Int.init) else {
                throw HTTPError(.unauthorized, .invalidCredentials)
            }
            return number
        }
    }

    static let router: Router<Accounts> = {
        var router = Router<Accounts>()
        router.add(Route("GET", "/me", Operation(access: .user)) { _, _, caller in .json(.ok, ["name": .string(caller)]) })
        router.add(
            Route("DELETE", "/users/{user_id}", Operation(access: .admin)) { _, _, caller in
                .json(.ok, ["by": .string(caller)])
            })
        router.add(Route("GET", "/reports", Operation(access: .permissions(["read", "export"]))) { _, _, _ in .empty(.ok) })
        router.add(
            .token("POST", "/items/", Operation(access: .token)) { _, _, subject in
                .json(.created, ["owner": .int(Int64(subject))])
            })
        router.add(
            Route(
                "PATCH", "/notes/{note_id}",
                Operation(parameters: [.path("note_id", .integer(.databaseID))], body: Self.note, access: .user)
            ) { input, _, caller in
                .json(.ok, ["by": .string(caller), "text": input.body?["text"] ?? .null])
            })
        return router
    }()

    static let note = ObjectSchema(
        name: "Note", fields: [FieldSchema("text", .string(StringRule(maxLength: 5)))], allowsExtraFields: false)

    func status(_ method: String, _ path: String, as name: String?, body: String? = nil) -> (Int, String) {
        var headers = HTTPHeaders()
        if let name { headers.add("authorization", name) }
        if body != nil { headers.add("content-type", "application/json") }
        do {
            let response = try Self.router.respond(
                to: Request(method: method, path: path, headers: headers, body: Array((body ?? "").utf8)),
                context: Accounts())
            return (response.status.code, String(decoding: response.body, as: UTF8.self))
        } catch let error as HTTPError {
            return (error.status.code, "")
        } catch let error as ValidationError {
            return (422, error.issues.map(\.type).joined(separator: ","))
        } catch {
            Issue.record("unexpected \(error)")
            return (0, "")
        }
    }

    @Test func aUserRouteRefusesAnonymousCallersAndHandsOverTheCaller() {
        #expect(status("GET", "/me", as: nil).0 == 401)
        #expect(status("GET", "/me", as: "eve").0 == 401)
        #expect(status("GET", "/me", as: "ann") == (200, #"{"name":"ann"}"#))
    }

    @Test func anAdminRouteAsksForAdministrators() {
        #expect(status("DELETE", "/users/3", as: "ann").0 == 403)
        #expect(status("DELETE", "/users/3", as: "root") == (200, #"{"by":"root"}"#))
    }

    @Test func aPermissionRoutePassesTheNamesToTheCheck() {
        #expect(status("GET", "/reports", as: "ann").0 == 403)
    }

    @Test func aTokenRouteHandsOverTheSubject() {
        #expect(status("POST", "/items/", as: nil).0 == 401)
        #expect(status("POST", "/items/", as: "41") == (201, #"{"owner":41}"#))
    }

    /// FastAPI's order: a body that is not JSON first (it is read before the dependencies run),
    /// then the credentials, then the parameters and the body against their schemas.
    @Test func credentialsAreCheckedBeforeTheInputButAfterTheJSONParses() {
        #expect(status("PATCH", "/notes/0", as: nil, body: #"{"text": "far too long"}"#).0 == 401)
        #expect(status("PATCH", "/notes/1", as: nil, body: "").0 == 401)
        #expect(status("PATCH", "/notes/1", as: "eve", body: #"{"text": 5}"#).0 == 401)
        #expect(status("PATCH", "/notes/1", as: nil, body: #"{"text": "#) == (422, "json_invalid"))
        #expect(
            status("PATCH", "/notes/0", as: "ann", body: #"{"text": "far too long"}"#)
                == (422, "greater_than_equal,string_too_long"))
        #expect(status("PATCH", "/notes/1", as: "ann", body: #"{"text": "hi"}"#) == (200, #"{"by":"ann","text":"hi"}"#))
    }

    @Test func theDocumentShowsSecurityExactlyWhereAccessIsDeclared() {
        #expect(Access.anyone.needsToken == false)
        for access in [Access.token, .user, .admin, .permissions(["read"])] {
            #expect(access.needsToken)
        }
    }
}
