/// Finds where a key of a JSON document is written, for messages that name a line: the parsed
/// ``JSONValue`` keeps no positions, and only messages about bad input need them.
public enum JSONKeyLine {
    /// The line (1-based) where the object key at the end of `path` appears in `bytes`, found by
    /// looking for each key of the path in turn (a key is found only after its parent's); 1 for
    /// an empty path; `nil` when a key is not found as written (one with escapes in it, say).
    public static func line(of path: [String], in bytes: [UInt8]) -> Int? {
        var position = 0
        for key in path {
            let needle = Array(("\"" + key + "\"").utf8)
            guard let found = find(needle, in: bytes, from: position) else { return nil }
            position = found + needle.count
        }
        guard !path.isEmpty else { return 1 }
        return bytes[..<position].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
