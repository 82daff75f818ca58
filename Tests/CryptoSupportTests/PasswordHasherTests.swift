import Testing
import CryptoSupport

struct PasswordHasherTests {
    @Test func printOurs() throws {
        let h = PasswordHasher(cost: 12)
        print("OURS1", try h.hash("TestPass123!"))
        print("OURS2", try h.hash("パスワード123"))
        print("OURS3", try h.hash(String(repeating: "a", count: 72) + "TAIL-ignored"))
        print("OURS4", try PasswordHasher(cost: 4).hash(String(repeating: "あ", count: 30)))
    }
}
