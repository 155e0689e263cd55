/// Turns scalar text into a value exactly as PyYAML's `SafeLoader` (YAML 1.1) does: implicit
/// resolution of plain scalars by PyYAML's regular expressions, then its constructors.
///
/// Hand-written matchers replace the regular expressions; each mirrors one alternative of
/// PyYAML's `resolver.py` pattern and is named after it.
enum YAMLScalarResolver {
    /// What a scalar resolves to before construction.
    enum Resolution: Equatable {
        case value(YAMLScalarValue)
        /// `<<`: a merge key (only meaningful as a mapping key).
        case merge
        /// `=`: YAML 1.1's "value" key, which PyYAML can only use as a mapping key (a string).
        case valueKey
    }

    /// A scalar that PyYAML's constructors reject.
    struct Failure: Error {
        var message: String
    }

    static let yamlTagPrefix = "tag:yaml.org,2002:"

    /// Resolves one scalar.
    /// - Parameters:
    ///   - text: the scalar after unescaping.
    ///   - tag: the explicit tag in full form, or `nil`. The non-specific tag `!` counts as none.
    ///   - plainImplicit: libyaml's flag: implicit resolution applies (a plain scalar without a
    ///     tag, or any scalar tagged `!` — PyYAML treats both alike).
    static func resolve(text: String, tag: String?, plainImplicit: Bool) throws(Failure) -> Resolution {
        // PyYAML resolves a scalar tagged `!` as if it were plain, even when quoted or empty.
        guard let tag, tag != "!" else {
            guard plainImplicit || tag == "!" else { return .value(.string(text)) }
            return try resolveImplicitly(text)
        }
        guard tag.hasPrefix(yamlTagPrefix) else {
            throw Failure(message: "unsupported tag '\(tag)': " + unsupportedTagReason(tag))
        }
        switch tag.dropFirst(yamlTagPrefix.count) {
        case "str": return .value(.string(text))
        case "null": return .value(.null)
        case "bool":
            switch text.lowercased() {
            case "yes", "true", "on": return .value(.bool(true))
            case "no", "false", "off": return .value(.bool(false))
            default: throw Failure(message: "'\(text)' is not a boolean (!!bool accepts yes/no, true/false, on/off)")
            }
        case "int": return .value(.int(try constructInteger(text)))
        case "float": return .value(.float(try constructFloat(text)))
        case "timestamp": return .value(.timestamp(try constructTimestamp(text)))
        case "merge": return .merge
        case "value": return .valueKey
        case "seq", "map", "omap", "pairs", "set":
            throw Failure(message: "tag '\(tag)' needs a collection, not the scalar '\(text)'")
        default:
            throw Failure(message: "unsupported tag '\(tag)': " + unsupportedTagReason(tag))
        }
    }

    /// Why a tag is refused: PyYAML's safe loader builds `!!binary` (bytes), `!!set`, `!!omap`
    /// and `!!pairs`, but no Selinon setting takes such values and the model has no place for
    /// them; any other tag the safe loader itself rejects.
    static func unsupportedTagReason(_ tag: String) -> String {
        let constructed = ["binary", "set", "omap", "pairs"].map { yamlTagPrefix + $0 }
        return constructed.contains(tag)
            ? "PyYAML builds it, but no Selinon setting takes such a value and selinon-migrate does not read it"
            : "Selinon's YAML loader (PyYAML's safe loader) cannot construct it"
    }

    private static func resolveImplicitly(_ text: String) throws(Failure) -> Resolution {
        guard let first = text.utf8.first else { return .value(.null) }
        switch first {
        case UInt8(ascii: "~"):
            return .value(text == "~" ? .null : .string(text))
        case UInt8(ascii: "<"):
            return text == "<<" ? .merge : .value(.string(text))
        case UInt8(ascii: "="):
            return text == "=" ? .valueKey : .value(.string(text))
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"),
             UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
             UInt8(ascii: "o"), UInt8(ascii: "O"):
            // Most keys ("to", "from", "name") start with these letters: compare bytes, not
            // Strings (an unequal String comparison takes Unicode's slow path).
            switch packedSpelling(text) {
            case 0x0300_0000_0073_6579, 0x0300_0000_0073_6559, 0x0300_0000_0053_4559,  // yes Yes YES
                 0x0400_0000_6575_7274, 0x0400_0000_6575_7254, 0x0400_0000_4555_5254,  // true True TRUE
                 0x0200_0000_0000_6E6F, 0x0200_0000_0000_6E4F, 0x0200_0000_0000_4E4F:  // on On ON
                return .value(.bool(true))
            case 0x0200_0000_0000_6F6E, 0x0200_0000_0000_6F4E, 0x0200_0000_0000_4F4E,  // no No NO
                 0x0500_0065_736C_6166, 0x0500_0065_736C_6146, 0x0500_0045_534C_4146,  // false False FALSE
                 0x0300_0000_0066_666F, 0x0300_0000_0066_664F, 0x0300_0000_0046_464F:  // off Off OFF
                return .value(.bool(false))
            case 0x0400_0000_6C6C_756E, 0x0400_0000_6C6C_754E, 0x0400_0000_4C4C_554E:  // null Null NULL
                return .value(.null)
            default:
                return .value(.string(text))
            }
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var copy = text
            let shape = copy.withUTF8 { bytes -> NumberShape in
                if NumberPatterns.isFloat(bytes) { return .float }
                if NumberPatterns.isInteger(bytes) { return .integer }
                if TimestampPattern.matchesImplicit(bytes) { return .timestamp }
                return .string
            }
            switch shape {
            case .float: return .value(.float(try constructFloat(text)))
            case .integer: return .value(.int(try constructInteger(text)))
            case .timestamp: return .value(.timestamp(try constructTimestamp(text)))
            case .string: return .value(.string(text))
            }
        default:
            return .value(.string(text))
        }
    }

    private enum NumberShape { case float, integer, timestamp, string }

    /// A text of 2 to 5 bytes packed into an integer — its bytes little-endian, its length in
    /// the top byte — so the YAML 1.1 boolean and null spellings are found by one `switch`
    /// (`0x03000000_00736579` is "yes"); 0 for any other length.
    private static func packedSpelling(_ text: String) -> UInt64 {
        let bytes = text.utf8
        guard bytes.count >= 2 && bytes.count <= 5 else { return 0 }
        var packed = UInt64(bytes.count) << 56
        var shift: UInt64 = 0
        for byte in bytes {
            packed |= UInt64(byte) << shift
            shift += 8
        }
        return packed
    }

    // MARK: - Constructors (PyYAML `SafeConstructor`)

    /// `construct_yaml_int`: drop `_`, take the sign, then `0b`, `0x`, leading-zero octal,
    /// sexagesimal `a:b:c` or decimal — each through Python's `int()`, any size.
    static func constructInteger(_ text: String) throws(Failure) -> YAMLInteger {
        // Fast path for plain decimals (no leading zero: that would be octal).
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        if unsigned.first != "0", let value = Int(text) { return .small(value) }

        let invalid = Failure(message: "'\(text)' is not an integer")
        var digits = Substring(text.filter { $0 != "_" })
        guard let first = digits.first else { throw invalid }
        let negative = first == "-"
        if first == "-" || first == "+" { digits = digits.dropFirst() }
        let parsed: (negative: Bool, magnitude: BigNatural)?
        if digits == "0" {
            parsed = (false, BigNatural())
        } else if digits.hasPrefix("0b") {
            parsed = BigNatural.parsePythonInt(digits.dropFirst(2), radix: 2)
        } else if digits.hasPrefix("0x") {
            parsed = BigNatural.parsePythonInt(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0") {
            parsed = BigNatural.parsePythonInt(digits, radix: 8)
        } else if digits.contains(":") {
            return try sexagesimalInteger(digits, negative: negative, invalid: invalid)
        } else {
            guard digits.count <= BigNatural.maxDecimalDigits else {
                throw Failure(message: "an integer of \(digits.count) digits is more than Python reads: it refuses decimal "
                    + "integers of more than \(BigNatural.maxDecimalDigits) digits (since 3.11, 3.10.7, 3.9.14 and 3.8.14)")
            }
            parsed = BigNatural.parsePythonInt(digits, radix: 10)
        }
        guard let parsed else { throw invalid }
        return parsed.magnitude.integer(negative: negative != parsed.negative)
    }

    /// `a:b:c` = a·60² + b·60 + c, each part through Python's `int()` (so `1:-5` is 55).
    private static func sexagesimalInteger(_ digits: Substring, negative: Bool, invalid: Failure) throws(Failure) -> YAMLInteger {
        var parts: [(negative: Bool, magnitude: BigNatural)] = []
        for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let parsed = BigNatural.parsePythonInt(part, radix: 10) else { throw invalid }
            parts.append(parsed)
        }
        if parts.allSatisfy({ !$0.negative }) {
            var total = BigNatural()
            for part in parts {
                total.multiply(by: 60)
                total.add(part.magnitude)
            }
            return total.integer(negative: negative)
        }
        // A signed part: only reachable through an explicit `!!int`; computed in 64 bits.
        var total = 0
        for part in parts {
            guard let value = part.magnitude.integer(negative: part.negative).intValue else { throw invalid }
            let (shifted, overflow1) = total.multipliedReportingOverflow(by: 60)
            let (sum, overflow2) = shifted.addingReportingOverflow(value)
            guard !overflow1, !overflow2 else { throw invalid }
            total = sum
        }
        return .small(negative ? -total : total)
    }

    /// The NaN that `.nan` stands for. PyYAML returns one and the same float object for every
    /// `.nan` (its constructor's `nan_value`), so that, as keys of one mapping, they are one key
    /// (a Python `dict` matches a key by identity before equality), while each `!!float nan` is a
    /// new `float('nan')`, equal to no key. This payload marks the shared one.
    static let sharedNaN = Double(nan: 0x5E1, signaling: false)

    /// `construct_yaml_float`: drop `_`, lower-case, sign, `.inf`/`.nan`, sexagesimal, then
    /// Python's `float()`.
    static func constructFloat(_ text: String) throws(Failure) -> Double {
        var value = Substring(text.filter { $0 != "_" }.lowercased())
        let invalid = Failure(message: "'\(text)' is not a floating-point number")
        guard let first = value.first else { throw invalid }
        let sign: Double = first == "-" ? -1 : 1
        if first == "-" || first == "+" { value = value.dropFirst() }
        if value == ".inf" { return sign * .infinity }
        if value == ".nan" { return sharedNaN }
        if value.contains(":") {
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            // PyYAML multiplies each group by 60**k, a Python int that it cannot turn into a float
            // once it passes the largest float: that file does not load.
            var base = 1.0
            for _ in 1..<parts.count { base *= 60 }
            guard base.isFinite else {
                throw Failure(message: "'\(text.count > 40 ? text.prefix(40) + "…" : text)' has \(parts.count) sexagesimal groups: PyYAML, "
                    + "which Selinon reads it with, fails on it (int too large to convert to float)")
            }
            // As PyYAML adds them, from the last group: each times its power of 60, then summed
            // (another order rounds differently in the last bit: 1:10:40.297).
            var total = 0.0
            base = 1
            for part in parts.reversed() {
                guard let number = pythonFloat(part) else { throw invalid }
                total += number * base
                base *= 60
            }
            return sign * total
        }
        guard let number = pythonFloat(value) else { throw invalid }
        return sign * number
    }

    /// Python's `float(str)`: optional whitespace and sign, decimal digits with optional
    /// fraction and exponent, or `inf`/`infinity`/`nan` — no hexadecimal.
    private static func pythonFloat(_ text: Substring) -> Double? {
        let trimmed = text.trimmingPythonWhitespace()
        let body = trimmed.first == "-" || trimmed.first == "+" ? trimmed.dropFirst() : trimmed
        switch body.lowercased() {
        case "inf", "infinity": return trimmed.first == "-" ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        guard !body.isEmpty,
              body.allSatisfy({ $0.isASCII && ($0.isNumber || "eE.+-".contains($0)) })
        else { return nil }
        return Double(String(trimmed))
    }

    /// `construct_yaml_timestamp`: a date, or a date-time with optional fraction and zone.
    static func constructTimestamp(_ text: String) throws(Failure) -> YAMLTimestamp {
        guard let timestamp = TimestampPattern.construct(Array(text.utf8)) else {
            throw Failure(message: "'\(text)' is not a valid date or timestamp")
        }
        return timestamp
    }
}

extension Substring {
    /// The text without the leading and trailing whitespace Python's `int()`/`float()` ignore.
    func trimmingPythonWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { " \t\n\r\u{0B}\u{0C}".contains($0) }
        guard let start = firstIndex(where: { !isSpace($0) }),
              let end = lastIndex(where: { !isSpace($0) })
        else { return self[endIndex...] }
        return self[start...end]
    }
}
