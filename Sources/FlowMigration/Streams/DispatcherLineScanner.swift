/// Reads only what migration needs from one JSON dispatcher message — flow name, version, the
/// edge lists, node names, selective subsets — and remembers where each value sits in the
/// line, so the rewritten parts can be spliced into the original bytes. Everything else is
/// skipped without being decoded and survives byte for byte.
///
/// It checks the same shape rules as ``DispatcherMessage`` and reports the same errors.
struct DispatcherLineScanner {
    /// Where a value sits in the line.
    typealias Span = Range<Int>

    /// What was found in a line.
    struct Scan {
        var flowName: String?
        /// `dispatcher_id`, when it is a string.
        var dispatcherID: String?
        /// Where the value of `dispatcher_id` is (read or not).
        var dispatcherIDSpan: Span?
        /// The value of the store's status member (``DispatcherMessageHeader/storeStatusKey``),
        /// and the bytes to cut to remove the member with its comma.
        var storeStatus: String?
        var storeStatusMemberSpan: Span?
        var version: Int?
        var versionSpan: Span?
        /// The span of the whole message object (to insert a missing `migration_version`).
        var objectSpan: Span = 0..<0
        var stateSpan: Span?
        var hasState = false
        var retrySpan: Span?
        var waiting: [Int] = []
        var waitingSpan: Span?
        var triggered: [Int] = []
        var triggeredSpan: Span?
        var activeNames: [String] = []
        var finishedNames: [String] = []
        /// `selective.waiting_edges_subset`: its span, and per flow the edges with the spans of
        /// their values.
        var subsetsSpan: Span?
        var subsets: [(flow: String, edges: [(index: Int, valueSpan: Span)])] = []

        /// Forgets what a `state` read before gave: a later `state` key replaces an earlier one
        /// entirely (the last copy counts, as in Python).
        mutating func forgetState() {
            (activeNames, finishedNames, waiting, triggered, waitingSpan, triggeredSpan) = ([], [], [], [], nil, nil)
        }
    }

    /// Scans one message. `readingIdentity` decodes `dispatcher_id` (stores need it; migration
    /// passes it through unread, like every member it does not rewrite).
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, readingIdentity: Bool = false) throws(StateError) -> Scan {
        // Skipped strings are not decoded, so the whole line is checked once: JSON is UTF-8, and
        // a line Python cannot decode would pass through as if it were a message.
        if !UTF8Text.isValid(bytes) {
            throw StateError(.malformed, "not valid JSON: the line is not valid UTF-8")
        }
        var cursor = JSONParser.Scanner(bytes: bytes)
        var scan = Scan()
        cursor.skipWhitespace()
        guard cursor.index < bytes.count else { throw StateError(.malformed, "empty line") }
        guard bytes[cursor.index] == UInt8(ascii: "{") else {
            // Not an object: let the full parser say what it is, or where the syntax breaks.
            let value: JSONValue
            do throws(JSONParser.Failure) {
                value = try JSONParser().parse(Array(bytes))
            } catch {
                throw StateError(.malformed, error.messageProblem)
            }
            throw StateError(.malformed, "a dispatcher message must be a JSON object, found \(value.kindDescription)")
        }
        do {
            let start = cursor.index
            // Where the previous member's value ended: a member is cut from there to its own end.
            var previousValueEnd: Int?
            // The store's status given twice, whatever the first copy holds: only one copy could be
            // taken out of the message, and the other would come back on export.
            var statusSeen = false, statusRepeated = false
            try forEachMember(&cursor, level: 2, memberEnded: { previousValueEnd = $0 }) { key, cursor throws(StateError) in
                switch key {
                case "dispatcher_id":
                    let valueStart = cursor.index
                    guard bytes[cursor.index] == UInt8(ascii: "\"") else {
                        throw StateError(.wrongType, "dispatcher_id must be a string, found \(try valueKind(&cursor))")
                    }
                    if readingIdentity {
                        scan.dispatcherID = try cursor.stringOrStateError("dispatcher_id")
                    } else {
                        try skipValue(&cursor)
                        scan.dispatcherID = nil
                    }
                    scan.dispatcherIDSpan = valueStart..<cursor.index
                case _ where key.matches(DispatcherMessageHeader.storeStatusKey):
                    if statusSeen { statusRepeated = true }
                    statusSeen = true
                    guard bytes[cursor.index] == UInt8(ascii: "\"") else {
                        try skipValue(&cursor)
                        throw StateError(.wrongType, "\(key) must be a string")
                    }
                    let status = try cursor.stringOrStateError(DispatcherMessageHeader.storeStatusKey)
                    guard DispatcherMessageHeader.storeStatuses.contains(status) else {
                        throw StateError(.invalidValue, "\(key) is '\(status)'; expected one of "
                            + DispatcherMessageHeader.storeStatuses.joined(separator: ", "))
                    }
                    scan.storeStatus = status
                    if let previousValueEnd {
                        scan.storeStatusMemberSpan = previousValueEnd..<cursor.index
                    } else {
                        // The first member: cut through the comma after it.
                        var after = cursor
                        after.skipWhitespace()
                        if after.index < bytes.count, bytes[after.index] == UInt8(ascii: ",") {
                            after.index += 1
                            after.skipWhitespace()
                        }
                        scan.storeStatusMemberSpan = start + 1..<after.index
                    }
                case "flow_name":
                    guard bytes[cursor.index] == UInt8(ascii: "\"") else {
                        try skipValue(&cursor)
                        throw StateError(.wrongType, "flow_name must be a string")
                    }
                    scan.flowName = try cursor.stringOrStateError("flow_name")
                case "migration_version":
                    let valueStart = cursor.index
                    switch bytes[cursor.index] {
                    case UInt8(ascii: "n"):
                        try skipValue(&cursor)
                        scan.version = nil
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        let integer = try cursor.converting { scanner throws(JSONParser.Failure) in try scanner.integerOrSkip() }
                        guard let value = integer, value >= 0 else {
                            throw DispatcherMessageHeader.versionError(String(decoding: bytes[valueStart..<cursor.index], as: UTF8.self))
                        }
                        scan.version = value
                    default:
                        let kind = try valueKind(&cursor)
                        throw StateError(.wrongType, "migration_version must be a non-negative integer or null, found \(kind)")
                    }
                    scan.versionSpan = valueStart..<cursor.index
                case "state":
                    let valueStart = cursor.index
                    if bytes[cursor.index] == UInt8(ascii: "n") {
                        try skipValue(&cursor)
                        scan.hasState = false
                        scan.forgetState()
                    } else {
                        guard bytes[cursor.index] == UInt8(ascii: "{") else {
                            let kind = try valueKind(&cursor)
                            throw StateError(.wrongType, "state must be an object or null, found \(kind)")
                        }
                        scan.hasState = true
                        try scanState(&cursor, into: &scan)
                    }
                    scan.stateSpan = valueStart..<cursor.index
                case "retry":
                    let valueStart = cursor.index
                    // Selinon's dispatcher schedules itself with this countdown.
                    guard bytes[cursor.index] == UInt8(ascii: "n")
                        || (bytes[cursor.index] == UInt8(ascii: "-") && !bytes[cursor.index...].starts(with: "-Infinity".utf8))
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor.index]) else {
                        throw StateError(.wrongType, "retry must be a number or null, found \(try valueKind(&cursor))")
                    }
                    try skipValue(&cursor)
                    if bytes[valueStart] != UInt8(ascii: "n"),
                       let error = DispatcherMessageHeader.retryError(String(decoding: bytes[valueStart..<cursor.index], as: UTF8.self)) {
                        throw error
                    }
                    scan.retrySpan = valueStart..<cursor.index
                case "retried_count":
                    // Compared with the flow's max_retry by Selinon's dispatcher.
                    let valueStart = cursor.index
                    switch bytes[cursor.index] {
                    case UInt8(ascii: "n"):
                        try skipValue(&cursor)
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        let integer = try cursor.converting { scanner throws(JSONParser.Failure) in try scanner.integerOrSkip() }
                        guard let value = integer, value >= 0 else {
                            throw DispatcherMessageHeader.retriedCountError(String(decoding: bytes[valueStart..<cursor.index], as: UTF8.self))
                        }
                    default:
                        throw StateError(.wrongType, "retried_count must be a non-negative integer or null, found \(try valueKind(&cursor))")
                    }
                case "parent":
                    // Handed to the sub-flow's storage pool: a mapping of node names.
                    guard bytes[cursor.index] == UInt8(ascii: "{") || bytes[cursor.index] == UInt8(ascii: "n") else {
                        throw StateError(.wrongType, "parent must be an object or null, found \(try valueKind(&cursor))")
                    }
                    try skipValue(&cursor)
                case "selective":
                    try scanSelective(&cursor, into: &scan)
                default:
                    try skipValue(&cursor)
                }
            }
            if statusRepeated {
                throw StateError(.duplicateEntry, "\(DispatcherMessageHeader.storeStatusKey) is given twice; keep one")
            }
            scan.objectSpan = start..<cursor.index
            let end = cursor.index
            cursor.skipWhitespace()
            guard cursor.index == bytes.count else {
                // Messages one after the other with a carriage return between: lines ended by CR alone.
                if bytes[cursor.index] == UInt8(ascii: "{"), bytes[end..<cursor.index].contains(0x0D) {
                    throw cursor.syntaxError("unexpected text after the JSON value: another message after a carriage return — the "
                        + "lines end in CR alone (classic Mac OS), not LF or CRLF; convert them: tr '\\r' '\\n' < FILE > FILE.jsonl")
                }
                throw cursor.syntaxError("unexpected text after the JSON value")
            }
        }
        guard scan.flowName != nil else { throw StateError(.missingKey, "flow_name is missing") }
        return scan
    }

    // MARK: - State

    private static func scanState(_ cursor: inout JSONParser.Scanner, into scan: inout Scan) throws(StateError) {
        let bytes = cursor.bytes
        scan.forgetState()
        try forEachMember(&cursor, level: 3) { key, cursor throws(StateError) in
            switch key {
            case "active_nodes":
                scan.activeNames = []  // (a later copy of the key replaces an earlier one)
                if try isNull(&cursor) { return }
                guard bytes[cursor.index] == UInt8(ascii: "[") else {
                    try skipValue(&cursor)
                    throw StateError(.wrongType, "state.active_nodes must be an array")
                }
                var position = 0
                try forEachItem(&cursor) { cursor throws(StateError) in
                    guard bytes[cursor.index] == UInt8(ascii: "{") else {
                        throw StateError(.wrongType, "state.active_nodes[\(position)] must be an object with a string 'name'")
                    }
                    var name: String?
                    try forEachMember(&cursor, level: 5) { key, cursor throws(StateError) in
                        if key == "name", bytes[cursor.index] == UInt8(ascii: "\"") {
                            name = try cursor.stringOrStateError("state.active_nodes[\(position)].name")
                        } else if key == "name" {
                            try skipValue(&cursor)
                            name = nil
                        } else if key == "id", bytes[cursor.index] != UInt8(ascii: "\"") {
                            throw StateError(.wrongType, "state.active_nodes[\(position)].id must be a string")
                        } else {
                            try skipValue(&cursor, level: 5)  // message → state → active_nodes → node → this
                        }
                    }
                    guard let name else {
                        throw StateError(.wrongType, "state.active_nodes[\(position)] must be an object with a string 'name'")
                    }
                    scan.activeNames.append(name)
                    position += 1
                }
            case "finished_nodes", "failed_nodes":
                if key == "finished_nodes" { scan.finishedNames = [] }  // (a later copy of the key replaces an earlier one)
                if try isNull(&cursor) { return }
                guard bytes[cursor.index] == UInt8(ascii: "{") else {
                    try skipValue(&cursor)
                    throw StateError(.wrongType, "state.\(key) must be an object")
                }
                try forEachMember(&cursor, level: 4) { name, cursor throws(StateError) in
                    guard bytes[cursor.index] == UInt8(ascii: "[") else {
                        throw StateError(.wrongType, "state.\(key).\(name) must be an array of ids")
                    }
                    try forEachItem(&cursor) { cursor throws(StateError) in
                        guard bytes[cursor.index] == UInt8(ascii: "\"") else {
                            throw StateError(.wrongType, "state.\(key).\(name) must be an array of ids")
                        }
                        try skipValue(&cursor)
                    }
                    if key == "finished_nodes" { scan.finishedNames.append(try name.string()) }
                }
            case "waiting_edges", "triggered_edges":
                let valueStart = cursor.index
                let isWaiting = key == "waiting_edges"
                // A literal name, so the hot path decodes no key.
                let edges = try edgeList(&cursor, key: isWaiting ? "waiting_edges" : "triggered_edges")
                if isWaiting {
                    scan.waiting = edges
                    scan.waitingSpan = valueStart..<cursor.index
                } else {
                    scan.triggered = edges
                    scan.triggeredSpan = valueStart..<cursor.index
                }
            default:
                try skipValue(&cursor, level: 3)  // message → state → this
            }
        }
    }

    private static func edgeList(_ cursor: inout JSONParser.Scanner, key: String) throws(StateError) -> [Int] {
        let bytes = cursor.bytes
        if try isNull(&cursor) { return [] }
        guard bytes[cursor.index] == UInt8(ascii: "[") else {
            try skipValue(&cursor)
            throw StateError(.wrongType, "state.\(key) must be an array of edge indices")
        }
        var edges: [Int] = []
        var repeats = RepeatedEdges()
        try forEachItem(&cursor) { cursor throws(StateError) in
            let position = edges.count
            let byte = bytes[cursor.index]
            guard byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39) else {
                let kind = try valueKind(&cursor)
                throw StateError(.wrongType, "state.\(key)[\(position)] must be an integer edge index, found \(kind)")
            }
            let start = cursor.index
            let integer = try cursor.converting { scanner throws(JSONParser.Failure) in try scanner.integerOrSkip() }
            guard let index = integer else {
                throw EdgeIndexText(bytes[start..<cursor.index]).error(key: key, position: position)
            }
            guard index >= 0 else { throw StateError(.edgeIndexOutOfRange, "state.\(key)[\(position)] is \(index); edge indices are not negative") }
            guard !repeats.isRepeat(index, in: edges) else { throw StateError(.duplicateEntry, "state.\(key) lists edge \(index) twice") }
            edges.append(index)
        }
        return edges
    }

    // MARK: - Selective runs

    private static func scanSelective(_ cursor: inout JSONParser.Scanner, into scan: inout Scan) throws(StateError) {
        let bytes = cursor.bytes
        scan.subsets = []
        scan.subsetsSpan = nil
        switch bytes[cursor.index] {
        case UInt8(ascii: "n"), UInt8(ascii: "f"):
            let valueStart = cursor.index
            try skipValue(&cursor)
            guard bytes[valueStart] == UInt8(ascii: "n") || cursor.index - valueStart == 5 else {
                throw StateError(.wrongType, "selective must be false or an object")
            }
            return
        case UInt8(ascii: "{"): break
        default:
            try skipValue(&cursor)
            throw StateError(.wrongType, "selective must be false or an object")
        }
        try forEachMember(&cursor, level: 3) { key, cursor throws(StateError) in
            guard key == "waiting_edges_subset" else {
                try skipValue(&cursor, level: 3)  // message → selective → this
                return
            }
            let valueStart = cursor.index
            if try isNull(&cursor) {
                (scan.subsets, scan.subsetsSpan) = ([], nil)  // (a later null replaces an earlier subset)
                return
            }
            guard bytes[cursor.index] == UInt8(ascii: "{") else {
                try skipValue(&cursor)
                throw StateError(.wrongType, "selective.waiting_edges_subset must be an object")
            }
            var subsets: [(flow: String, edges: [(index: Int, valueSpan: Span)])] = []
            try forEachMember(&cursor, level: 4) { flowKey, cursor throws(StateError) in
                let flow = try flowKey.string()
                guard bytes[cursor.index] == UInt8(ascii: "{") else {
                    throw StateError(.wrongType, "selective.waiting_edges_subset.\(flow) must be an object keyed by edge index")
                }
                var edges: [(index: Int, valueSpan: Span)] = []
                try forEachMember(&cursor, level: 5) { indexKey, cursor throws(StateError) in
                    let key = try indexKey.string()
                    guard let index = Int(key), index >= 0, String(index) == key else {
                        throw StateError(.wrongType, "selective.waiting_edges_subset.\(flow) has the key '\(key)', which is not an edge index")
                    }
                    let start = cursor.index
                    try skipValue(&cursor, level: 5)  // message → selective → subsets → flow → this
                    edges.removeAll { $0.index == index }
                    edges.append((index, start..<cursor.index))
                }
                subsets.removeAll { $0.flow == flow }
                subsets.append((flow, edges.sorted { $0.index < $1.index }))
            }
            scan.subsets = subsets
            scan.subsetsSpan = valueStart..<cursor.index
        }
    }

    // MARK: - Walking

    /// Calls `body` for each member of the object at the cursor, with the cursor on the value;
    /// `body` must consume the value.
    /// `level`: how deep the members' values sit (the message's own members: 2), for the depth
    /// limit of the values skipped.
    ///
    /// A value `body` finds wrong does not count when the object gives its key again later:
    /// Python's `json` keeps the last of repeated keys, so an earlier copy is no part of the
    /// message (and the later one replaces whatever the earlier one set).
    /// `memberEnded` gets the position after each member's value, read or skipped.
    private static func forEachMember(_ cursor: inout JSONParser.Scanner, level: Int, memberEnded: (Int) -> Void = { _ in },
                                      _ body: (MemberKey, inout JSONParser.Scanner) throws(StateError) -> Void) throws(StateError) {
        let bytes = cursor.bytes
        cursor.index += 1
        cursor.skipWhitespace()
        if cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "}") {
            cursor.index += 1
            return
        }
        while true {
            cursor.skipWhitespace()
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\"") else { throw cursor.syntaxError("expected a string key") }
            let key = try MemberKey(at: &cursor)
            cursor.skipWhitespace()
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: ":") else { throw cursor.syntaxError("expected ':' after a key") }
            cursor.index += 1
            cursor.skipWhitespace()
            guard cursor.index < bytes.count else { throw cursor.syntaxError("unexpected end of the JSON text") }
            let valueStart = cursor.index
            do {
                try body(key, &cursor)
            } catch {
                // (A value that is no JSON, or a key after it that is none, keeps the error found.)
                cursor.index = valueStart
                guard (try? skipValue(&cursor, level: level)) != nil, (try? isRepeated(key, after: cursor)) == true else { throw error }
            }
            memberEnded(cursor.index)
            cursor.skipWhitespace()
            guard cursor.index < bytes.count else { throw cursor.syntaxError("unexpected end of the JSON text inside an object") }
            if bytes[cursor.index] == UInt8(ascii: ",") {
                cursor.index += 1
            } else if bytes[cursor.index] == UInt8(ascii: "}") {
                cursor.index += 1
                return
            } else {
                throw cursor.syntaxError("expected ',' or '}' in an object")
            }
        }
    }

    /// Whether a later member of the object, whose members go on after the value the cursor
    /// has just passed, has `key` (compared code point by code point, as Python compares keys).
    private static func isRepeated(_ key: MemberKey, after position: JSONParser.Scanner) throws(StateError) -> Bool {
        let bytes = position.bytes
        var cursor = position
        let name = Array(try key.string().unicodeScalars)
        while true {
            cursor.skipWhitespace()
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: ",") else { return false }
            cursor.index += 1
            cursor.skipWhitespace()
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "\"") else { return false }
            if Array(try MemberKey(at: &cursor).string().unicodeScalars) == name { return true }
            cursor.skipWhitespace()
            guard cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: ":") else { return false }
            cursor.index += 1
            cursor.skipWhitespace()
            guard cursor.index < bytes.count else { return false }
            try skipValue(&cursor)
        }
    }

    /// Calls `body` for each item of the array at the cursor, with the cursor on the item.
    private static func forEachItem(_ cursor: inout JSONParser.Scanner,
                                    _ body: (inout JSONParser.Scanner) throws(StateError) -> Void) throws(StateError) {
        let bytes = cursor.bytes
        cursor.index += 1
        cursor.skipWhitespace()
        if cursor.index < bytes.count, bytes[cursor.index] == UInt8(ascii: "]") {
            cursor.index += 1
            return
        }
        while true {
            cursor.skipWhitespace()
            guard cursor.index < bytes.count else { throw cursor.syntaxError("unexpected end of the JSON text inside an array") }
            try body(&cursor)
            cursor.skipWhitespace()
            guard cursor.index < bytes.count else { throw cursor.syntaxError("unexpected end of the JSON text inside an array") }
            if bytes[cursor.index] == UInt8(ascii: ",") {
                cursor.index += 1
            } else if bytes[cursor.index] == UInt8(ascii: "]") {
                cursor.index += 1
                return
            } else {
                throw cursor.syntaxError("expected ',' or ']' in an array")
            }
        }
    }

    /// Skips one value of any kind, checking its syntax; `level` is how deep the value sits in
    /// the message (a member of the message object: 2), so that a container nested deeper than
    /// ``JSONParser/maxDepth`` in all is refused wherever it is, as ``JSONParser`` refuses it.
    private static func skipValue(_ cursor: inout JSONParser.Scanner, level: Int = 2) throws(StateError) {
        _ = try cursor.converting { scanner throws(JSONParser.Failure) in try scanner.skipValue(depth: level) }
    }

    /// Whether the value at the cursor is `null` (consumed if so).
    private static func isNull(_ cursor: inout JSONParser.Scanner) throws(StateError) -> Bool {
        guard cursor.bytes[cursor.index] == UInt8(ascii: "n") else { return false }
        try skipValue(&cursor)
        return true
    }

    /// Skips the value at the cursor and names its kind for a message.
    private static func valueKind(_ cursor: inout JSONParser.Scanner) throws(StateError) -> String {
        let first = cursor.bytes[cursor.index]
        let negativeInfinity = cursor.bytes[cursor.index...].starts(with: "-Infinity".utf8)
        try skipValue(&cursor)
        if negativeInfinity { return "-Infinity" }
        switch first {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        // Python's json reads these (as floats): named, as they are no number a dispatcher can use.
        case UInt8(ascii: "N"): return "NaN"
        case UInt8(ascii: "I"): return "Infinity"
        default: return "a number"
        }
    }
}

extension JSONParser.Scanner {
    /// Skips one value without building it, checking its syntax (strings are not checked for
    /// valid UTF-8: their bytes are passed through unchanged).
    mutating func skipValue(depth: Int) throws(JSONParser.Failure) -> Int {
        guard depth <= JSONParser.maxDepth else { throw failure(JSONParser.depthLimitMessage) }
        guard index < bytes.count else { throw failure("unexpected end of the JSON text") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let closing = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = closing == UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == closing {
                index += 1
                return index
            }
            while true {
                skipWhitespace()
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                    try skipString()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
                    index += 1
                    skipWhitespace()
                }
                _ = try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw failure("unexpected end of the JSON text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == closing {
                    index += 1
                    return index
                } else {
                    throw failure(isObject ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
                }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try integerOrSkip()
        default:
            _ = try value(depth: depth)
        }
        return index
    }

    private mutating func skipString() throws(JSONParser.Failure) {
        let start = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                // Only JSON's escapes: Python's json (and so Selinon) refuses any other.
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    index += 2
                    _ = try hexQuad()
                default:
                    throw failure("invalid escape in a string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: index)
                }
            } else {
                guard byte >= 0x20 else { throw failure("control character in a string (escape it)") }
                index += 1
            }
        }
        throw failure("unterminated string", at: start)
    }

    /// Reads a number; returns it when it is an integer that fits in `Int`, `nil` for any other
    /// number (which is still consumed and checked).
    mutating func integerOrSkip() throws(JSONParser.Failure) -> Int? {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var value = 0
        var overflow = false
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(bytes[index] - 0x30))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            index += 1
        }
        let integral = index == bytes.count || !(bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"))
        let leadingZero = digits > 1 && bytes[start + (negative ? 1 : 0)] == UInt8(ascii: "0")
        if digits == 0 || leadingZero || !integral {
            index = start
            // Python's json writes float('-inf') as -Infinity (and reads it back): a value as NaN and Infinity are.
            if digits == 0 && negative && bytes[(start + 1)...].starts(with: "Infinity".utf8) {
                _ = try self.value(depth: 0)
            } else {
                _ = try number()
            }
            return nil
        }
        return overflow ? nil : (negative ? -value : value)
    }

    /// `what`: the value the string is (`dispatcher_id`), named when it cannot be text: Python
    /// reads an unpaired surrogate (`\ud800`) into a string, but no store, terminal or
    /// comparison of names takes it for text.
    mutating func stringOrStateError(_ what: String = "a key") throws(StateError) -> String {
        do throws(JSONParser.Failure) {
            return try string()
        } catch where error.message.contains("unpaired UTF-16 surrogate") {
            throw StateError(.invalidValue, "\(what) holds an unpaired UTF-16 surrogate (a \\u escape of half a character, column "
                + "\(error.column)), which is no text; Selinon never writes one there, so the message was made elsewhere: fix it")
        } catch {
            throw StateError(.malformed, error.messageProblem)
        }
    }

    /// Runs a scanning step, turning a JSON syntax failure into a ``StateError``.
    mutating func converting<T>(_ step: (inout Self) throws(JSONParser.Failure) -> T) throws(StateError) -> T {
        do throws(JSONParser.Failure) {
            return try step(&self)
        } catch {
            throw StateError(.malformed, error.messageProblem)
        }
    }

    /// Throws a syntax failure as a ``StateError``.
    func syntaxError(_ message: String) -> StateError {
        let failure = failure(message)
        return StateError(.malformed, failure.messageProblem)
    }
}

/// A member's key as it is written in the line. Keys are compared byte for byte with the names
/// the scanner looks for, so reading a message allocates no string per key; a key is decoded
/// only where its text is needed (node and flow names) or when it contains escapes.
struct MemberKey: CustomStringConvertible {
    /// The key's bytes between the quotes, when it has no escapes.
    private let raw: UnsafeBufferPointer<UInt8>?
    /// The decoded key, when it has escapes.
    private let decoded: String?

    /// Reads the key at the cursor (on its opening quote) and moves past it.
    init(at cursor: inout JSONParser.Scanner) throws(StateError) {
        let bytes = cursor.bytes
        var end = cursor.index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            raw = UnsafeBufferPointer(rebasing: bytes[(cursor.index + 1)..<end])
            decoded = nil
            cursor.index = end + 1
        } else {
            // Escapes or a syntax error: the full string reader decodes it or says what is wrong.
            raw = nil
            decoded = try cursor.stringOrStateError()
        }
    }

    /// The key as text.
    /// - Throws: ``StateError`` when the key is not valid UTF-8.
    func string() throws(StateError) -> String {
        if let decoded { return decoded }
        guard let text = UTF8Text.string(raw!) else {
            throw StateError(.malformed, "not valid JSON: invalid UTF-8 in a key")
        }
        return text
    }

    var description: String {
        (try? string()) ?? String(decoding: raw ?? UnsafeBufferPointer(start: nil, count: 0), as: UTF8.self)
    }

    static func == (key: MemberKey, name: StaticString) -> Bool {
        guard let raw = key.raw else { return key.decoded! == name.description }
        guard raw.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for position in 0..<raw.count where raw[position] != expected[position] {
            return false
        }
        return true
    }

    /// Whether the key is `text` (for names that are not literals).
    func matches(_ text: String) -> Bool {
        guard let raw else { return decoded! == text }
        return raw.elementsEqual(text.utf8)
    }

    static func ~= (name: StaticString, key: MemberKey) -> Bool {
        key == name
    }
}
