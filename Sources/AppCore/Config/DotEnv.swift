import Glibc

/// Reads `.env` files the way python-dotenv does for the common cases: `KEY=value` lines,
/// `#` comments, an optional `export ` prefix, single- or double-quoted values (double quotes
/// understand `\n`, `\"` and `\\`), and inline ` #` comments after unquoted values.
public enum DotEnv {
    /// The variables of the file at `path`, or an empty list when there is no such file.
    public static func load(path: String) throws(ConfigurationError) -> [String: String] {
        guard let file = fopen(path, "r") else {
            if errno == ENOENT { return [:] }
            throw ConfigurationError(variable: path, problem: "cannot be read")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses the text of a `.env` file. Keys are returned uppercased (settings are
    /// case-insensitive, as in the seed's `case_sensitive=False`).
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = Substring(rawLine.trimmingASCIIWhitespace())
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingASCIIWhitespace().uppercased()
            guard !key.isEmpty else { continue }
            values[key] = value(Substring(line[line.index(after: equals)...].trimmingASCIIWhitespace()))
        }
        return values
    }

    static func value(_ raw: Substring) -> String {
        if raw.hasPrefix("'"), let end = raw.dropFirst().firstIndex(of: "'") {
            return String(raw[raw.index(after: raw.startIndex)..<end])
        }
        if raw.hasPrefix("\"") {
            var result = ""
            var escaped = false
            for character in raw.dropFirst() {
                if escaped {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: result.append(character)
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    return result
                } else {
                    result.append(character)
                }
            }
            return result
        }
        if let comment = raw.firstRange(of: " #") {
            return raw[..<comment.lowerBound].trimmingASCIIWhitespace()
        }
        return String(raw)
    }
}
