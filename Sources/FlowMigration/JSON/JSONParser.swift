import Foundation

/// Parses JSON text (RFC 8259) into ``JSONValue``, reporting the line and column of the first
/// error. Strict — no comments, no trailing commas, nesting limited to 512 levels — except that
/// Python's `NaN`, `Infinity` and `-Infinity` are read as numbers, since Selinon's files may
/// hold them.
public struct JSONParser: Sendable {
    /// Why a text is not JSON, and where.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, in words: "unexpected text after the JSON value".
        public var message: String
        /// The 1-based line.
        public var line: Int
        /// The 1-based column, counted in characters (Unicode scalars), not bytes.
        public var column: Int

        /// `line:column: message`.
        public var description: String { "\(line):\(column): \(message)" }
    }

    /// The deepest nesting of arrays and objects read; a deeper document is a ``Failure`` (this
    /// parser's limit, not a syntax error).
    public static let maxDepth = 512
    /// The message of the failure past ``maxDepth``: this parser's limit, not a syntax error.
    static let depthLimitMessage = "JSON nests deeper than \(maxDepth) levels"

    /// Whether a key repeated in one object is an error (for generated files, where a repeat
    /// means a hand edit) rather than the later value replacing the earlier one, as in Python.
    public var rejectsDuplicateKeys: Bool

    /// A parser; `rejectsDuplicateKeys` makes a key repeated in one object an error.
    public init(rejectsDuplicateKeys: Bool = false) {
        self.rejectsDuplicateKeys = rejectsDuplicateKeys
    }

    /// Parses a complete JSON document (surrounding whitespace allowed).
    public func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) -> JSONValue in
            var scanner = Scanner(bytes: buffer)
            scanner.rejectsDuplicateKeys = rejectsDuplicateKeys
            scanner.skipWhitespace()
            let value = try scanner.value(depth: 0)
            scanner.skipWhitespace()
            guard scanner.index == buffer.count else { throw scanner.failure("unexpected text after the JSON value") }
            return value
        }
    }

    /// The cursor over the bytes.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var rejectsDuplicateKeys = false

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func failure(_ message: String, at position: Int? = nil) -> Failure {
            let end = min(position ?? index, bytes.count)
            var line = 1, column = 1
            for byte in bytes[0..<end] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return Failure(message: message, line: line, column: column)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard index < bytes.count else { throw failure("unexpected end of the JSON text") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "N"): try literal("NaN"); return .number(JSONNumber(text: "NaN"))
            case UInt8(ascii: "I"): try literal("Infinity"); return .number(JSONNumber(text: "Infinity"))
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
                index += 1
                try literal("Infinity")
                return .number(JSONNumber(text: "-Infinity"))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            case 0xEF where bytes[index...].starts(with: [0xEF, 0xBB, 0xBF]):
                throw failure("a UTF-8 byte order mark (EF BB BF) where a value should start; JSON text carries none: "
                    + "remove it (the editor or tool that saved the file added it)")
            case 0x80...:
                throw failure("unexpected byte 0x\(String(bytes[index], radix: 16, uppercase: true)) (not the start of a JSON value)")
            default: throw failure("unexpected character '\(Unicode.Scalar(bytes[index]))'")
            }
        }

        private mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                  (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] })
            else { throw failure("invalid literal (expected \(word))") }
            index += count
        }

        private mutating func object(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maxDepth else { throw failure(JSONParser.depthLimitMessage) }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let keyStart = index
                let key = try string()
                if let existing = members.index(forKey: key) {
                    if !members[existing].key.utf8.elementsEqual(key.utf8) {
                        // Swift's `String ==` is canonical equivalence, so the two keys would be one
                        // entry and a value would be lost; Python keeps both.
                        throw failure("the keys '\(members[existing].key)' and '\(key)' differ only in Unicode normalisation; "
                                      + "selinon-migrate cannot keep both (use one spelling, NFC)", at: keyStart)
                    }
                    if rejectsDuplicateKeys { throw failure("the key '\(key)' appears twice in one object", at: keyStart) }
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
                index += 1
                skipWhitespace()
                members[key] = try value(depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw failure("unexpected end of the JSON text inside an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw failure("expected ',' or '}' in an object")
                }
            }
        }

        private mutating func array(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maxDepth else { throw failure(JSONParser.depthLimitMessage) }
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw failure("unexpected end of the JSON text inside an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                } else {
                    throw failure("expected ',' or ']' in an array")
                }
            }
        }

        mutating func number() throws(Failure) -> JSONNumber {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number: digits must follow '.'") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number: digits must follow the exponent") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            return JSONNumber(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        mutating func string() throws(Failure) -> String {
            let start = index
            index += 1
            // Fast path: no escapes.
            var scan = index
            while scan < bytes.count, bytes[scan] != UInt8(ascii: "\""), bytes[scan] != UInt8(ascii: "\\"), bytes[scan] >= 0x20 {
                scan += 1
            }
            if scan < bytes.count, bytes[scan] == UInt8(ascii: "\"") {
                let text = try validatedString(index..<scan)
                index = scan + 1
                return text
            }
            var output: [UInt8] = []
            while true {
                guard index < bytes.count else { throw failure("unterminated string", at: start) }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = output.withUnsafeBufferPointer(UTF8Text.string) else { throw failure("invalid UTF-8 in a string", at: start) }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw failure("unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): output.append(0x22)
                    case UInt8(ascii: "\\"): output.append(0x5C)
                    case UInt8(ascii: "/"): output.append(0x2F)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hexQuad()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw failure("unpaired UTF-16 surrogate in a \\u escape")
                            }
                            index += 2
                            let low = try hexQuad()
                            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired UTF-16 surrogate in a \\u escape") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw failure("unpaired UTF-16 surrogate in a \\u escape")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                        output.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        throw failure("invalid escape '\\\(Unicode.Scalar(escape))'")
                    }
                default:
                    guard byte >= 0x20 else { throw failure("control character in a string (escape it)") }
                    output.append(byte)
                    index += 1
                }
            }
        }

        /// The four hexadecimal digits of a `\u` escape, at the cursor.
        mutating func hexQuad() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x57)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x37)
                default: throw failure("invalid hex digit in a \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        private func validatedString(_ range: Range<Int>) throws(Failure) -> String {
            guard let text = UTF8Text.string(UnsafeBufferPointer(rebasing: bytes[range])) else {
                throw failure("invalid UTF-8 in a string", at: range.lowerBound)
            }
            return text
        }
    }
}

extension JSONParser.Failure {
    /// The failure as a dispatcher message's problem: "not valid JSON: …" for a syntax error;
    /// the depth limit named as this tool's own limit (Python reads deeper messages).
    var messageProblem: String {
        message == JSONParser.depthLimitMessage
            ? "the JSON nests deeper than \(JSONParser.maxDepth) levels, more than selinon-migrate reads (column \(column))"
            : "not valid JSON: \(message) (column \(column))"
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension JSONParser.Failure: LocalizedError {
    public var errorDescription: String? { description }
}
