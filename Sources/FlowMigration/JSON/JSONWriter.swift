/// Writes ``JSONValue``s deterministically: object keys sorted by code point, the same value
/// always the same bytes.
public enum JSONWriter {
    /// Indented output for files people review: two spaces per level, `": "` after keys (the
    /// layout of Python's `json.dumps(indent=2, sort_keys=True)`), plus one trailing newline.
    public static func pretty(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, indent: 0, pretty: true, into: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// One line without spaces, for JSON-lines streams.
    public static func compact(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, indent: 0, pretty: false, into: &output)
        return output
    }

    /// Appends `value` as ``compact(_:)`` writes it, for callers that assemble a large text
    /// piece by piece.
    package static func appendCompact(_ value: JSONValue, to output: inout [UInt8]) {
        write(value, indent: 0, pretty: false, into: &output)
    }

    private static func write(_ value: JSONValue, indent: Int, pretty: Bool, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.text.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            appendArray(count: items.count, indent: indent, pretty: pretty, to: &output) { position, output in
                write(items[position], indent: indent + 1, pretty: pretty, into: &output)
            }
        case .object(let members):
            let sorted = sortedMembers(members)
            appendObject(keys: sorted.map(\.key), indent: indent, pretty: pretty, to: &output) { position, output in
                write(sorted[position].value, indent: indent + 1, pretty: pretty, into: &output)
            }
        }
    }

    /// Appends `value` as it is written nested `indent` levels deep.
    package static func append(_ value: JSONValue, indent: Int, pretty: Bool, to output: inout [UInt8]) {
        write(value, indent: indent, pretty: pretty, into: &output)
    }

    /// Appends an object nested `indent` levels deep whose `keys` are already in order; `value`
    /// appends the value of the member at a position (nested `indent + 1` levels). For writers
    /// that go straight from their own data to bytes, without building a ``JSONValue``.
    package static func appendObject(keys: [String], indent: Int, pretty: Bool, to output: inout [UInt8],
                                     value: (_ position: Int, _ output: inout [UInt8]) -> Void) {
        guard !keys.isEmpty else {
            output.append(contentsOf: "{}".utf8)
            return
        }
        output.append(UInt8(ascii: "{"))
        for (position, key) in keys.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            if pretty { newline(indent + 1, into: &output) }
            writeString(key, into: &output)
            output.append(UInt8(ascii: ":"))
            if pretty { output.append(UInt8(ascii: " ")) }
            value(position, &output)
        }
        if pretty { newline(indent, into: &output) }
        output.append(UInt8(ascii: "}"))
    }

    /// Appends an array of `count` items nested `indent` levels deep; `item` appends the item at
    /// a position (nested `indent + 1` levels).
    package static func appendArray(count: Int, indent: Int, pretty: Bool, to output: inout [UInt8],
                                    item: (_ position: Int, _ output: inout [UInt8]) -> Void) {
        guard count > 0 else {
            output.append(contentsOf: "[]".utf8)
            return
        }
        output.append(UInt8(ascii: "["))
        for position in 0..<count {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            if pretty { newline(indent + 1, into: &output) }
            item(position, &output)
        }
        if pretty { newline(indent, into: &output) }
        output.append(UInt8(ascii: "]"))
    }

    /// Members with keys in code-point order (as Python sorts strings), not Swift's `<` on
    /// `String`, which compares grapheme clusters; UTF-8 byte order is code-point order.
    private static func sortedMembers(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        members.sorted { utf8Precedes($0.key, $1.key) }
    }

    /// UTF-8 byte order, comparing contiguous bytes directly (the general path walks two
    /// `UTF8View` iterators, which dominated writing large migrations).
    package static func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
        let compared = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
        return (compared ?? nil) ?? lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    private static func newline(_ indent: Int, into output: inout [UInt8]) {
        if indent < indentedNewlines.count {
            output.append(contentsOf: indentedNewlines[indent])
        } else {
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
        }
    }

    /// A line break and the indentation of each of the first levels, ready to copy.
    private static let indentedNewlines: [[UInt8]] = (0..<16).map { [UInt8(ascii: "\n")] + Array(repeating: UInt8(ascii: " "), count: $0 * 2) }

    /// A JSON string: quotes, backslashes and control characters escaped, and the characters a
    /// YAML 1.1 reader rejects or reads as line breaks (DEL, C1 controls including NEL, U+2028,
    /// U+2029, U+FFFE, U+FFFF) — Selinon reads migration files with PyYAML. Other text is UTF-8.
    package static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings (node names, edge indices) are printable ASCII with nothing to escape.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: output += [0x5C, 0x22]
            case 0x5C: output += [0x5C, 0x5C]
            case 0x0A: output += [0x5C, UInt8(ascii: "n")]
            case 0x0D: output += [0x5C, UInt8(ascii: "r")]
            case 0x09: output += [0x5C, UInt8(ascii: "t")]
            case 0x08: output += [0x5C, UInt8(ascii: "b")]
            case 0x0C: output += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFFFE, 0xFFFF:
                let hex = Array("0123456789abcdef".utf8)
                let value = Int(scalar.value)
                output += Array("\\u".utf8) + [hex[value >> 12 & 0xF], hex[value >> 8 & 0xF], hex[value >> 4 & 0xF], hex[value & 0xF]]
            case 0x20..<0x7F:
                output.append(UInt8(scalar.value))
            default:
                output += Array(String(Character(scalar)).utf8)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
