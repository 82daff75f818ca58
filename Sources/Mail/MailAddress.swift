/// Addresses as they appear in `MAIL_FROM` and headers.
public enum MailAddress {
    /// The bare address of `Name <address>` (or the text itself).
    public static func envelope(_ text: String) -> String {
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close]).trimmingCharacters()
        }
        return text.trimmingCharacters()
    }

    /// A From header value: `Name <address>` with a non-ASCII name as encoded words.
    public static func header(_ text: String) -> String {
        guard let open = text.lastIndex(of: "<") else { return text }
        let name = String(text[..<open]).trimmingCharacters()
        guard !name.isEmpty else { return "<" + envelope(text) + ">" }
        let unquoted =
            name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 ? String(name.dropFirst().dropLast()) : name
        let plain = unquoted.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        let shown = plain ? "\"" + unquoted + "\"" : MessageFormat.encodeHeaderText(unquoted, nameLength: 78)
        return shown + " <" + envelope(text) + ">"
    }

    /// True for one plausible address or `Name <address>`: an @ with text on both sides, no
    /// white space or control characters in the address, nothing that could start a new line.
    public static func isValidSender(_ text: String) -> Bool {
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        let address = envelope(text)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !address.unicodeScalars.contains(where: { $0 == " " || $0 == "<" || $0 == ">" })
    }
}

extension String {
    func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
