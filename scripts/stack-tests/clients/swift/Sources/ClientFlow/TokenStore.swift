/// The access token of the logged-in user, read by `BearerToken` before each request.
public actor TokenStore {
    private var token: String?

    public init() {}

    public func set(_ token: String?) {
        self.token = token
    }

    public func get() -> String? {
        token
    }
}
