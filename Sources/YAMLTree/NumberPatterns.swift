/// Byte-level equivalents of PyYAML's implicit `int` and `float` regular expressions
/// (`yaml/resolver.py`). Each function documents the alternative it implements.
enum NumberPatterns {
    private typealias Bytes = UnsafeBufferPointer<UInt8>

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Cursor helpers: each returns the index after what it consumed.
    private static func skipSign(_ bytes: Bytes, _ index: Int) -> Int {
        index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) ? index + 1 : index
    }

    private static func skip(_ bytes: Bytes, _ index: Int, while predicate: (UInt8) -> Bool) -> Int {
        var index = index
        while index < bytes.count && predicate(bytes[index]) { index += 1 }
        return index
    }

    private static func digitOrUnderscore(_ byte: UInt8) -> Bool { isDigit(byte) || byte == UInt8(ascii: "_") }

    /// `(?::[0-5]?[0-9])+` — at least one sexagesimal group; returns the end index or nil.
    private static func sexagesimalGroups(_ bytes: Bytes, _ index: Int) -> Int? {
        var index = index
        var groups = 0
        while index < bytes.count && bytes[index] == UInt8(ascii: ":") {
            var cursor = index + 1
            // [0-5]?[0-9]: one digit, or two digits where the first is 0-5.
            guard cursor < bytes.count, isDigit(bytes[cursor]) else { break }
            if cursor + 1 < bytes.count, isDigit(bytes[cursor + 1]), bytes[cursor] <= UInt8(ascii: "5") {
                cursor += 2
            } else {
                cursor += 1
            }
            index = cursor
            groups += 1
        }
        return groups > 0 ? index : nil
    }

    /// PyYAML's int pattern:
    /// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
    /// [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`, anchored at both ends.
    static func isInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = skipSign(bytes, 0)
        guard start < bytes.count else { return false }
        let end = bytes.count
        if bytes[start] == UInt8(ascii: "0") {
            if start + 1 == end { return true }
            let marker = bytes[start + 1]
            if marker == UInt8(ascii: "b") {
                return start + 2 < end
                    && skip(bytes, start + 2) { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") || $0 == UInt8(ascii: "_") } == end
            }
            if marker == UInt8(ascii: "x") {
                return start + 2 < end && skip(bytes, start + 2) { byte in
                    isDigit(byte) || byte == UInt8(ascii: "_")
                        || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                        || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
                } == end
            }
            return skip(bytes, start + 1) { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == UInt8(ascii: "_") } == end
        }
        guard isDigit(bytes[start]) else { return false }
        let afterDigits = skip(bytes, start + 1, while: digitOrUnderscore)
        if afterDigits == end { return true }
        guard let afterGroups = sexagesimalGroups(bytes, afterDigits) else { return false }
        return afterGroups == end
    }

    /// PyYAML's float pattern:
    /// `[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)? |
    /// [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)`.
    static func isFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = bytes.count
        guard end > 0 else { return false }
        if bytes[0] == UInt8(ascii: ".") {
            if matchesWord(bytes, 1, ["inf", "Inf", "INF", "nan", "NaN", "NAN"]) { return true }
            guard end > 1, isDigit(bytes[1]) else { return false }
            return exponentThenEnd(bytes, skip(bytes, 2, while: digitOrUnderscore))
        }
        let start = skipSign(bytes, 0)
        guard start < end else { return false }
        if bytes[start] == UInt8(ascii: ".") {
            // Signed: only infinities (`-.nan` stays a string).
            return start > 0 && matchesWord(bytes, start + 1, ["inf", "Inf", "INF"])
        }
        guard isDigit(bytes[start]) else { return false }
        let afterDigits = skip(bytes, start + 1, while: digitOrUnderscore)
        if afterDigits < end, bytes[afterDigits] == UInt8(ascii: ".") {
            return exponentThenEnd(bytes, skip(bytes, afterDigits + 1, while: digitOrUnderscore))
        }
        guard let afterGroups = sexagesimalGroups(bytes, afterDigits),
              afterGroups < end, bytes[afterGroups] == UInt8(ascii: ".")
        else { return false }
        return skip(bytes, afterGroups + 1, while: digitOrUnderscore) == end
    }

    /// `(?:[eE][-+][0-9]+)?$` from `index`.
    private static func exponentThenEnd(_ bytes: Bytes, _ index: Int) -> Bool {
        let end = bytes.count
        if index == end { return true }
        guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"),
              index + 2 < end,
              bytes[index + 1] == UInt8(ascii: "-") || bytes[index + 1] == UInt8(ascii: "+")
        else { return false }
        return skip(bytes, index + 2, while: isDigit) == end
    }

    private static func matchesWord(_ bytes: Bytes, _ index: Int, _ words: [StaticString]) -> Bool {
        words.contains { word in
            guard bytes.count - index == word.utf8CodeUnitCount else { return false }
            return (0..<word.utf8CodeUnitCount).allSatisfy { bytes[index + $0] == word.utf8Start[$0] }
        }
    }
}
