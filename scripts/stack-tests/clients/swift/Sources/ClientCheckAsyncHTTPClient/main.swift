import ClientFlow
import Foundation
import OpenAPIAsyncHTTPClient

// The generated client over async-http-client (SwiftNIO).
exit(await Command.main(transportName: "AsyncHTTPClient", transport: AsyncHTTPClientTransport()))
