/// One step around the router, as a Starlette middleware is: it may answer by itself (a CORS
/// preflight, a 429) or call `next` and adjust what comes back.
///
/// ```swift
/// struct Tagging: RequestPolicy {
///     func respond(to request: Request, next: (Request) -> Response) -> Response {
///         var response = next(request)
///         response.headers.add("X-Tag", "1")
///         return response
///     }
/// }
/// ```
///
/// A policy lives in one worker process and may keep per-process state, so it need not be
/// `Sendable`. It runs on every request: keep it cheap when it has nothing to do.
public protocol RequestPolicy {
    /// The response for `request`; `next` runs the inner policies and the router.
    func respond(to request: Request, next: (Request) -> Response) -> Response
}
