/// Syntax checks of an email address, close to what `email-validator` (behind Pydantic's
/// `EmailStr`) accepts without DNS look-ups: one `@`, a dot-atom local part of at most 64
/// characters, and a domain name with at least two labels and a non-numeric top level.
public enum EmailAddress {
    public struct Problem: Error, Equatable, Sendable {
        public let message: String
    }

    static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    /// Returns the address with its domain lowercased, or the reason it is not valid.
    public static func validate(_ address: String) -> Result<String, Problem> {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(Problem(message: "The email address is not valid. It must have exactly one @-sign."))
        }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty else {
            return .failure(Problem(message: "There must be something before the @-sign."))
        }
        guard !domain.isEmpty else {
            return .failure(Problem(message: "There must be something after the @-sign."))
        }
        guard local.utf8.count <= 64 else {
            return .failure(Problem(message: "The email address is too long before the @-sign."))
        }
        guard address.utf8.count <= 254 else {
            return .failure(Problem(message: "The email address is too long."))
        }
        if let problem = checkLocalPart(local) { return .failure(problem) }
        if let problem = checkDomain(domain) { return .failure(problem) }
        return .success(local + "@" + domain.lowercased())
    }

    static func checkLocalPart(_ local: Substring) -> Problem? {
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            return Problem(message: "The email address contains a period in an invalid place.")
        }
        for scalar in local.unicodeScalars {
            let ascii = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
            // Internationalised local parts (letters beyond ASCII) are allowed, as email-validator does.
            let international = !scalar.isASCII && scalar.properties.isAlphabetic
            if !(ascii || international || scalar == "." || atextSymbols.contains(scalar)) {
                return Problem(message: "The email address contains invalid characters before the @-sign.")
            }
        }
        return nil
    }

    static func checkDomain(_ domain: Substring) -> Problem? {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            return Problem(message: "The part after the @-sign is not valid. It should have a period.")
        }
        for label in labels {
            guard !label.isEmpty else {
                return Problem(message: "An email address cannot have a period in an invalid place after the @-sign.")
            }
            guard label.utf8.count <= 63 else {
                return Problem(message: "The part after the @-sign is too long.")
            }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                return Problem(message: "An email address cannot have a hyphen immediately before or after a period.")
            }
            for scalar in label.unicodeScalars {
                let ok =
                    (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                    || scalar == "-" || (!scalar.isASCII && scalar.properties.isAlphabetic)
                if !ok {
                    return Problem(message: "The part after the @-sign contains invalid characters.")
                }
            }
        }
        if let top = labels.last, top.allSatisfy({ $0.isNumber }) {
            return Problem(message: "The part after the @-sign is not valid. It is not within a valid top-level domain.")
        }
        return nil
    }
}
