/// Writes ``JSONValue``s deterministically: object keys sorted by code point, the same value
/// always the same bytes.
public enum JSONWriter {
    /// Indented output for files people review: two spaces per level, `": "` after keys, one
    /// trailing newline — the layout of Python's `json.dumps(indent=2, sort_keys=True)`.
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

    private static func write(_ value: JSONValue, indent: Int, pretty: Bool, into output: inout [UInt8]) {
        switch value {
        case .null: output += Array("null".utf8)
        case .bool(let flag): output += Array((flag ? "true" : "false").utf8)
        case .number(let number): output += Array(number.text.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            guard !items.isEmpty else {
                output += Array("[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1, into: &output) }
                write(item, indent: indent + 1, pretty: pretty, into: &output)
            }
            if pretty { newline(indent, into: &output) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                output += Array("{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            for (position, key) in sortedKeys(members).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1, into: &output) }
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                write(members[key]!, indent: indent + 1, pretty: pretty, into: &output)
            }
            if pretty { newline(indent, into: &output) }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Keys in code-point order (as Python sorts strings), not Swift's locale-free `<`, which
    /// compares by grapheme clusters.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    private static func newline(_ indent: Int, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output += Array(repeating: UInt8(ascii: " "), count: indent * 2)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other text as UTF-8.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [0x5C, 0x22]
            case UInt8(ascii: "\\"): output += [0x5C, 0x5C]
            case 0x0A: output += [0x5C, UInt8(ascii: "n")]
            case 0x0D: output += [0x5C, UInt8(ascii: "r")]
            case 0x09: output += [0x5C, UInt8(ascii: "t")]
            case 0x08: output += [0x5C, UInt8(ascii: "b")]
            case 0x0C: output += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
