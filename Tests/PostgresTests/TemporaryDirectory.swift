import Glibc

/// A directory under /tmp for file-based tests, removed with its files on `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/pg-migrations-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `contents` to `name` inside the directory.
    func write(_ name: String, _ contents: String) {
        let file = fopen(path + "/" + name, "w")
        precondition(file != nil, "cannot create \(name)")
        fputs(contents, file)
        fclose(file)
    }

    /// Writes raw bytes to `name` inside the directory.
    func write(_ name: String, bytes: [UInt8]) {
        let file = fopen(path + "/" + name, "w")
        precondition(file != nil, "cannot create \(name)")
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    /// Creates an empty subdirectory `name`.
    func makeDirectory(_ name: String) {
        precondition(mkdir(path + "/" + name, 0o700) == 0, "cannot create \(name)")
    }

    /// Deletes the files, empty subdirectories and the directory.
    func remove() {
        if let stream = opendir(path) {
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." && unlink(path + "/" + name) != 0 {
                    rmdir(path + "/" + name)
                }
            }
            closedir(stream)
        }
        rmdir(path)
    }
}
