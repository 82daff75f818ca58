/// TAP-like lines in the format of scripts/lib/check.sh (`ok - name`, `FAIL - name (why)`), each
/// name prefixed with the transport, and the exit status the stack test reads: 0 when every
/// check passed, 3 when one failed (any other status means the program itself broke).
public final class Report {
    private let prefix: String
    public private(set) var passed = 0
    public private(set) var failed = 0

    public init(prefix: String) {
        self.prefix = prefix
    }

    public func ok(_ name: String) {
        passed += 1
        print("ok - \(prefix): \(name)")
    }

    public func fail(_ name: String, _ why: String) {
        failed += 1
        let flat = why.split(whereSeparator: \.isNewline).joined(separator: " ")
        print("FAIL - \(prefix): \(name) (\(flat.count > 300 ? flat.prefix(300) + "…" : flat))")
    }

    public func check(_ name: String, _ condition: Bool, _ why: @autoclosure () -> String) {
        if condition { ok(name) } else { fail(name, why()) }
    }

    public func checkEqual<T: Equatable>(_ name: String, _ expected: T, _ got: T) {
        check(name, expected == got, "expected \(expected), got \(got)")
    }

    public var exitStatus: Int32 { failed == 0 ? 0 : 3 }
}
