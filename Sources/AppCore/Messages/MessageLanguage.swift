/// The languages the API answers in: the seed's Japanese by default, English on request.
public enum MessageLanguage: Sendable {
    case japanese
    case english

    /// Picks English when the client's first acceptable language is English (`en`, `en-US`),
    /// Japanese otherwise. Quality values are honoured in order of preference.
    public init(acceptLanguage: String?) {
        guard let header = acceptLanguage else {
            self = .japanese
            return
        }
        var best: (tag: Substring, quality: Double)? = nil
        for entry in header.split(separator: ",") {
            let parts = entry.split(separator: ";")
            let tag = parts.first.map { Substring($0.trimmingASCIIWhitespace().lowercased()) } ?? ""
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let p = parameter.trimmingASCIIWhitespace()
                if p.hasPrefix("q="), let q = Double(p.dropFirst(2)) { quality = q }
            }
            guard quality > 0, tag.hasPrefix("en") || tag.hasPrefix("ja") else { continue }
            if best == nil || quality > best!.quality { best = (tag, quality) }
        }
        self = best?.tag.hasPrefix("en") == true ? .english : .japanese
    }
}
