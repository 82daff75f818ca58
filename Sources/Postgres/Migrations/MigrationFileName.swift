/// The parts of a migration file name: `NNNN_name.up.sql` or `NNNN_name.down.sql`.
struct MigrationFileName {
    /// The version number before the first underscore.
    let version: Int
    /// The text between the first underscore and `.up.sql` / `.down.sql`.
    let name: String
    /// True for `.up.sql`, false for `.down.sql`.
    let isUp: Bool

    /// Parses `fileName`; nil when it does not follow the pattern.
    init?(_ fileName: String) {
        let stem: Substring
        if fileName.hasSuffix(".up.sql") {
            stem = fileName.dropLast(".up.sql".count)
            isUp = true
        } else if fileName.hasSuffix(".down.sql") {
            stem = fileName.dropLast(".down.sql".count)
            isUp = false
        } else {
            return nil
        }
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let version = Int(digits), !name.isEmpty
        else { return nil }
        self.version = version
        self.name = String(name)
    }
}
