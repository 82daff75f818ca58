import AppCore
import Glibc
import Testing

/// `GET /api/v1/download/{file_id}` through the real router: a file that is there is handed to
/// nginx (`X-Accel-Redirect`, no body), anything else is the contract's 404 or 422. No database.
struct DownloadControllerTests {
    let router: OfflineRouter
    let folder: String

    init() throws {
        var template = Array("/tmp/download-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        folder = String(cString: try #require(made))
        router = try OfflineRouter(environment: ["FILES_DIR": folder])
    }

    func get(_ path: String) -> Response {
        router.get(path)
    }

    func makeFile(_ name: String) {
        let fd = open(folder + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = write(fd, "%PDF-1.4\n", 9)
        close(fd)
    }

    func cleanUp() {
        for name in ["7.pdf", "8.pdf"] { unlink(folder + "/" + name) }
        rmdir(folder + "/9.pdf")
        rmdir(folder)
    }

    @Test func anExistingFileIsHandedToNginx() {
        defer { cleanUp() }
        makeFile("7.pdf")
        let response = get("/api/v1/download/7")
        #expect(response.status == .ok)
        #expect(response.headers["X-Accel-Redirect"] == "/_files/7.pdf")
        #expect(response.headers["Content-Type"] == "application/pdf")
        #expect(response.headers["Content-Disposition"] == "attachment; filename=\"document.pdf\"")
        #expect(response.body.isEmpty)  // nginx sends the file; the worker never reads it
    }

    @Test func anUnknownIdIsA404InJSON() {
        defer { cleanUp() }
        mkdir(folder + "/9.pdf", 0o755)  // a folder by that name is no file either
        for id in ["8", "9"] {
            let response = get("/api/v1/download/\(id)")
            #expect(response.status == .notFound)
            #expect(response.headers["X-Accel-Redirect"] == nil)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"detail":"ファイルが見つかりません"}"#)
        }
    }

    @Test func theIdMustBeAPositiveInteger() {
        defer { cleanUp() }
        for id in ["0", "-1", "abc", "2147483648"] {
            #expect(get("/api/v1/download/\(id)").status == .unprocessableContent, "id \(id)")
        }
    }
}
