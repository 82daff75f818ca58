import Glibc

/// Reads `NNNN_name.up.sql` and optional `NNNN_name.down.sql` files from a directory.
public enum MigrationLoader {
    /// Loads all migrations in `directory`, sorted by version.
    ///
    /// Files not ending in `.sql` and hidden files are ignored. A `.sql` file
    /// with another name pattern, a duplicate version, a down file without its
    /// up file, or an unreadable file throws a `MigrationError` naming the file.
    public static func load(directory: String) throws -> [Migration] {
        var ups: [Int: (file: String, name: String, sql: String)] = [:]
        var downs: [Int: (file: String, name: String, sql: String)] = [:]
        for file in try listFiles(in: directory) where file.hasSuffix(".sql") && !file.hasPrefix(".") {
            guard let parsed = MigrationFileName(file) else {
                throw MigrationError("\(file) in \(directory): expected NNNN_name.up.sql or NNNN_name.down.sql")
            }
            let sql = try readFile(directory + "/" + file, displayName: file)
            if parsed.isUp {
                if let other = ups[parsed.version] {
                    throw MigrationError("duplicate migration version \(parsed.version): \(other.file) and \(file)")
                }
                ups[parsed.version] = (file, parsed.name, sql)
            } else {
                if let other = downs[parsed.version] {
                    throw MigrationError("duplicate migration version \(parsed.version): \(other.file) and \(file)")
                }
                downs[parsed.version] = (file, parsed.name, sql)
            }
        }
        for (version, down) in downs {
            guard let up = ups[version], up.name == down.name else {
                throw MigrationError("\(down.file) has no matching up file")
            }
        }
        return ups.keys.sorted().map { version in
            let up = ups[version]!
            return Migration(version: version, name: up.name, upSQL: up.sql, downSQL: downs[version]?.sql)
        }
    }

    /// The entry names of `directory`, sorted (so errors are deterministic).
    private static func listFiles(in directory: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            throw MigrationError("cannot open migrations directory \(directory): \(errnoText())")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole file as UTF-8 text.
    private static func readFile(_ path: String, displayName: String) throws -> String {
        guard let file = fopen(path, "rb") else {
            throw MigrationError("cannot read \(displayName): \(errnoText())")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count { break }
        }
        if ferror(file) != 0 {
            throw MigrationError("cannot read \(displayName): \(errnoText())")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MigrationError("\(displayName) is not valid UTF-8")
        }
        return text
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
