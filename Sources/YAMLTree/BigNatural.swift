/// A non-negative integer of any size in base 10⁹ limbs — just enough arithmetic to construct
/// Python's unbounded integers from YAML text.
struct BigNatural: Equatable {
    private static let base: UInt64 = 1_000_000_000
    /// Python's default `sys.get_int_max_str_digits()`.
    static let maxDecimalDigits = 4300
    /// Little-endian limbs, each below `base`; empty means zero.
    private var limbs: [UInt64] = []

    init() {}

    /// Python's `int(text, radix)` for a text without underscores: surrounding whitespace, an
    /// optional sign, the radix's prefix (`0x`, `0o`, `0b`, any case) and any Unicode decimal
    /// digit are accepted. Returns `nil` where Python raises `ValueError`.
    static func parsePythonInt(_ text: Substring, radix: Int) -> (negative: Bool, magnitude: BigNatural)? {
        var body = text.trimmingPythonWhitespace()
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let prefixes = [16: "0x", 8: "0o", 2: "0b"]
        if let prefix = prefixes[radix], body.lowercased().hasPrefix(prefix) {
            body = body.dropFirst(2)
        }
        // Python 3.11+ refuses to convert decimal strings of more than 4300 digits (CVE-2020-10735).
        guard !body.isEmpty, radix != 10 || body.count <= maxDecimalDigits else { return nil }
        var magnitude = BigNatural()
        for character in body {
            guard let digit = digitValue(character), digit < radix else { return nil }
            magnitude.multiply(by: UInt64(radix))
            magnitude.add(BigNatural(small: UInt64(digit)))
        }
        return (negative, magnitude)
    }

    /// A decimal digit of any script (Python accepts `١٢`), or an ASCII letter as a digit above 9.
    private static func digitValue(_ character: Character) -> Int? {
        guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first else { return nil }
        if scalar.properties.generalCategory == .decimalNumber, let value = scalar.properties.numericValue {
            return Int(value)
        }
        guard scalar.isASCII, let value = character.hexDigitValue ?? asciiLetterValue(scalar) else { return nil }
        return value
    }

    private static func asciiLetterValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "a"..."z": return Int(scalar.value - 87)
        case "A"..."Z": return Int(scalar.value - 55)
        default: return nil
        }
    }

    init(small: UInt64) {
        var value = small
        while value > 0 {
            limbs.append(value % Self.base)
            value /= Self.base
        }
    }

    mutating func multiply(by factor: UInt64) {
        var carry: UInt64 = 0
        for index in limbs.indices {
            let product = limbs[index] * factor + carry
            limbs[index] = product % Self.base
            carry = product / Self.base
        }
        while carry > 0 {
            limbs.append(carry % Self.base)
            carry /= Self.base
        }
    }

    mutating func add(_ other: BigNatural) {
        var carry: UInt64 = 0
        for index in 0..<max(limbs.count, other.limbs.count) {
            let sum = (index < limbs.count ? limbs[index] : 0)
                + (index < other.limbs.count ? other.limbs[index] : 0) + carry
            if index < limbs.count { limbs[index] = sum % Self.base } else { limbs.append(sum % Self.base) }
            carry = sum / Self.base
        }
        if carry > 0 { limbs.append(carry) }
    }

    /// The signed value, `small` when it fits in `Int`.
    func integer(negative: Bool) -> YAMLInteger {
        guard let top = limbs.last else { return .small(0) }
        var digits = String(top)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            digits += String(repeating: "0", count: 9 - part.count) + part
        }
        let signed = negative ? "-" + digits : digits
        if let value = Int(signed) { return .small(value) }
        return .big(signed)
    }
}
