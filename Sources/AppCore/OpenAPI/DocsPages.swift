import JSON
/// Where the documentation pages load their scripts and styles from.
public struct DocsAssets: Sendable, Equatable {
    public var swaggerJS: String
    public var swaggerCSS: String
    public var redocJS: String
    public var favicon: String
    /// ReDoc's fonts from Google Fonts (FastAPI's `with_google_fonts=True`); off for a local copy.
    public var googleFonts: Bool

    public init(swaggerJS: String, swaggerCSS: String, redocJS: String, favicon: String, googleFonts: Bool) {
        self.swaggerJS = swaggerJS
        self.swaggerCSS = swaggerCSS
        self.redocJS = redocJS
        self.favicon = favicon
        self.googleFonts = googleFonts
    }

    /// The CDN addresses FastAPI uses by default.
    public static let cdn = DocsAssets(
        swaggerJS: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
        swaggerCSS: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
        redocJS: "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
        favicon: "https://fastapi.tiangolo.com/img/favicon.png",
        googleFonts: true)

    /// A site's own copy: `BASE/swagger-ui-bundle.js`, `BASE/swagger-ui.css`,
    /// `BASE/redoc.standalone.js` and `BASE/favicon.png` (the file names of swagger-ui-dist and
    /// of ReDoc's bundle). Nil or empty: the CDN.
    public init(baseURL: String?) {
        guard var base = baseURL, !base.isEmpty else {
            self = .cdn
            return
        }
        while base.hasSuffix("/") { base.removeLast() }
        self.init(
            swaggerJS: base + "/swagger-ui-bundle.js", swaggerCSS: base + "/swagger-ui.css",
            redocJS: base + "/redoc.standalone.js", favicon: base + "/favicon.png", googleFonts: false)
    }
}

/// The HTML of `/docs` (Swagger UI) and `/redoc` (ReDoc), both reading the OpenAPI document
/// from `openAPIURL` in the browser, as FastAPI's pages do.
public enum DocsPages {
    public static func swaggerUI(title: String, openAPIURL: String, assets: DocsAssets) -> String {
        """
        <!DOCTYPE html>
        <html lang="ja">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link type="text/css" rel="stylesheet" href="\(attribute(assets.swaggerCSS))">
        <link rel="shortcut icon" href="\(attribute(assets.favicon))">
        <title>\(text(title)) - Swagger UI</title>
        </head>
        <body>
        <div id="swagger-ui"></div>
        <script src="\(attribute(assets.swaggerJS))"></script>
        <script>
        window.ui = SwaggerUIBundle({
            url: \(script(openAPIURL)),
            dom_id: "#swagger-ui",
            layout: "BaseLayout",
            deepLinking: true,
            showExtensions: true,
            showCommonExtensions: true,
            presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
        });
        </script>
        </body>
        </html>

        """
    }

    public static func redoc(title: String, openAPIURL: String, assets: DocsAssets) -> String {
        let fonts =
            assets.googleFonts
            ? "<link href=\"https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700\" rel=\"stylesheet\">\n"
            : ""
        return """
            <!DOCTYPE html>
            <html lang="ja">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(text(title)) - ReDoc</title>
            \(fonts)<link rel="shortcut icon" href="\(attribute(assets.favicon))">
            <style>body { margin: 0; padding: 0; }</style>
            </head>
            <body>
            <noscript>ReDoc requires JavaScript to display the API documentation.</noscript>
            <redoc spec-url="\(attribute(openAPIURL))"></redoc>
            <script src="\(attribute(assets.redocJS))"></script>
            </body>
            </html>

            """
    }

    /// Text for an element or a quoted attribute value.
    static func text(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func attribute(_ value: String) -> String { text(value) }

    /// A JavaScript string literal that cannot close the `<script>` element.
    static func script(_ value: String) -> String {
        var literal = JSONValue.string(value).jsonString
        literal = literal.replacing("<", with: "\\u003c")
        return literal
    }
}
