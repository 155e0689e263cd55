/// Finds where a key of a JSON document is written, for messages that name a line: the parsed
/// ``JSONValue`` keeps no positions, and only messages about bad input need them.
package enum JSONKeyLine {
    /// The line (1-based) where the object key at the end of `path` is written in `bytes`: the
    /// member `path[0]` of the top-level object, then `path[1]` of the object that is its value,
    /// and so on (a key counts only as a key, at its own depth, never as a string value); 1 for
    /// an empty path; `nil` when the path is not there as written (a key with escapes in it, or
    /// text that is not JSON).
    package static func line(of path: [String], in bytes: [UInt8]) -> Int? {
        position(of: path, in: bytes)?.line
    }

    /// The line and column (1-based, in characters) where the object key at the end of `path`
    /// starts (its opening quote), found as ``line(of:in:)`` finds the line; line 1, column 1
    /// for an empty path.
    package static func position(of path: [String], in bytes: [UInt8]) -> (line: Int, column: Int)? {
        guard !path.isEmpty else { return (1, 1) }
        let keys = path.map { Array($0.utf8) }
        var line = 1
        var lineStart = 0
        /// For each open container: whether it is an object, and whether its key so far matches
        /// the path (true for the top level, which needs no key).
        var containers: [(isObject: Bool, onPath: Bool)] = []
        /// The number of objects open and on the path: the depth of the next key to match.
        var matchedDepth: Int { containers.filter(\.isObject).count }
        var onPath: Bool { containers.allSatisfy(\.onPath) }
        var lastKeyMatched = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
                lineStart = index
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // A container opened as a member's value is on the path when that member's key was.
                let isValue = containers.last?.isObject == true
                containers.append((byte == UInt8(ascii: "{"), containers.isEmpty || (isValue ? lastKeyMatched : containers.last!.onPath)))
                lastKeyMatched = false
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !containers.isEmpty { containers.removeLast() }
                index += 1
            case UInt8(ascii: "\""):
                let start = index + 1
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < bytes.count else { return nil }
                index = end + 1
                var after = index
                while after < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[after]) { after += 1 }
                let isKey = after < bytes.count && bytes[after] == UInt8(ascii: ":") && containers.last?.isObject == true
                guard isKey else { continue }
                let depth = matchedDepth - 1
                lastKeyMatched = onPath && depth < keys.count && bytes[start..<end].elementsEqual(keys[depth])
                if lastKeyMatched && depth == keys.count - 1 {
                    // Characters, not bytes: UTF-8 continuation bytes do not start one.
                    let column = bytes[lineStart..<(start - 1)].reduce(1) { count, byte in byte & 0xC0 == 0x80 ? count : count + 1 }
                    return (line, column)
                }
            default:
                index += 1
            }
        }
        return nil
    }
}
