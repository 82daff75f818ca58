/// The release this executable is: what `/health` and the OpenAPI document report unless
/// `APP_VERSION` says otherwise. Bumped for each release; kept in this one small file of the
/// executable target, so that a build which changes only it recompiles nothing else.
enum Release {
    static let version = "1.0.0"
}
