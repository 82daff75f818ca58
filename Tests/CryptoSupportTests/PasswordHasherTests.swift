import Testing
import CryptoSupport

// Fixtures made with passlib 1.7.4 + bcrypt 4.0.1 (Python 3.11):
//     from passlib.context import CryptContext
//     CryptContext(schemes=["bcrypt"]).hash(password)          # $2b$, cost 12
//     passlib.hash.bcrypt.using(rounds=4, ident="2a"/"2y"/"2b").hash(password)
private let passlibTestPass = "$2b$12$Nc4TJytV8zZej0mS2/nsFuqk2PRQp8Tb2meOpZAi7weKDKNgcH6c6"  // "TestPass123!"
private let passlibJapanese = "$2b$12$vyHhXjmk9GATFTPqgbyzheUfetbbNuRvIx2zcxYRuS/ScfRpUoxHW"  // "パスワード123"
private let passlibLong = "$2b$12$sfX5sAOX4xy12SVu0sJX3.qAwDzyGAKtkAEIL2froODUHat1fT/1K"  // "a"*72 + "TAIL-ignored"
private let passlibJapaneseLong = "$2b$12$DmoW0g8yXV3OgtDpZeqCMOW0qOQEbnaM6HcMs1NertQmq7qcqVTdK"  // "あ"*30 (90 bytes)
private let passlib2a = "$2a$04$xLQ2Ypw05A8VnI8VF3edeeRivMPgei8quDLDFipMOWAmEjlvvYvmu"  // "TestPass123!"
private let passlib2y = "$2y$04$fG7GUmSNNpuTy99smXZ5UeQHbPeUVA/LdPFftOLfKHHNNOdYzoHZi"  // "TestPass123!"
private let passlib600 = "$2b$04$xK6GoLMU3wQ9sWkEtBxOo.rh4AubzI2z8r6tOrG9x.t2RuKAPjB6G"  // "x"*600

// Made by this PasswordHasher and checked once by hand with passlib's
// CryptContext(schemes=["bcrypt"]).verify(password, hash) → True (wrong password → False;
// needs_update → False). passlib also confirmed that for "a"*72 + "TAIL-ignored" the password
// "a"*72 verifies, and for "あ"*30 "あ"*24 (72 bytes) does but "あ"*23 does not.
private let oursTestPass = "$2b$12$fuWjm3kVl4YrvMFnqPwuO.rN7V/SCMr51qw/8Y16FSryXast7RHuK"  // "TestPass123!"
private let oursJapanese = "$2b$12$5sYBq9xZDBU4RATyWNQ60uDLH1pSadwqrSvpIcYwbDFJBiFW7lzHa"  // "パスワード123"
private let oursLong = "$2b$12$dKxE90CS5pDwiTpf2VTDQeVuXFqmcvcaUfB1G/nYwiqjDjhXMTiQW"  // "a"*72 + "TAIL-ignored"
private let oursJapaneseLong = "$2b$04$hw759iJ/vq6Ee7rQSFAvYunBx0vYnZ28iwxPMjWQxuHNuWm6uKWSe"  // "あ"*30

private let a72 = String(repeating: "a", count: 72)

/// `passlib2a` with its first `count` bytes replaced by `prefix`.
private func replacingStart(_ count: Int, with prefix: String) -> String {
    prefix + String(passlib2a.dropFirst(count))
}

private let malformedHashes: [String] = [
    "", "not a hash", "$2b$04$", "$2b$04$short",
    String(passlib2a.dropLast()), passlib2a + "A", passlib2a + "\n", " " + passlib2a,
    replacingStart(4, with: "$2x$"), replacingStart(4, with: "$2$"), replacingStart(4, with: "$2c$"),
    replacingStart(7, with: "$2b$03$"), replacingStart(7, with: "$2b$32$"), replacingStart(7, with: "$2b$99$"),
    replacingStart(7, with: "$2b$4$"), replacingStart(7, with: "$2b$aa$"),
    replacingStart(8, with: "$2b$04$!"), replacingStart(9, with: "$2b$04$é"),
    "$1$abcdefgh$0123456789abcdefghijkl", "$5$rounds=1000$salt$hash",
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "*0", "*1", "!",
]

struct PasswordHasherTests {
    let fast = PasswordHasher(cost: 4)

    @Test func roundTrip() throws {
        let hash = try fast.hash("TestPass123!")
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(hash.utf8.count == 60)
        #expect(fast.verify("TestPass123!", against: hash))
    }

    @Test func wrongPasswordIsRefused() throws {
        let hash = try fast.hash("TestPass123!")
        #expect(!fast.verify("TestPass123?", against: hash))
        #expect(!fast.verify("testpass123!", against: hash))
        #expect(!fast.verify("", against: hash))
        #expect(!fast.verify("TestPass123!TestPass123!", against: hash))
    }

    @Test func saltsAreRandom() throws {
        let first = try fast.hash("same")
        let second = try fast.hash("same")
        #expect(first != second)
        #expect(fast.verify("same", against: first) && fast.verify("same", against: second))
    }

    @Test func defaultCostIsPasslibs() throws {
        #expect(PasswordHasher().cost == 12)
        #expect(PasswordHasher(cost: 5).cost == 5)
        #expect(try PasswordHasher(cost: 5).hash("x").hasPrefix("$2b$05$"))
    }

    @Test func japaneseAndEmptyPasswords() throws {
        for password in ["パスワード123", "日本語のパスワード🔑", "", " "] {
            let hash = try fast.hash(password)
            #expect(fast.verify(password, against: hash))
            #expect(!fast.verify(password + "x", against: hash))
        }
    }

    @Test func onlyTheFirst72BytesCount() throws {
        let hash = try fast.hash(a72 + "first tail")
        #expect(fast.verify(a72 + "other tail", against: hash))
        #expect(fast.verify(a72, against: hash))
        #expect(!fast.verify(String(a72.dropLast()), against: hash))

        // The 72-byte cut may fall inside a UTF-8 sequence: "あ" is 3 bytes, 25 of them are 75.
        let japanese = try fast.hash(String(repeating: "あ", count: 25))
        #expect(fast.verify(String(repeating: "あ", count: 24) + "い", against: japanese))
        #expect(!fast.verify(String(repeating: "あ", count: 23), against: japanese))
    }

    @Test func veryLongPasswordsWork() throws {
        // Beyond libxcrypt's 512-byte passphrase limit: cut to 72 bytes first, as passlib does.
        let password = String(repeating: "x", count: 10_000)
        let hash = try fast.hash(password)
        #expect(fast.verify(password, against: hash))
        #expect(fast.verify(String(repeating: "x", count: 600), against: passlib600))
    }

    @Test func nulBytesAreRefused() throws {
        #expect(throws: CryptoError.self) { try fast.hash("a\u{0}b") }
        #expect(throws: CryptoError.self) { try fast.hash(a72 + "\u{0}") }
        let hash = try fast.hash("a")
        #expect(!fast.verify("a\u{0}b", against: hash))
        #expect(!fast.verify("a\u{0}", against: hash))
    }

    @Test(arguments: malformedHashes)
    func malformedHashesAreRefused(hash: String) {
        #expect(!fast.verify("TestPass123!", against: hash))
        #expect(fast.needsRehash(hash))
    }

    @Test(arguments: [
        ("TestPass123!", passlibTestPass),
        ("パスワード123", passlibJapanese),
        (a72 + "TAIL-ignored", passlibLong),
        (String(repeating: "あ", count: 30), passlibJapaneseLong),
    ])
    func passlibHashesVerify(password: String, hash: String) {
        let hasher = PasswordHasher()
        #expect(hasher.verify(password, against: hash))
        #expect(!hasher.verify("X" + password.dropFirst(), against: hash))
        #expect(!hasher.needsRehash(hash))
    }

    @Test func passlibLongHashIgnoresTheTail() {
        #expect(fast.verify(a72, against: passlibLong))
        #expect(fast.verify(String(repeating: "あ", count: 24), against: passlibJapaneseLong))
        #expect(!fast.verify(String(repeating: "あ", count: 23), against: passlibJapaneseLong))
    }

    @Test func passlib2aAnd2yHashesVerify() {
        for hash in [passlib2a, passlib2y] {
            #expect(fast.verify("TestPass123!", against: hash))
            #expect(!fast.verify("TestPass123", against: hash))
            #expect(fast.needsRehash(hash))
        }
    }

    @Test func ourHashesCheckedWithPasslibStillVerify() {
        #expect(fast.verify("TestPass123!", against: oursTestPass))
        #expect(fast.verify("パスワード123", against: oursJapanese))
        #expect(fast.verify(a72 + "TAIL-ignored", against: oursLong))
        #expect(fast.verify(String(repeating: "あ", count: 30), against: oursJapaneseLong))
        #expect(!fast.verify("TestPass123", against: oursTestPass))
    }

    @Test func needsRehash() throws {
        let hasher = PasswordHasher(cost: 12)
        #expect(!hasher.needsRehash(passlibTestPass))
        #expect(hasher.needsRehash(try fast.hash("x")))  // cost 4, configured 12
        #expect(!fast.needsRehash(try fast.hash("x")))
        #expect(fast.needsRehash(passlibTestPass))  // cost 12, configured 4
        #expect(hasher.needsRehash("$2a$" + passlibTestPass.dropFirst(4)))
        #expect(hasher.needsRehash("$2y$" + passlibTestPass.dropFirst(4)))
        #expect(hasher.needsRehash("garbage"))
    }

    @Test func verifyDummyTakesAsLongAsVerify() throws {
        // Cost 7 (~10 ms a hash): long enough to measure, short enough for a unit test. The
        // minimum of interleaved runs is robust against other tests running in parallel.
        let hasher = PasswordHasher(cost: 7)
        let hash = try hasher.hash("TestPass123!")
        let clock = ContinuousClock()
        var verifyBest = Duration.seconds(1000)
        var dummyBest = Duration.seconds(1000)
        for _ in 0..<5 {
            verifyBest = min(verifyBest, clock.measure { _ = hasher.verify("wrong password", against: hash) })
            dummyBest = min(dummyBest, clock.measure { hasher.verifyDummy("wrong password") })
        }
        #expect(dummyBest * 2 >= verifyBest, "verifyDummy \(dummyBest) vs verify \(verifyBest)")
        #expect(verifyBest * 2 >= dummyBest, "verifyDummy \(dummyBest) vs verify \(verifyBest)")
        // And it really runs bcrypt: far slower than a cost-4 verify would be alone.
        #expect(dummyBest > .milliseconds(1))
    }
}
