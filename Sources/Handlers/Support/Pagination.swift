import AppCore
import JSON

/// The seed's paging parameters: `page` ≥ 1 (default 1), `per_page` 1…100 (default 20).
public enum Pagination {
    public static let parameters: [Parameter] = [
        .query(
            "page", .integer(IntegerRule(minimum: 1, maximum: Int64(Int32.max))), default: 1,
            description: "ページ番号"),
        .query(
            "per_page", .integer(IntegerRule(minimum: 1, maximum: 100)), default: 20,
            description: "1ページあたりの件数"),
    ]

    /// The validated page and page size of a request.
    public static func read(_ input: RouteInput) -> (page: Int, perPage: Int) {
        (input.int("page") ?? 1, input.int("per_page") ?? 20)
    }

    /// A page as the seed answers it: `{"<key>": [...], "total", "page", "per_page"}`, and with
    /// `navigation` also `has_next` and `total_pages` (the seed's users list has them).
    public static func response<Element>(
        _ key: String, _ elements: [Element], total: Int, page: Int, perPage: Int,
        navigation: Bool = false,
        write: (Element, inout JSONWriter) -> Void
    ) -> Response {
        Response.json { json in
            json.beginObject()
            json.key(key)
            json.beginArray()
            for element in elements { write(element, &json) }
            json.endArray()
            json.key("total")
            json.value(total)
            json.key("page")
            json.value(page)
            json.key("per_page")
            json.value(perPage)
            if navigation {
                json.key("has_next")
                json.value(page * perPage < total)
                json.key("total_pages")
                json.value((total + perPage - 1) / perPage)
            }
            json.endObject()
        }
    }

    /// A search term as a `LIKE` pattern that matches it literally anywhere (`%`, `_` and `\`
    /// in the term are escaped).
    public static func containsPattern(_ term: String) -> String {
        var escaped = ""
        for character in term {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }
}
