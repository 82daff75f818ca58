import Testing
import CryptoSupport

private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
private func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

struct HMACTests {
    // RFC 4231, section 4.
    @Test func rfc4231TestCase1() {
        let mac = HMAC.sha256(key: [UInt8](repeating: 0x0b, count: 20), message: utf8("Hi There"))
        #expect(hex(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func rfc4231TestCase2() {
        let mac = HMAC.sha256(key: utf8("Jefe"), message: utf8("what do ya want for nothing?"))
        #expect(hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func rfc4231TestCase6() {
        let mac = HMAC.sha256(
            key: [UInt8](repeating: 0xaa, count: 131),
            message: utf8("Test Using Larger Than Block-Size Key - Hash Key First")
        )
        #expect(hex(mac) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func acceptsAnyByteCollection() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let expected = HMAC.sha256(key: key, message: utf8("Hi There"))
        #expect(HMAC.sha256(key: key[0...], message: "Hi There".utf8) == expected)
        #expect(HMAC.sha256(key: key.lazy.map { $0 }, message: AnyCollection(utf8("Hi There"))) == expected)
    }

    @Test func aKeySetUpOnceGivesEachMessageItsOwnMac() {
        let key = HMACKey(utf8("Jefe"))
        let message = utf8("what do ya want for nothing?")
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(hex(key.authenticate(message)) == expected)
        #expect(hex(key.authenticate(utf8("Hi There"))) == hex(HMAC.sha256(key: utf8("Jefe"), message: utf8("Hi There"))))
        #expect(hex(key.authenticate(message)) == expected)  // the keyed state is not used up
    }

    @Test func emptyKeyAndMessage() {
        // HMAC-SHA256 with an empty key over an empty message.
        #expect(
            hex(HMAC.sha256(key: [UInt8](), message: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

struct SHA256DigestTests {
    @Test func abc() {
        #expect(
            hex(SHA256Digest.hash(utf8("abc")))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func empty() {
        #expect(
            hex(SHA256Digest.hash([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func twoBlockMessage() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            hex(SHA256Digest.hash(message.utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

struct ConstantTimeTests {
    @Test func equalAndUnequal() {
        #expect(ConstantTime.equals(utf8("secret"), utf8("secret")))
        #expect(!ConstantTime.equals(utf8("secret"), utf8("secreT")))
        #expect(!ConstantTime.equals(utf8("Secret"), utf8("secret")))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }

    @Test func differentLengthsAreUnequal() {
        #expect(!ConstantTime.equals(utf8("secret"), utf8("secret1")))
        #expect(!ConstantTime.equals(utf8("secret1"), utf8("secret")))
        #expect(!ConstantTime.equals(utf8("a"), [UInt8]()))
        #expect(!ConstantTime.equals([UInt8](), utf8("a")))
    }

    @Test func mixedCollectionTypes() {
        let bytes = utf8("token")
        #expect(ConstantTime.equals(bytes, "token".utf8))
        #expect(ConstantTime.equals(bytes[1...], utf8("oken")))
    }
}

/// Standard base64 (RFC 4648 §10 test vectors), padded.
struct Base64Tests {
    @Test func rfc4648Vectors() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(utf8(plain)) == encoded)
            #expect(Base64.decode(encoded) == utf8(plain))
        }
    }

    @Test func standardAlphabetNotTheUrlOne() {
        #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
    }
}

struct Base64URLTests {
    @Test func rfc4648Vectors() {
        let vectors = [
            "": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg",
            "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(utf8(plain)) == encoded)
            #expect(Base64URL.decode(encoded) == utf8(plain))
        }
    }

    @Test func urlSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
        #expect(Base64URL.encode([0xff, 0xfe]) == "__4")
    }

    @Test func roundTripsEveryLength() {
        var bytes: [UInt8] = []
        for n in 0..<70 {
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("="))
            #expect(encoded.utf8.count == (n * 4 + 2) / 3)
            #expect(Base64URL.decode(encoded) == bytes)
            bytes.append(UInt8(truncatingIfNeeded: n &* 37 &+ 200))
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    @Test func acceptsPadding() {
        #expect(Base64URL.decode("Zg==") == utf8("f"))
        #expect(Base64URL.decode("Zm8=") == utf8("fo"))
        #expect(Base64URL.decode("Zm9v") == utf8("foo"))
    }

    @Test(arguments: [
        "Zm9v+g",  // standard alphabet '+'
        "Zm9v/g",  // standard alphabet '/'
        "Zm9 v",  // whitespace
        "Zm9v\n",
        "Zm9v!",
        "Z",  // impossible length
        "Zm9vY",
        "Zg=",  // incomplete padding
        "Zg===",
        "Z===",
        "=Zg=",
        "Zg==Zg==",  // padding in the middle
        "Zh",  // non-zero unused bits
        "Zm9",
        "ü",
    ])
    func rejectsInvalid(input: String) {
        #expect(Base64URL.decode(input) == nil)
    }
}

struct HexTests {
    @Test func encode() {
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    }

    @Test func decode() {
        #expect(Hex.decode("000fA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

struct SecureRandomTests {
    @Test func lengths() throws {
        #expect(try SecureRandom.bytes(0).isEmpty)
        #expect(try SecureRandom.bytes(1).count == 1)
        #expect(try SecureRandom.bytes(32).count == 32)
        #expect(try SecureRandom.bytes(100_000).count == 100_000)
        #expect(try SecureRandom.hexString(byteCount: 16).utf8.count == 32)
        #expect(try SecureRandom.urlSafeToken(byteCount: 32).utf8.count == 43)
    }

    @Test func negativeCountThrows() {
        #expect(throws: CryptoError.self) { try SecureRandom.bytes(-1) }
    }

    @Test func noRepetition() throws {
        var seen = Set<[UInt8]>()
        for _ in 0..<1000 { seen.insert(try SecureRandom.bytes(16)) }
        #expect(seen.count == 1000)
        // 4 KiB of output is not constant and uses many byte values.
        let block = try SecureRandom.bytes(4096)
        #expect(Set(block).count > 200)
    }

    @Test func tokenAlphabets() throws {
        let hexText = try SecureRandom.hexString(byteCount: 64)
        #expect(hexText.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        let token = try SecureRandom.urlSafeToken(byteCount: 64)
        #expect(Base64URL.decode(token)?.count == 64)
        #expect(try SecureRandom.urlSafeToken(byteCount: 32) != SecureRandom.urlSafeToken(byteCount: 32))
    }
}
