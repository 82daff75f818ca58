extension HTTPHeaders {
    /// The first value of the field `name`, given in lowercase, compared ASCII
    /// case-insensitively without allocating (the subscript lowercases both names). Request
    /// header names arrive lowercase from FastCGI, so most comparisons end at the first byte.
    func value(lowercaseName name: String) -> String? {
        for field in fields where Self.equal(field.name, lowercase: name) { return field.value }
        return nil
    }

    static func equal(_ candidate: String, lowercase: String) -> Bool {
        guard candidate.utf8.count == lowercase.utf8.count else { return false }
        for (a, b) in zip(candidate.utf8, lowercase.utf8) where a != b {
            guard a >= UInt8(ascii: "A"), a <= UInt8(ascii: "Z"), a + 32 == b else { return false }
        }
        return true
    }
}
