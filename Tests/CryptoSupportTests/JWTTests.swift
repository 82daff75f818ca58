import Testing
import CryptoSupport

private let secret = "test-secret-key"
private let farFuture: Int64 = 4_102_444_800  // 2100-01-01T00:00:00Z
private let now: Int64 = 1_700_000_000

// Fixtures made with python-jose 3.5.0 (Python 3.11), as the seed app does:
//     from jose import jwt
//     jwt.encode({"sub": "42", "email": "test@example.com", "exp": 4102444800, "type": "access"},
//                "test-secret-key", algorithm="HS256")
private let joseAccess =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMCwidHlwZSI6ImFjY2VzcyJ9.AnJUsVhFnxFHWmyhuGB5uGNcuCCeZgrfOl9Dcx3HkUs"
// The same with "type": "refresh".
private let joseRefresh =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMCwidHlwZSI6InJlZnJlc2gifQ.CEANA-KP6MLqZhDEeFZE_Qa8fSTQg9psvbYpgof5Ud8"
// {"sub": "42", "exp": datetime(2100, 1, 1, tzinfo=timezone.utc), "type": "access"}:
// python-jose writes a datetime exp as an integer.
private let joseDatetimeExp =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImV4cCI6NDEwMjQ0NDgwMCwidHlwZSI6ImFjY2VzcyJ9.GoZfnjSWLpsZN0L2je0XGZCvxXnJKzZlcIweZBmvHss"
// {"sub": "ユーザー", "note": "quote\" back\\ nl\n tab\t ctl\x01 emoji😀 slash/", "exp": 4102444800, "type": "access"}
private let joseEscapes =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJcdTMwZTZcdTMwZmNcdTMwYjZcdTMwZmMiLCJub3RlIjoicXVvdGVcIiBiYWNrXFwgbmxcbiB0YWJcdCBjdGxcdTAwMDEgZW1vamlcdWQ4M2RcdWRlMDAgc2xhc2gvIiwiZXhwIjo0MTAyNDQ0ODAwLCJ0eXBlIjoiYWNjZXNzIn0.I5SkeGqIJ3ymqdL63SAONsnldAD05ykHuIrm75Oh5uU"
// {"sub": "42", "exp": 4102444800.5, "f": 1.5, "b": True, "n": None, "arr": [1, "a", {"x": 2}], "o": {"k": [1, 2]}}
private let joseMixed =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImV4cCI6NDEwMjQ0NDgwMC41LCJmIjoxLjUsImIiOnRydWUsIm4iOm51bGwsImFyciI6WzEsImEiLHsieCI6Mn1dLCJvIjp7ImsiOlsxLDJdfX0.lK9j14lxAXfUAqNTMzZAkfya34gc182_2bAnkTy4dsI"
// {"sub": "42", "d0": 0.1, "d1": 1.5, ... "d20": 9007199254740994.0, "exp": 4102444800} with the values of `doubles`.
private let joseDoubles =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImQwIjowLjEsImQxIjoxLjUsImQyIjoxZSsxNiwiZDMiOjEwMDAwMDAwMDAwMDAwMDAuMCwiZDQiOjk5OTk5OTk5OTk5OTk5OTguMCwiZDUiOjFlLTA1LCJkNiI6MC4wMDAxLCJkNyI6MC4wMDAxMjM0NSwiZDgiOjEyMzQ1Njc4OS4xMjMsImQ5Ijo1ZS0zMjQsImQxMCI6MS43OTc2OTMxMzQ4NjIzMTU3ZSszMDgsImQxMSI6Mi41ZS0wNywiZDEyIjotMC4wLCJkMTMiOjAuMCwiZDE0IjoxMDAuMCwiZDE1IjoxZSsyMiwiZDE2IjoxLjIzNDU2Nzg5MDEyMzQ1NjhlKzE3LCJkMTciOi0zLjE0MTU5LCJkMTgiOjQxMDI0NDQ4MDAuNSwiZDE5IjowLjMzMzMzMzMzMzMzMzMzMzMsImQyMCI6OTAwNzE5OTI1NDc0MDk5NC4wLCJleHAiOjQxMDI0NDQ4MDB9.TvF6W_kK_qZ9_RsRfrVDhgqUa14nvNur2Dml3O2wmmI"
// The claims of `roundTripKeepsOrderAndValues` (name: "山田 太郎 \U0001F600 ...", big: 2**63-1,
// list: [1, -2, 3.5, "ü", [], {}, None, True], ...) given to jwt.encode in the same order.
private let joseRoundTrip =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCIsInp6eiI6Imxhc3Qtc29ydGVkIGZpcnN0Iiwic3ViIjoidXNlci03IiwianRpIjoiYzBmZmVlIiwibmFtZSI6Ilx1NWM3MVx1NzUzMCBcdTU5MmFcdTkwY2UgXHVkODNkXHVkZTAwIFwicXVvdGVkXCIgXFwgLyBcdTAwN2YgXHUwMDAwIFxyXG5cdFxiXGYiLCJiaWciOjkyMjMzNzIwMzY4NTQ3NzU4MDcsIm5lZyI6LTkyMjMzNzIwMzY4NTQ3NzU4MDgsInplcm8iOjAsInBpIjozLjE0MTU5LCJ0aW55IjoxZS0zMDAsInllcyI6dHJ1ZSwibm8iOmZhbHNlLCJub3RoaW5nIjpudWxsLCJsaXN0IjpbMSwtMiwzLjUsIlx1MDBmYyIsW10se30sbnVsbCx0cnVlXSwiZXhwIjo0MTAyNDQ0ODAwLCJhYWEiOiJ4In0.fCkAdSTvV_mX_Lb7OePtxALckgNdhYssCbBEIT1yNII"
private let doubles: [Double] = [
    0.1, 1.5, 1e16, 1e15, 9999999999999998.0, 1e-05, 0.0001, 0.00012345, 123456789.123, .leastNonzeroMagnitude,
    1.7976931348623157e308, 2.5e-7, -0.0, 0.0, 100.0, 1e22, 123456789012345680.0, -3.14159,
    4102444800.5, 1.0 / 3.0, 9007199254740994.0,
]

private let accessClaims: JWTClaims = [
    "sub": "42", "email": "test@example.com", "exp": .int(farFuture), "type": "access",
]

/// Claims from a dictionary literal (which keeps its order).
private func literal(_ claims: JWTClaims) -> JWTClaims { claims }

private func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

/// A token with exactly this header and payload JSON text, HS256-signed with `key`.
private func forge(header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, key: String = secret) -> String {
    let input = b64(header) + "." + b64(payload)
    return input + "." + Base64URL.encode(HMAC.sha256(key: Array(key.utf8), message: Array(input.utf8)))
}

private func parts(_ token: String) -> [String] {
    token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
}

/// The decoded payload JSON of `token`.
private func payloadText(_ token: String) -> String? {
    Base64URL.decode(parts(token)[1]).map { String(decoding: $0, as: UTF8.self) }
}

struct JWTTests {
    let signer = JWTSigner(secret: secret)

    // MARK: python-jose compatibility

    @Test func acceptsPythonJoseAccessToken() throws {
        let claims = try signer.verify(joseAccess, now: now, expectedType: "access")
        #expect(claims == accessClaims)
        #expect(claims.names == ["sub", "email", "exp", "type"])
        #expect(claims.subject == "42")
        #expect(claims["email"] == .string("test@example.com"))
        #expect(claims.expiration == farFuture)
        #expect(claims.type == "access")
        #expect(claims.jwtID == nil)
    }

    @Test func acceptsPythonJoseRefreshToken() throws {
        let claims = try signer.verify(joseRefresh, now: now, expectedType: "refresh")
        #expect(claims.type == "refresh")
        #expect(claims.subject == "42")
    }

    @Test func datetimeExpIsAnInteger() throws {
        let claims = try signer.verify(joseDatetimeExp, now: now, expectedType: "access")
        #expect(claims["exp"] == .int(farFuture))
    }

    /// Checked once by hand: python-jose's `jwt.decode(token, "test-secret-key", algorithms=["HS256"])`
    /// accepts our tokens; being byte-identical to its own, they need no Python to prove it.
    @Test func signsByteIdenticalToPythonJose() {
        #expect(signer.sign(accessClaims) == joseAccess)
        var refresh = accessClaims
        refresh["type"] = "refresh"
        #expect(signer.sign(refresh) == joseRefresh)
    }

    @Test func escapesStringsLikePythonJose() throws {
        let claims: JWTClaims = [
            "sub": "ユーザー",
            "note": "quote\" back\\ nl\n tab\t ctl\u{01} emoji😀 slash/",
            "exp": .int(farFuture),
            "type": "access",
        ]
        #expect(signer.sign(claims) == joseEscapes)
        #expect(try signer.verify(joseEscapes, now: now) == claims)
    }

    @Test func writesNumbersAndNestedValuesLikePythonJose() throws {
        let claims: JWTClaims = [
            "sub": "42", "exp": 4102444800.5, "f": 1.5, "b": true, "n": .null,
            "arr": .other(#"[1,"a",{"x":2}]"#), "o": .other(#"{"k":[1,2]}"#),
        ]
        #expect(signer.sign(claims) == joseMixed)
        let decoded = try signer.verify(joseMixed, now: now)
        #expect(decoded == claims)
        #expect(decoded.expiration == farFuture)  // truncated, as python-jose's int()
    }

    @Test func writesDoublesAsPythonRepr() throws {
        var claims: JWTClaims = ["sub": "42"]
        for (i, value) in doubles.enumerated() { claims["d\(i)"] = .double(value) }
        claims["exp"] = .int(farFuture)
        #expect(signer.sign(claims) == joseDoubles)
        let decoded = try signer.verify(joseDoubles, now: now)
        for (i, value) in doubles.enumerated() {
            guard case .double(let read)? = decoded["d\(i)"] else {
                Issue.record("d\(i) is not a double")
                continue
            }
            #expect(read == value && read.sign == value.sign)
        }
    }

    // MARK: round trips

    @Test func roundTripKeepsOrderAndValues() throws {
        let claims: JWTClaims = [
            "type": "refresh", "zzz": "last-sorted first", "sub": "user-7", "jti": "c0ffee",
            "name": "山田 太郎 \u{1F600} \"quoted\" \\ / \u{7F} \u{0} \r\n\t\u{8}\u{C}",
            "big": .int(.max), "neg": .int(.min), "zero": 0, "pi": 3.14159, "tiny": 1e-300,
            "yes": true, "no": false, "nothing": .null,
            "list": .other(#"[1,-2,3.5,"ü",[],{},null,true]"#), "exp": .int(farFuture), "aaa": "x",
        ]
        let token = signer.sign(claims)
        #expect(token == joseRoundTrip)
        let decoded = try signer.verify(token, now: now, expectedType: "refresh")
        #expect(decoded == claims)
        #expect(decoded.names == claims.names)
        #expect(
            decoded.names == [
                "type", "zzz", "sub", "jti", "name", "big", "neg", "zero", "pi", "tiny",
                "yes", "no", "nothing", "list", "exp", "aaa",
            ])
        #expect(decoded.jwtID == "c0ffee")
        #expect(decoded.subject == "user-7")
        // Only ASCII on the wire, as python-jose writes it.
        #expect(payloadText(token)?.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } == true)
    }

    @Test func readsWhitespaceEscapesAndNestedValuesCanonically() throws {
        let payload = #"""
             { "sub" : "\u0041\u00e9\ud83d\ude00\/" , "exp" : 4102444800 ,
               "nested" : [ 1 , { "a" : "\u3042" , "b" : [ ] } , 1.0E2, -0 ] }
            """#
        let claims = try signer.verify(forge(payload: payload), now: now)
        #expect(claims.subject == "Aé😀/")
        #expect(claims["nested"] == .other(#"[1,{"a":"あ","b":[]},100.0,0]"#))
    }

    @Test func subscriptSetterReplacesInPlaceAndRemoves() {
        var claims: JWTClaims = ["a": 1, "b": 2, "c": 3]
        claims["b"] = "two"
        claims["d"] = 4
        claims["a"] = nil
        #expect(claims.names == ["b", "c", "d"])
        #expect(claims["b"] == .string("two"))
        #expect(claims["a"] == nil)
        #expect(JWTClaims([("x", 1), ("y", 2), ("x", 3)]).pairs.map(\.0) == ["x", "y"])
        #expect(JWTClaims([("x", 1), ("y", 2), ("x", 3)])["x"] == .int(3))
        #expect(literal(["a": 1, "b": 2]) != literal(["b": 2, "a": 1]))
    }

    @Test func expirationAcceptsIntegersAndDoubles() {
        #expect(literal(["exp": 1700000000]).expiration == 1_700_000_000)
        #expect(literal(["exp": 1700000000.9]).expiration == 1_700_000_000)
        #expect(literal(["exp": -1.5]).expiration == -1)
        #expect(literal(["exp": 1e300]).expiration == .max)
        #expect(literal(["exp": "1700000000"]).expiration == nil)
        #expect(literal(["exp": true]).expiration == nil)
        #expect(JWTClaims().expiration == nil)
    }

    // MARK: algorithm and signature attacks

    @Test func rejectsAlgNone() {
        let token = b64(#"{"alg":"none","typ":"JWT"}"#) + "." + parts(joseAccess)[1] + "."
        #expect(throws: JWTError.unsupportedAlgorithm) { try signer.verify(token, now: now) }
        // Even carrying a valid HMAC.
        let withMAC = forge(header: #"{"alg":"none","typ":"JWT"}"#, payload: #"{"sub":"42","exp":4102444800}"#)
        #expect(throws: JWTError.unsupportedAlgorithm) { try signer.verify(withMAC, now: now) }
    }

    @Test func rejectsHS512() {
        let token = forge(header: #"{"alg":"HS512","typ":"JWT"}"#, payload: #"{"sub":"42","exp":4102444800}"#)
        #expect(throws: JWTError.unsupportedAlgorithm) { try signer.verify(token, now: now) }
    }

    @Test func rejectsOtherAlgorithmSpellings() {
        let payload = #"{"sub":"42","exp":4102444800}"#
        for header in [
            #"{"alg":"hs256"}"#, #"{"alg":"HS256 "}"#, #"{"alg":"RS256"}"#, #"{"typ":"JWT"}"#,
            #"{"alg":null}"#, #"{"alg":["HS256"]}"#, #"{"alg":256}"#,
        ] {
            #expect(throws: JWTError.unsupportedAlgorithm) {
                try signer.verify(forge(header: header, payload: payload), now: now)
            }
        }
        // A minimal header without "typ" is fine.
        #expect(throws: Never.self) { try signer.verify(forge(header: #"{"alg":"HS256"}"#, payload: payload), now: now) }
    }

    @Test func rejectsCritAndDuplicateAlg() {
        let payload = #"{"sub":"42","exp":4102444800}"#
        let crit = forge(header: #"{"alg":"HS256","crit":["exp"],"exp":1}"#, payload: payload)
        #expect(throws: JWTError.malformed) { try signer.verify(crit, now: now) }
        let duplicate = forge(header: #"{"alg":"HS256","alg":"none"}"#, payload: payload)
        #expect(throws: JWTError.malformed) { try signer.verify(duplicate, now: now) }
        let duplicate2 = forge(header: #"{"alg":"none","alg":"HS256"}"#, payload: payload)
        #expect(throws: JWTError.malformed) { try signer.verify(duplicate2, now: now) }
    }

    @Test func rejectsTokenSignedWithAnotherKey() {
        let other = JWTSigner(secret: "another-secret-key")
        #expect(throws: JWTError.badSignature) { try signer.verify(other.sign(accessClaims), now: now) }
        #expect(throws: JWTError.badSignature) { try other.verify(joseAccess, now: now) }
        #expect(throws: JWTError.badSignature) { try JWTSigner(secret: "").verify(joseAccess, now: now) }
    }

    @Test func rejectsTamperedPayload() {
        var tampered = accessClaims
        tampered["sub"] = "1"
        let p = parts(joseAccess)
        let token = p[0] + "." + parts(signer.sign(tampered))[1] + "." + p[2]
        #expect(throws: JWTError.badSignature) { try signer.verify(token, now: now) }
    }

    @Test func rejectsTamperedOrTruncatedSignature() {
        let p = parts(joseAccess)
        var signature = Array(p[2].utf8)
        signature[0] = signature[0] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let flipped = p[0] + "." + p[1] + "." + String(decoding: signature, as: UTF8.self)
        #expect(throws: JWTError.badSignature) { try signer.verify(flipped, now: now) }
        #expect(throws: JWTError.badSignature) { try signer.verify(p[0] + "." + p[1] + ".", now: now) }
        #expect(throws: JWTError.badSignature) { try signer.verify(p[0] + "." + p[1] + "." + p[2].dropLast(3), now: now) }
    }

    // MARK: time claims

    @Test func rejectsExpiredAtExp() {
        #expect(throws: JWTError.expired) { try signer.verify(joseAccess, now: farFuture) }
    }

    @Test func rejectsExpiredAfterExp() {
        #expect(throws: JWTError.expired) { try signer.verify(joseAccess, now: farFuture + 1) }
        #expect(throws: JWTError.expired) { try signer.verify(joseAccess, now: .max) }
    }

    @Test func acceptsBeforeExpAndWithinLeeway() throws {
        #expect(try signer.verify(joseAccess, now: farFuture - 1).subject == "42")
        #expect(try signer.verify(joseAccess, now: farFuture + 9, leeway: 10).subject == "42")
        #expect(throws: JWTError.expired) { try signer.verify(joseAccess, now: farFuture + 10, leeway: 10) }
        #expect(throws: JWTError.expired) {
            try signer.verify(joseAccess, now: farFuture + 10, leeway: 10, expectedType: "access")
        }
        // A negative leeway counts as none.
        #expect(try signer.verify(joseAccess, now: farFuture - 1, leeway: -100).subject == "42")
        // exp + leeway beyond Int64: not expired.
        let huge = signer.sign(["exp": .int(.max - 1)])
        #expect(throws: Never.self) { try signer.verify(huge, now: .max, leeway: 10) }
    }

    @Test func rejectsNbfInTheFuture() throws {
        let token = signer.sign(["sub": "42", "nbf": .int(now + 60), "exp": .int(farFuture)])
        #expect(throws: JWTError.notYetValid) { try signer.verify(token, now: now) }
        #expect(throws: JWTError.notYetValid) { try signer.verify(token, now: now + 59) }
        #expect(try signer.verify(token, now: now + 60).subject == "42")
        #expect(try signer.verify(token, now: now, leeway: 60).subject == "42")
    }

    @Test func rejectsMissingExp() {
        let token = signer.sign(["sub": "42", "type": "access"])
        #expect(throws: JWTError.missingClaim("exp")) { try signer.verify(token, now: now) }
        #expect(throws: JWTError.missingClaim("exp")) { try signer.verify(token, now: now, expectedType: "access") }
    }

    @Test func rejectsNonNumericTimeClaims() {
        let cases: [(JWTClaims, String)] = [
            (["exp": "4102444800"], "exp"), (["exp": true], "exp"), (["exp": .null], "exp"),
            (["exp": .other("[4102444800]")], "exp"),
            (["exp": .int(farFuture), "nbf": "0"], "nbf"),
            (["exp": .int(farFuture), "iat": .other("{}")], "iat"),
            (["exp": .int(farFuture), "sub": 42], "sub"),
            (["exp": .int(farFuture), "jti": .null], "jti"),
        ]
        for (claims, name) in cases {
            #expect(throws: JWTError.invalidClaim(name)) { try signer.verify(signer.sign(claims), now: now) }
        }
        #expect(throws: Never.self) { try signer.verify(signer.sign(["exp": .int(farFuture), "iat": 1.5, "nbf": 0]), now: now) }
    }

    // MARK: token type

    @Test func rejectsRefreshTokenUsedAsAccessToken() {
        #expect(throws: JWTError.wrongType(expected: "access")) {
            try signer.verify(joseRefresh, now: now, expectedType: "access")
        }
    }

    @Test func rejectsAccessTokenUsedAsRefreshToken() {
        #expect(throws: JWTError.wrongType(expected: "refresh")) {
            try signer.verify(joseAccess, now: now, expectedType: "refresh")
        }
    }

    @Test func rejectsMissingOrNonStringType() {
        let untyped = signer.sign(["sub": "42", "exp": .int(farFuture)])
        #expect(throws: JWTError.missingClaim("type")) { try signer.verify(untyped, now: now, expectedType: "access") }
        let numeric = signer.sign(["sub": "42", "exp": .int(farFuture), "type": 1])
        #expect(throws: JWTError.wrongType(expected: "access")) { try signer.verify(numeric, now: now, expectedType: "access") }
        let cased = signer.sign(["sub": "42", "exp": .int(farFuture), "type": "Access"])
        #expect(throws: JWTError.wrongType(expected: "access")) { try signer.verify(cased, now: now, expectedType: "access") }
    }

    // MARK: structure

    @Test func rejectsNotThreeParts() {
        let p = parts(joseAccess)
        for token in [
            "", ".", "..", "...", p[0], p[0] + "." + p[1], joseAccess + ".", joseAccess + "." + p[2],
            p[0] + "." + p[1] + "." + p[2] + "." + p[2],
        ] {
            #expect(throws: JWTError.malformed) { try signer.verify(token, now: now) }
        }
    }

    @Test func rejectsBadBase64() {
        let p = parts(joseAccess)
        let tokens = [
            p[0] + "=." + p[1] + "." + p[2],  // padding
            p[0] + "." + p[1] + "." + p[2] + "=",
            p[0] + "." + p[1].replacing("-", with: "+") + "x+/." + p[2],  // standard alphabet
            p[0] + "." + p[1] + "." + p[2] + "%",
            " " + joseAccess, joseAccess + "\n",  // whitespace
            p[0] + "." + p[1] + "A." + p[2],  // impossible lengths (4n+1)
            p[0] + "." + p[1] + "." + p[2] + "AB",
            "é" + joseAccess,
        ]
        for token in tokens {
            #expect(throws: JWTError.malformed) { try signer.verify(token, now: now) }
        }
    }

    @Test func rejectsPayloadThatIsNotAnObject() {
        for payload in [
            "[1,2]", #""sub""#, "4102444800", "null", "true", "", " ",
            #"{"exp":4102444800} x"#, #"{"exp":4102444800}{}"#, #"{"exp":4102444800,}"#,
            #"{"exp":4102444800"#, #"{exp:4102444800}"#, #"{'exp':4102444800}"#,
        ] {
            #expect(throws: JWTError.malformed) { try signer.verify(forge(payload: payload), now: now) }
        }
    }

    @Test func rejectsInvalidJSONInsidePayload() {
        let invalid = [
            #"{"exp":4102444800,"exp":1}"#,  // duplicate member
            #"{"exp":4102444800,"o":{"a":1,"a":2}}"#,  // duplicate nested member
            #"{"exp":NaN}"#, #"{"exp":Infinity}"#, #"{"exp":1e999}"#,
            #"{"exp":04102444800}"#, #"{"exp":+4102444800}"#, #"{"exp":4102444800.}"#, #"{"exp":.5}"#,
            #"{"exp":4102444800,"s":"\ud800"}"#,  // lone high surrogate
            #"{"exp":4102444800,"s":"\udc00"}"#,  // lone low surrogate
            #"{"exp":4102444800,"s":"\x"}"#, #"{"exp":4102444800,"s":"\u12"}"#,
            "{\"exp\":4102444800,\"s\":\"a\u{1}b\"}",  // raw control character
            #"{"exp":4102444800,"a":[1,2}"#, #"{"exp":4102444800,"a":tru}"#,
            #"{"exp":4102444800,"a":"#,
            "{\"exp\":4102444800,\"a\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
        ]
        for payload in invalid {
            #expect(throws: JWTError.malformed) { try signer.verify(forge(payload: payload), now: now) }
        }
        // Invalid UTF-8 inside a string.
        let input =
            b64(#"{"alg":"HS256"}"#) + "." + Base64URL.encode(Array(#"{"exp":4102444800,"s":""#.utf8) + [0xFF, 0x22, 0x7D])
        let token = input + "." + Base64URL.encode(HMAC.sha256(key: Array(secret.utf8), message: Array(input.utf8)))
        #expect(throws: JWTError.malformed) { try signer.verify(token, now: now) }
    }

    @Test func rejectsOversizedToken() throws {
        let padding = String(repeating: "x", count: 8192)
        let token = signer.sign(["sub": "42", "exp": .int(farFuture), "pad": .string(padding)])
        #expect(throws: JWTError.malformed) { try signer.verify(token, now: now) }
        // Just under the limit is fine.
        let base = signer.sign(["sub": "42", "exp": .int(farFuture), "pad": ""]).utf8.count
        let fitting = String(repeating: "x", count: (JWTSigner.maxTokenLength - base) / 4 * 3)
        let largest = signer.sign(["sub": "42", "exp": .int(farFuture), "pad": .string(fitting)])
        #expect(largest.utf8.count <= JWTSigner.maxTokenLength)
        #expect(largest.utf8.count > JWTSigner.maxTokenLength - 8)
        #expect(try signer.verify(largest, now: now)["pad"] == .string(fitting))
    }

    @Test func errorDescriptionsAreShortAndSafe() {
        let errors: [JWTError] = [
            .malformed, .unsupportedAlgorithm, .badSignature, .expired, .notYetValid,
            .missingClaim("exp"), .invalidClaim("nbf"), .wrongType(expected: "access"),
        ]
        for error in errors {
            #expect(error.description.utf8.count < 40)
            #expect(!error.description.contains(secret))
            #expect(!error.description.contains("eyJ"))
        }
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(JWTError.missingClaim("exp") != .missingClaim("type"))
    }
}

struct UnixTimeTests {
    @Test func nowIsPlausible() {
        let t = UnixTime.now()
        #expect(t > 1_700_000_000)  // after 2023-11
        #expect(t < 4_102_444_800)  // before 2100
        #expect(UnixTime.now() >= t)
    }
}
