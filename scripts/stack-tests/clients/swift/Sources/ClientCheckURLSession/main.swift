import ClientFlow
import Foundation
import OpenAPIURLSession

// The generated client over URLSession (FoundationNetworking on Linux).
exit(await Command.main(transportName: "URLSession", transport: URLSessionTransport()))
