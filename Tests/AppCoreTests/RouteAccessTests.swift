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
        return router
    }()

    func status(_ method: String, _ path: String, as name: String?) -> (Int, String) {
        var headers = HTTPHeaders()
        if let name { headers.add("authorization", name) }
        do {
            let response = try Self.router.respond(
                to: Request(method: method, path: path, headers: headers),
                context: Accounts())
            return (response.status.code, String(decoding: response.body, as: UTF8.self))
        } catch let error as HTTPError {
            return (error.status.code, "")
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

    @Test func theDocumentShowsSecurityExactlyWhereAccessIsDeclared() {
        #expect(Access.anyone.needsToken == false)
        for access in [Access.token, .user, .admin, .permissions(["read"])] {
            #expect(access.needsToken)
        }
    }
}
