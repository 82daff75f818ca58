import APIClient
import Foundation
import OpenAPIRuntime

/// What a user of the generated client does, each answer decoded into the generated types:
/// register, log in, read the profile, create an item with and without a description, read it,
/// list with a search, patch it, delete it, then a 404 (`HTTPError`) and a 422
/// (`HTTPValidationError`); with an admin's token, a campaign and its task status (`result` is a
/// nullable `CampaignResult`). Messages may come in English: URLSession on Linux sends an
/// `Accept-Language` of its own. Each step is reported as a check; a step whose answer is not the
/// documented one ends the run, since later steps need its result.
public struct ClientFlow {
    let client: Client
    let tokens: TokenStore
    let report: Report
    let adminToken: String?
    /// Makes the names and texts of this run unique in a shared database.
    let run = String(UInt32.random(in: .min ... .max), radix: 36)

    public init(serverURL: URL, transport: any ClientTransport, report: Report,
                adminToken: String?) {
        let tokens = TokenStore()
        self.tokens = tokens
        self.report = report
        self.adminToken = adminToken
        // The API's timestamps always carry six fractional digits: the runtime's default
        // transcoder (.iso8601) refuses any fraction, this one needs it.
        client = Client(serverURL: serverURL,
                        configuration: Configuration(dateTranscoder: .iso8601WithFractionalSeconds),
                        transport: transport,
                        middlewares: [BearerToken { await tokens.get() }])
    }

    /// The stop of a run at an answer that is not the documented one (already reported).
    struct Stop: Error {}

    /// Runs every step; failures are in the report.
    public func run() async {
        do {
            try await items()
            try await campaign()
        } catch is Stop {
            report.fail("the flow ran to its end", "stopped at the failure above")
        } catch {
            report.fail("the flow ran to its end", "\(error)")
        }
    }

    /// Reports an answer that is not the expected one and stops the run.
    func unexpected(_ step: String, _ output: Any) -> Stop {
        report.fail(step, "unexpected answer: \(String(describing: output).prefix(400))")
        return Stop()
    }

    // MARK: - Users and items

    func items() async throws {
        let email = "swift-\(run)@example.com", password = "Swift-Pass-\(run)"
        let register = try await client.registerApiV1AuthRegisterPost(body: .json(.init(
            username: "swift_\(run)", email: email, fullName: "Swift Client", age: 33,
            password: password, passwordConfirm: password)))
        guard case .created(let created) = register else { throw unexpected("register: 201", register) }
        let registered = try created.body.json
        report.check("register: 201 RegisterResponse", registered.userId > 0, "user_id \(registered.userId)")

        let login = try await client.loginApiV1AuthTokenPost(body: .urlEncodedForm(.init(username: email, password: password)))
        guard case .ok(let ok) = login else { throw unexpected("log in: 200", login) }
        let token = try ok.body.json
        report.checkEqual("log in: 200 Token (bearer)", "bearer", token.tokenType)
        await tokens.set(token.accessToken)

        let profile = try await client.getProfileApiV1UsersProfileGet()
        guard case .ok(let profileOK) = profile else { throw unexpected("profile: 200", profile) }
        let user = try profileOK.body.json
        report.check("profile: UserResponse with full_name, age and both timestamps as dates",
                     user.id == registered.userId && user.fullName == "Swift Client" && user.age == 33
                         && user.displayName == "Swift Client" && abs(user.createdAt.timeIntervalSinceNow) < 600
                         && user.updatedAt >= user.createdAt,
                     "\(user)")

        let marker = "swiftgen\(run)"
        let first = try await createItem(.init(title: "\(marker) with", description: "説明 \(marker)", price: 1200))
        report.check("create with a description: 201 ItemResponse",
                     first.description == "説明 \(marker)" && first.price == 1200 && first.ownerId == registered.userId
                         && abs(first.createdAt.timeIntervalSinceNow) < 600,
                     "\(first)")
        let second = try await createItem(.init(title: "\(marker) without"))
        report.check("create without a description: null description, default price 0",
                     second.description == nil && second.price == 0, "\(second)")

        let get = try await client.getItemApiV1ItemsItemIdGet(path: .init(itemId: first.id))
        guard case .ok(let getOK) = get else { throw unexpected("read: 200", get) }
        report.checkEqual("read: 200, the item as created (same created_at to the microsecond)", first, try getOK.body.json)

        let list = try await client.listItemsApiV1ItemsGet(query: .init(page: 1, perPage: 10, search: marker))
        guard case .ok(let listOK) = list else { throw unexpected("list with search: 200", list) }
        let page = try listOK.body.json
        report.check("list with search: ItemListResponse with both items, newest first",
                     page.total == 2 && page.items.map(\.id) == [second.id, first.id] && page.perPage == 10,
                     "total \(page.total), ids \(page.items.map(\.id))")

        let patch = try await client.updateItemApiV1ItemsItemIdPatch(
            path: .init(itemId: first.id), body: .json(.init(description: "変更済み", price: 77)))
        guard case .ok(let patchOK) = patch else { throw unexpected("patch: 200", patch) }
        let patched = try patchOK.body.json
        report.check("patch: 200, description and price changed, title kept",
                     patched.description == "変更済み" && patched.price == 77 && patched.title == first.title,
                     "\(patched)")

        for item in [first, second] {
            let delete = try await client.deleteItemApiV1ItemsItemIdDelete(path: .init(itemId: item.id))
            guard case .noContent = delete else { throw unexpected("delete: 204", delete) }
        }
        report.ok("delete: 204 for both items")

        let gone = try await client.getItemApiV1ItemsItemIdGet(path: .init(itemId: first.id))
        guard case .notFound(let notFound) = gone else { throw unexpected("read a deleted item: 404", gone) }
        report.checkEqual("read a deleted item: 404 HTTPError", "Item \(first.id) not found", try notFound.body.json.detail)

        let invalid = try await client.createItemApiV1ItemsPost(body: .json(.init(title: "", price: -1)))
        guard case .unprocessableContent(let unprocessable) = invalid else { throw unexpected("invalid item: 422", invalid) }
        let problem = try unprocessable.body.json
        let fields = (problem.errors ?? []).map { "\($0.field) \($0._type)" }
        report.check("invalid item: 422 HTTPValidationError listing every problem",
                     ["入力値が不正です", "Invalid input"].contains(problem.detail)
                         && fields.contains("body -> title string_too_short") && fields.contains("body -> price greater_than_equal"),
                     "\(problem)")
    }

    func createItem(_ body: Components.Schemas.ItemCreate) async throws -> Components.Schemas.ItemResponse {
        let output = try await client.createItemApiV1ItemsPost(body: .json(body))
        guard case .created(let created) = output else { throw unexpected("create: 201", output) }
        return try created.body.json
    }

    // MARK: - Campaigns

    func campaign() async throws {
        let unknown = try await client.getTaskStatusApiV1CampaignsTasksTaskIdGet(path: .init(taskId: "never-\(run)"))
        guard case .notFound(let notFound) = unknown else { throw unexpected("unknown task: 404", unknown) }
        let detail = try notFound.body.json.detail
        report.check("unknown task: 404 HTTPError", ["タスクが見つかりません", "Task not found"].contains(detail), detail)

        guard let adminToken else {
            print("# no admin token given: campaign not sent")
            return
        }
        await tokens.set(adminToken)

        let send = try await client.sendCampaignApiV1CampaignsSendPost(body: .json(.init(
            recipientEmails: ["swift-campaign-\(run)@example.com"], subject: "Swift \(run)", body: "こんにちは")))
        guard case .ok(let sent) = send else { throw unexpected("campaign: 200", send) }
        let queued = try sent.body.json
        report.checkEqual("campaign: 200 CampaignQueued", "queued", queued.status)

        // result is null until the job runner is done, then {"sent", "failed"}.
        let deadline = Date().addingTimeInterval(60)
        var states: [String] = []
        while true {
            let output = try await client.getTaskStatusApiV1CampaignsTasksTaskIdGet(path: .init(taskId: queued.taskId))
            guard case .ok(let statusOK) = output else { throw unexpected("task status: 200", output) }
            let status = try statusOK.body.json
            if states.last != status.status { states.append(status.status) }
            if status.status == "SUCCESS" || status.status == "FAILURE" {
                report.check("task status: \(states.joined(separator: " → ")) (result null until done), then a CampaignResult",
                             status.status == "SUCCESS" && status.result?.sent == 1 && status.result?.failed == 0,
                             "\(status)")
                return
            }
            if status.result != nil {
                report.fail("task status: result null while \(status.status)", "\(status)")
                return
            }
            if Date() > deadline {
                report.fail("task status: done within 60 s", "still \(status.status)")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
