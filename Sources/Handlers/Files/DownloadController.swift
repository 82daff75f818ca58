import AppCore
import Glibc

/// `GET /api/v1/download/{file_id}`: the seed's `FileResponse` of `{FILES_DIR}/{file_id}.pdf`,
/// served the nginx way. The worker only checks that the file is there and answers with
/// `X-Accel-Redirect` to nginx's `internal` location `/_files/`, which streams it (sendfile,
/// range requests) with the seed's `Content-Type` and `Content-Disposition`: a single-threaded
/// worker is never held for the length of a download, and never reads the file.
public enum DownloadController {
    /// nginx's internal location for `FILES_DIR` (both nginx configurations declare it).
    public static let internalPrefix = "/_files/"
    static let fileID = Parameter.path("file_id", .integer(.databaseID), description: "ファイルID")
    static let missing = Message(ja: "ファイルが見つかりません", en: "File not found")

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/api/v1/download/{file_id}",
                Operation(
                    summary: "ファイルダウンロード", tags: ["ファイル"], parameters: [fileID], name: "download_file",
                    description: "`{FILES_DIR}/{file_id}.pdf` を `document.pdf` として返す（nginx が X-Accel-Redirect で配信）。",
                    responseContentType: "application/pdf",
                    responses: [404: .error("ファイルが見つからない", detail: missing.japanese)]
                )
            ) { input, context in
                let id = input.integer(fileID)
                guard isRegularFile(path(of: id, in: context.configuration.filesDirectory)) else {
                    throw HTTPError(.notFound, missing)
                }
                // Content-Type and Content-Disposition go with the redirect: nginx keeps both
                // from the upstream's answer when it serves the internal location.
                return Response(
                    status: .ok,
                    headers: [
                        "X-Accel-Redirect": "\(internalPrefix)\(id).pdf",
                        "Content-Type": "application/pdf",
                        "Content-Disposition": "attachment; filename=\"document.pdf\"",
                    ])
            }
        ]
    }

    /// `{FILES_DIR}/{id}.pdf`; the id is a validated integer, so the name cannot leave the folder.
    static func path(of id: Int, in directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + "\(id).pdf"
    }

    /// A regular file there (a folder or a dangling link is not a file nginx could send).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
