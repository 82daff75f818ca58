import Testing
@testable import JSON

/// Parses `text`, expecting failure; returns the error.
private func parseError(_ text: String) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(text)
        return nil
    } catch {
        return error
    }
}

private func parseError(bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func text(_ value: JSONValue) -> String { value.jsonString }

private func written(_ build: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    build(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
}

/// The JSON parser, object and writer; nested suites keep the test IDs under `JSONTests`.
struct JSONTests {
    struct Parsing {
        // MARK: Values

        @Test func scalars() throws {
            #expect(try JSONParser.parse("null") == .null)
            #expect(try JSONParser.parse("true") == .bool(true))
            #expect(try JSONParser.parse("false") == .bool(false))
            #expect(try JSONParser.parse("\"hi\"") == .string("hi"))
            #expect(try JSONParser.parse("42") == .int(42))
            #expect(try JSONParser.parse(" \t\r\n 7 \n") == .int(7))
        }

        @Test func nested() throws {
            let value = try JSONParser.parse(#"{"a": [1, 2.5, "x", null, true, {"b": []}], "c": {}}"#)
            let expected: JSONValue = ["a": [1, 2.5, "x", nil, true, ["b": []]], "c": [:]]
            #expect(value == expected)
            #expect(value["a"]?[1]?.doubleValue == 2.5)
            #expect(value["a"]?[5]?["b"] == .array([]))
            #expect(value["c"]?.objectValue?.isEmpty == true)
        }

        @Test func bytesAndNonContiguousInput() throws {
            let bytes = Array(#"{"k":[1,2,3]}"#.utf8)
            let expected: JSONValue = ["k": [1, 2, 3]]
            #expect(try JSONParser.parse(bytes) == expected)
            #expect(try JSONParser.parse(bytes[0...]) == expected)
            // A collection without contiguous storage goes through a copy.
            #expect(try JSONParser.parse(bytes.lazy.map { $0 }) == expected)
            #expect(try JSONParser.parse(AnyCollection(bytes)) == expected)
        }

        @Test func objectsKeepDocumentOrder() throws {
            let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
            #expect(value.objectValue?.keys == ["z", "a", "m"])
            #expect(text(value) == #"{"z":1,"a":2,"m":3}"#)
        }

        @Test func duplicateKeysLastWins() throws {
            let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
            #expect(value["a"] == .int(3))
            #expect(value.objectValue?.count == 2)
            // As in Python: the key keeps its first position.
            #expect(value.objectValue?.keys == ["a", "b"])
        }

        @Test func duplicateKeysInLargeObject() throws {
            // Past the index threshold the object looks keys up through a dictionary.
            var source = "{"
            for i in 0..<40 { source += "\"k\(i)\":\(i)," }
            source += "\"k5\":\"again\"}"
            let object = try #require(try JSONParser.parse(source).objectValue)
            #expect(object.count == 40)
            #expect(object["k5"] == .string("again"))
            #expect(object["k39"] == .int(39))
            #expect(object.keys.first == "k0")
            #expect(object.keys[5] == "k5")
        }

        // MARK: Numbers

        @Test func intDoubleSplit() throws {
            #expect(try JSONParser.parse("0") == .int(0))
            #expect(try JSONParser.parse("-0") == .int(0))
            #expect(try JSONParser.parse("123") == .int(123))
            #expect(try JSONParser.parse("-17") == .int(-17))
            #expect(try JSONParser.parse("1.0") == .double(1.0))
            #expect(try JSONParser.parse("1e2") == .double(100))
            #expect(try JSONParser.parse("1E+2") == .double(100))
            #expect(try JSONParser.parse("25e-1") == .double(2.5))
            #expect(try JSONParser.parse("-0.0") == .double(-0.0))
            #expect(try JSONParser.parse("-0.0").doubleValue?.sign == .minus)
            #expect(try JSONParser.parse("0.1") == .double(0.1))
            #expect(try JSONParser.parse("3.141592653589793") == .double(3.141592653589793))
            #expect(try JSONParser.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
            #expect(try JSONParser.parse("5e-324") == .double(.leastNonzeroMagnitude))
            #expect(try JSONParser.parse("1e-400") == .double(0))
            #expect(try JSONParser.parse("0.30000000000000004") == .double(0.1 + 0.2))
            #expect(try JSONParser.parse("123456789.123456789e-3") == .double(123456.789123456789))
        }

        @Test func int64Limits() throws {
            #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
            #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
            #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808.0))
            #expect(try JSONParser.parse("-9223372036854775809") == .double(-9223372036854775809.0))
            #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
            #expect(try JSONParser.parse("999999999999999999") == .int(999_999_999_999_999_999))
        }

        @Test func numberAccessors() {
            #expect(JSONValue.int(3).intValue == 3)
            #expect(JSONValue.int(3).doubleValue == 3.0)
            #expect(JSONValue.double(3).intValue == nil)
            #expect(JSONValue.string("3").intValue == nil)
            #expect(JSONValue.null.isNull)
            #expect(JSONValue.bool(false).boolValue == false)
            #expect(JSONValue.string("s").stringValue == "s")
            #expect(JSONValue.array([1]).arrayValue == [.int(1)])
            #expect(JSONValue.int(1) != JSONValue.double(1))
        }

        // MARK: Strings

        @Test func escapes() throws {
            #expect(try JSONParser.parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
            #expect(try JSONParser.parse(#""\u0041\u00e9\u65E5""#) == .string("Aé日"))
            #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
        }

        @Test func surrogatePairs() throws {
            #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
            #expect(try JSONParser.parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
        }

        @Test func loneSurrogatesAreErrors() {
            let message = "Unpaired surrogate in \\uXXXX escape"
            #expect(parseError(#""\ud83d""#) == JSONParseError(message: message, offset: 1))
            #expect(parseError(#""ab\ud83dx""#) == JSONParseError(message: message, offset: 3))
            #expect(parseError(#""\ud83d\u0041""#) == JSONParseError(message: message, offset: 1))
            #expect(parseError(#""\ude00""#) == JSONParseError(message: message, offset: 1))
            #expect(parseError(#""\ud83d\ud83d""#) == JSONParseError(message: message, offset: 1))
        }

        @Test func rawUnicode() throws {
            #expect(try JSONParser.parse("\"日本語テキスト\"") == .string("日本語テキスト"))
            #expect(try JSONParser.parse("[\"é\",\"😀\"]") == ["é", "😀"])
        }

        @Test func invalidUTF8() {
            let cases: [([UInt8], Int)] = [
                ([0x22, 0xFF, 0x22], 1),  // never valid
                ([0x22, 0x61, 0xC3, 0x22], 2),  // truncated 2-byte sequence
                ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong "/"
                ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
                ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // encoded surrogate U+D800
                ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
                ([0x22, 0x80, 0x22], 1),  // lone continuation byte
                ([0x22, 0xE6, 0x97], 1),  // truncated at end of input
            ]
            for (bytes, offset) in cases {
                #expect(parseError(bytes: bytes) == JSONParseError(message: "Invalid UTF-8", offset: offset))
            }
            // Outside strings a non-ASCII byte is just an unexpected character.
            #expect(parseError(bytes: [0xFF]) == JSONParseError(message: "Expecting value", offset: 0))
        }

        @Test func byteOrderMarkIsRejected() {
            #expect(parseError(bytes: [0xEF, 0xBB, 0xBF, 0x31]) == JSONParseError(message: "Unexpected UTF-8 BOM", offset: 0))
        }

        // MARK: Strictness

        @Test(arguments: [
            ("", "Expecting value", 0),
            ("   ", "Expecting value", 3),
            ("[1,]", "Illegal trailing comma before end of array", 2),
            (#"{"a":1,}"#, "Illegal trailing comma before end of object", 6),
            ("[1 2]", "Expecting ',' delimiter", 3),
            ("[1", "Expecting ',' delimiter", 2),
            (#"{"a" 1}"#, "Expecting ':' delimiter", 5),
            (#"{"a":1 "b":2}"#, "Expecting ',' delimiter", 7),
            ("{a:1}", "Expecting property name enclosed in double quotes", 1),
            ("{'a':1}", "Expecting property name enclosed in double quotes", 1),
            ("[,1]", "Expecting value", 1),
            ("[1,,2]", "Expecting value", 3),
            ("1 2", "Extra data", 2),
            ("{}x", "Extra data", 2),
            ("nulls", "Extra data", 4),
            ("// c\n1", "Expecting value", 0),
            ("[1 /* c */]", "Expecting ',' delimiter", 3),
            ("NaN", "Expecting value", 0),
            ("Infinity", "Expecting value", 0),
            ("-Infinity", "Invalid number", 1),
            ("tru", "Expecting value", 0),
            ("nul", "Expecting value", 0),
            ("True", "Expecting value", 0),
            ("01", "Leading zeros are not allowed", 0),
            ("-01", "Leading zeros are not allowed", 0),
            ("00", "Leading zeros are not allowed", 0),
            ("1.", "Invalid number", 2),
            (".5", "Expecting value", 0),
            ("1.e5", "Invalid number", 2),
            ("1e", "Invalid number", 2),
            ("1e+", "Invalid number", 3),
            ("-", "Invalid number", 1),
            ("+1", "Expecting value", 0),
            ("0x10", "Extra data", 1),
            ("1e400", "Number out of range", 0),
            ("-1e400", "Number out of range", 0),
            ("\"abc", "Unterminated string", 0),
            ("[\"abc\\", "Unterminated string", 1),
            ("\"a\nb\"", "Invalid control character in string", 2),
            ("\"a\tb\"", "Invalid control character in string", 2),
            ("\"\u{1F}\"", "Invalid control character in string", 1),
            (#""\x41""#, "Invalid \\escape", 1),
            (#""\'""#, "Invalid \\escape", 1),
            (#""\u12""#, "Invalid \\uXXXX escape", 1),
            (#""\u12G4""#, "Invalid \\uXXXX escape", 1),
            ("\u{A0}1", "Expecting value", 0),
            ("\u{C}1", "Expecting value", 0),
        ])
        func rejects(input: String, message: String, offset: Int) {
            #expect(parseError(input) == JSONParseError(message: message, offset: offset))
        }

        @Test func errorDescriptionDoesNotEchoInput() {
            let error = parseError(#"{"secret-password": hunter2}"#)
            #expect(error?.message == "Expecting value")
            #expect(error?.offset == 20)
            #expect(error?.description.contains("hunter2") == false)
        }

        @Test func depthLimit() throws {
            let limit = JSONParser.maxDepth
            #expect(limit == 128)
            let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
            var value = try JSONParser.parse(deepest)
            var levels = 0
            while case .array(let elements) = value {
                levels += 1
                guard let first = elements.first else { break }
                value = first
            }
            #expect(levels == limit)

            let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
            #expect(parseError(tooDeep) == JSONParseError(message: "Maximum nesting depth exceeded", offset: limit))

            let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
            #expect(parseError(objects)?.message == "Maximum nesting depth exceeded")

            // Far beyond the limit: an error, not a stack overflow.
            let huge = String(repeating: "[", count: 1_000_000)
            #expect(parseError(huge)?.message == "Maximum nesting depth exceeded")
        }

        @Test func siblingsDoNotAddDepth() throws {
            let many = "[" + Array(repeating: "[[]]", count: 1000).joined(separator: ",") + "]"
            #expect(try JSONParser.parse(many).arrayValue?.count == 1000)
        }
    }

    struct Objects {
        @Test func subscriptSetSemantics() {
            var object: JSONObject = ["a": 1, "b": 2]
            object["c"] = 3
            #expect(object.keys == ["a", "b", "c"])
            object["a"] = "changed"
            #expect(object.keys == ["a", "b", "c"])
            #expect(object["a"] == .string("changed"))
            object["b"] = nil
            #expect(object.keys == ["a", "c"])
            #expect(object.count == 2)
            #expect(object["b"] == nil)
            object["b"] = .null
            #expect(object.keys == ["a", "c", "b"])
            #expect(object["b"] == .null)
        }

        @Test func largeObjectIndexStaysConsistent() {
            var object = JSONObject()
            for i in 0..<50 { object["k\(i)"] = .int(Int64(i)) }
            for i in stride(from: 0, to: 50, by: 2) { object["k\(i)"] = nil }
            #expect(object.count == 25)
            #expect(object["k1"] == .int(1))
            #expect(object["k49"] == .int(49))
            #expect(object["k48"] == nil)
            #expect(object.keys.prefix(3) == ["k1", "k3", "k5"])
            object["k3"] = "x"
            #expect(object.keys[1] == "k3")
            for i in 0..<50 { object["k\(i)"] = nil }
            #expect(object.isEmpty)
            object["z"] = true
            #expect(object["z"] == .bool(true))
        }

        @Test func sequenceYieldsPairsInOrder() {
            let object: JSONObject = ["x": 1, "y": "two"]
            var seen: [String] = []
            for (key, value) in object { seen.append("\(key)=\(value)") }
            #expect(seen == ["x=1", #"y="two""#])
        }

        @Test func equalityAndHashIgnoreOrder() {
            let a: JSONObject = ["a": 1, "b": [true]]
            let b: JSONObject = ["b": [true], "a": 1]
            #expect(a == b)
            #expect(a.hashValue == b.hashValue)
            #expect(a != ["a": 1, "b": [false]])
            #expect(a != ["a": 1])
            #expect(Set<JSONValue>([.object(a), .object(b)]).count == 1)
        }

        @Test func initFromPairsWithDuplicates() {
            let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
            #expect(object.keys == ["a", "b"])
            #expect(object["a"] == .int(3))
        }
    }

    struct Writing {
        @Test func preEncodedKeysWriteTheSameBytesAsStringKeys() {
            var plain = JSONWriter()
            var encoded = JSONWriter()
            let keys = ["id", "owner_id", "quo\"te", "日本"]
            plain.beginObject()
            encoded.beginObject()
            for (index, key) in keys.enumerated() {
                plain.key(key)
                plain.value(index)
                encoded.key(JSONKey(key))
                encoded.value(index)
            }
            plain.endObject()
            encoded.endObject()
            #expect(encoded.string == plain.string)
            #expect(encoded.string == #"{"id":0,"owner_id":1,"quo\"te":2,"日本":3}"#)
        }

        @Test func roundTrips() throws {
            let sources = [
                "null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
                "1.5", "-0.0", "1e+16", "1e-05", "0.1", "5e-324", "1.7976931348623157e+308",
                #""""#, #""a\"b\\c\n""#, "[]", "{}", "[[],{}]",
                #"{"z":[1,2.5,"x",null,true,false],"a":{"b":{"c":[]}},"日本":"テキスト"}"#,
            ]
            for source in sources {
                let value = try JSONParser.parse(source)
                #expect(value.jsonString == source)
                #expect(try JSONParser.parse(value.serialized()) == value)
            }
        }

        @Test func valueRoundTripThroughText() throws {
            let value: JSONValue = [
                "id": 7, "price": 12.5, "name": "Zoë \"Z\" O'Neil\n", "tags": ["a", "b"],
                "nested": ["deep": [[], [:], nil]], "flag": false, "emoji": "😀\u{2028}",
            ]
            #expect(try JSONParser.parse(value.jsonString) == value)
            #expect(try JSONParser.parse(value.serialized()).objectValue?.keys == value.objectValue?.keys)
        }

        @Test func doubles() {
            #expect(text(.double(1.0)) == "1.0")
            #expect(text(.double(-2.0)) == "-2.0")
            #expect(text(.double(0)) == "0.0")
            #expect(text(.double(-0.0)) == "-0.0")
            #expect(text(.double(1e15)) == "1000000000000000.0")
            #expect(text(.double(1e16)) == "1e+16")
            #expect(text(.double(0.1 + 0.2)) == "0.30000000000000004")
            #expect(text(.double(1e-7)) == "1e-07")
            #expect(text(.double(123.456)) == "123.456")
            // JSON has no NaN or Infinity: written as null.
            #expect(text(.double(.nan)) == "null")
            #expect(text(.double(.infinity)) == "null")
        }

        @Test func integers() {
            #expect(text(.int(0)) == "0")
            #expect(text(.int(9)) == "9")
            #expect(text(.int(10)) == "10")
            #expect(text(.int(-5)) == "-5")
            #expect(text(.int(.max)) == "9223372036854775807")
            #expect(text(.int(.min)) == "-9223372036854775808")
        }

        @Test func stringEscaping() {
            #expect(text("quote\" backslash\\ slash/") == #""quote\" backslash\\ slash/""#)
            #expect(text("\n\r\t\u{8}\u{C}") == #""\n\r\t\b\f""#)
            #expect(text("\u{0}\u{1}\u{1F}\u{7F}") == "\"\\u0000\\u0001\\u001f\u{7F}\"")
            #expect(text("a\u{2028}b\u{2029}c") == #""a\u2028b\u2029c""#)
            #expect(text("日本語のテキスト") == "\"日本語のテキスト\"")
            #expect(text("é😀\u{2027}\u{202A}") == "\"é😀\u{2027}\u{202A}\"")
            #expect(text("") == #""""#)
        }

        @Test func keysAreEscaped() {
            let value: JSONValue = ["a\"b": 1, "改行\n": 2]
            #expect(text(value) == #"{"a\"b":1,"改行\n":2}"#)
        }

        @Test func writeStringMatchesValue() {
            #expect(written { $0.writeString("x\"y") } == #""x\"y""#)
            #expect(
                written { w in
                    w.beginArray()
                    w.writeString("a")
                    w.writeString("b")
                    w.endArray()
                } == #"["a","b"]"#)
        }

        @Test func builderCommasInNestedStructures() {
            let json = written { w in
                w.beginObject()
                w.key("id")
                w.value(42)
                w.key("name")
                w.value("Ann")
                w.key("tags")
                w.beginArray()
                w.value("a")
                w.beginArray()
                w.endArray()
                w.beginObject()
                w.key("k")
                w.valueNull()
                w.endObject()
                w.value(true)
                w.endArray()
                w.key("empty")
                w.beginObject()
                w.endObject()
                w.key("inner")
                w.beginObject()
                w.key("x")
                w.value(1.5)
                w.key("y")
                w.beginArray()
                w.value(Int64(1))
                w.value(2)
                w.endArray()
                w.endObject()
                w.key("last")
                w.value(false)
                w.endObject()
            }
            #expect(
                json
                    == #"{"id":42,"name":"Ann","tags":["a",[],{"k":null},true],"empty":{},"inner":{"x":1.5,"y":[1,2]},"last":false}"#
            )
        }

        @Test func builderArrayOfObjects() {
            let json = written { w in
                w.beginArray()
                for i in 0..<3 {
                    w.beginObject()
                    w.key("i")
                    w.value(i)
                    w.key("sq")
                    w.value(i * i)
                    w.endObject()
                }
                w.endArray()
            }
            #expect(json == #"[{"i":0,"sq":0},{"i":1,"sq":1},{"i":2,"sq":4}]"#)
        }

        @Test func builderOptionalsAndValues() {
            let none: String? = nil
            let json = written { w in
                w.beginObject()
                w.key("s")
                w.value(none)
                w.key("t")
                w.value(Optional("t"))
                w.key("i")
                w.value(Int?.none)
                w.key("j")
                w.value(Int?.some(3))
                w.key("d")
                w.value(Double?.none)
                w.key("b")
                w.value(Bool?.some(true))
                w.key("v")
                w.value(["nested": [1, nil]] as JSONValue)
                w.key("w")
                w.write([1, 2])
                w.endObject()
            }
            #expect(json == #"{"s":null,"t":"t","i":null,"j":3,"d":null,"b":true,"v":{"nested":[1,null]},"w":[1,2]}"#)
        }

        @Test func literals() {
            let value: JSONValue = ["a": nil, "b": true, "c": 1, "d": 1.5, "e": "s", "f": [1, "x"]]
            #expect(
                value
                    == .object(
                        JSONObject([
                            ("a", .null), ("b", .bool(true)), ("c", .int(1)), ("d", .double(1.5)),
                            ("e", .string("s")), ("f", .array([.int(1), .string("x")])),
                        ])))
            #expect(value.description == #"{"a":null,"b":true,"c":1,"d":1.5,"e":"s","f":[1,"x"]}"#)
        }
    }
}

/// What the JWT side needs of the one JSON module: repeated keys refused on request, Python's
/// ASCII-only output, keys compared by their scalars.
struct JSONStrictAndASCIITests {
    @Test func duplicateKeysCanBeRefusedAtAnyDepth() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#, rejectingDuplicateKeys: true) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"x":[{"b":1,"b":1}]}"#, rejectingDuplicateKeys: true) }
        // "é" precomposed and decomposed are two keys, as in Python.
        let two = try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}", rejectingDuplicateKeys: true)
        #expect(two.objectValue?.count == 2)
    }

    @Test func depthIsTheCallersChoice() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse("[[[1]]]", maxDepth: 2) }
        #expect((try? JSONParser.parse("[[1]]", maxDepth: 2)) != nil)
    }

    @Test func asciiOnlyAsPythonWritesIt() {
        var writer = JSONWriter(asciiOnly: true)
        writer.write(["k": "é\u{2028}😀\n\"\\"])
        #expect(writer.string == #"{"k":"\u00e9\u2028\ud83d\ude00\n\"\\"}"#)
    }

    @Test(arguments: [
        (1e15, "1000000000000000.0"), (1.5e15, "1500000000000000.0"), (1e16, "1e+16"), (0.0001, "0.0001"),
        (0.00001, "1e-05"), (-0.0, "-0.0"), (123456789012345680.0, "1.2345678901234568e+17"), (5e-324, "5e-324"),
    ])
    func floatsAsPythonsRepr(value: Double, text: String) {
        var writer = JSONWriter()
        writer.value(value)
        #expect(writer.string == text)
    }
}
