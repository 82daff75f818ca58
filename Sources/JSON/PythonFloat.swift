/// Python's `repr(float)`, which `json.dumps` writes: the JSON text of a `Double` that the seed
/// (FastAPI) and python-jose would write for the same value.
enum PythonFloat {
    /// `d` as Python's `repr(float)`: the shortest round-trip digits (which Swift's `description`
    /// also gives), fixed notation for exponents -4...15 (with ".0" for integral values), else
    /// `1.5e+16` style with at least two exponent digits. Non-finite values, which JSON cannot
    /// hold (Python would write `Infinity`/`NaN`), are written as `null`.
    static func append(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d.sign == .minus { out.append(UInt8(ascii: "-")) }
        if d == 0 {
            out.append(contentsOf: "0.0".utf8)
            return
        }
        // Swift writes e.g. "4102444800.5", "1e-05", "1.2345e+20", "5e-324".
        let text = Array(d.magnitude.description.utf8)
        var digits = [UInt8]()
        var pointPosition: Int?
        var i = 0
        while i < text.count, text[i] != UInt8(ascii: "e"), text[i] != UInt8(ascii: "E") {
            if text[i] == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else {
                digits.append(text[i])
            }
            i += 1
        }
        var exponent = 0
        if i < text.count {
            i += 1
            var negative = false
            if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                negative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < text.count {
                exponent = exponent * 10 + Int(text[i] - UInt8(ascii: "0"))
                i += 1
            }
            if negative { exponent = -exponent }
        }
        // The value is 0.DIGITS × 10^decimalPoint.
        var decimalPoint = (pointPosition ?? digits.count) + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let zero = UInt8(ascii: "0")
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                out.append(contentsOf: [zero, UInt8(ascii: ".")])
                out.append(contentsOf: repeatElement(zero, count: -decimalPoint))
                out.append(contentsOf: digits)
            } else if decimalPoint >= digits.count {
                out.append(contentsOf: digits)
                out.append(contentsOf: repeatElement(zero, count: decimalPoint - digits.count))
                out.append(contentsOf: [UInt8(ascii: "."), zero])
            } else {
                out.append(contentsOf: digits[..<decimalPoint])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[decimalPoint...])
            }
        } else {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let scientific = decimalPoint - 1
            out.append(contentsOf: [UInt8(ascii: "e"), UInt8(ascii: scientific < 0 ? "-" : "+")])
            let magnitude = scientific.magnitude
            if magnitude < 10 { out.append(zero) }
            out.append(contentsOf: String(magnitude).utf8)
        }
    }
}
