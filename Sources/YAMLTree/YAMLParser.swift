import CLibYAML

/// Parses one YAML document into a ``YAMLNode`` tree with the semantics of PyYAML's safe loader,
/// which is what Selinon reads its configuration with.
///
/// libyaml supplies the events; this type builds the tree, resolves scalars (YAML 1.1, see
/// ``YAMLScalarValue``), shares aliased nodes, applies merge keys and reports duplicate keys as
/// warnings. Every error carries the position libyaml or the builder saw it at.
///
/// ```swift
/// let document = try YAMLParser().parse(Array("tasks: [{name: Fetch}]".utf8))
/// let name = document.root?["tasks"]?.sequence?.first?["name"]?.string   // "Fetch"
/// ```
public struct YAMLParser: Sendable {
    /// Resource limits that keep hostile input from taking unbounded time or memory.
    public struct Limits: Sendable {
        /// Largest accepted input, in bytes (default 64 MiB).
        public var maxInputBytes: Int
        /// Deepest accepted nesting of sequences and mappings (default 256).
        public var maxDepth: Int
        /// Most nodes the builder may create, counting pairs copied by merge keys (default 20
        /// million): bounds merge-key bombs the way ``YAMLWalkBudget`` bounds alias bombs.
        public var maxNodes: Int

        public init(maxInputBytes: Int = 64 << 20, maxDepth: Int = 256, maxNodes: Int = 20_000_000) {
            self.maxInputBytes = maxInputBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses `bytes`, which must hold at most one document.
    /// - Throws: ``YAMLError`` for malformed YAML, invalid encoding, exceeded limits, undefined
    ///   aliases, values PyYAML's safe loader cannot construct and a second document.
    public func parse(_ bytes: [UInt8]) throws(YAMLError) -> YAMLDocument {
        guard bytes.count <= limits.maxInputBytes else {
            throw YAMLError(
                .inputTooLarge,
                "the file is \(bytes.count) bytes, larger than the limit of \(limits.maxInputBytes) bytes",
                at: nil)
        }
        var builder = TreeBuilder(limits: limits, source: bytes)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(.syntax, "libyaml could not allocate a parser", at: nil)
        }
        defer { yaml_parser_delete(&parser) }

        let result: Result<YAMLDocument, YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return .failure(libyamlError(parser, source: bytes))
                }
                defer { yaml_event_delete(&event) }
                do throws(YAMLError) {
                    if try builder.consume(event) { return .success(builder.document) }
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    private func libyamlError(_ parser: yaml_parser_t, source: [UInt8]) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_READER_ERROR:
            let mark = Self.mark(ofByteOffset: parser.problem_offset, in: source)
            return YAMLError(.encoding, "the file is not valid text: \(problem)", at: mark)
        case YAML_MEMORY_ERROR:
            return YAMLError(.syntax, "libyaml ran out of memory", at: nil)
        default:
            var message = problem
            if let context = parser.context.map({ String(cString: $0) }) {
                message += " (\(context) started at line \(parser.context_mark.line + 1), "
                    + "column \(parser.context_mark.column + 1))"
            }
            return YAMLError(.syntax, message, at: Self.mark(parser.problem_mark))
        }
    }

    static func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Line and column of a byte offset (libyaml reports encoding errors by offset only).
    static func mark(ofByteOffset offset: Int, in source: [UInt8]) -> YAMLMark {
        var line = 1, column = 1
        for byte in source.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}

/// Builds the tree from libyaml events; one instance per parse.
private struct TreeBuilder {
    private struct Frame {
        var isMapping: Bool
        var mark: YAMLMark
        var anchor: String?
        /// Sequence items, or mapping keys and values alternating.
        var items: [YAMLNode] = []
        /// Indices (into `items`, always even) of keys that are merge keys.
        var mergeKeyIndices: [Int] = []
    }

    let limits: YAMLParser.Limits
    let source: [UInt8]
    private var frames: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var nodeCount = 0
    private var documentCount = 0
    private(set) var document = YAMLDocument(root: nil, warnings: [])
    /// Whether the source holds a tab, which PyYAML rejects in places libyaml accepts.
    private let hasTabs: Bool
    /// Start and end of every quoted or block scalar, where tabs are legal (only kept when the
    /// source has a tab).
    private var tabFriendlyRanges: [(start: YAMLMark, end: YAMLMark)] = []

    init(limits: YAMLParser.Limits, source: [UInt8]) {
        self.limits = limits
        self.source = source
        self.hasTabs = source.contains(UInt8(ascii: "\t"))
    }

    /// Handles one event; returns true at the end of the stream.
    mutating func consume(_ event: yaml_event_t) throws(YAMLError) -> Bool {
        let mark = YAMLParser.mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            if hasTabs { try checkTabs() }
            return true
        case YAML_DOCUMENT_START_EVENT:
            documentCount += 1
            if documentCount > 1 {
                throw YAMLError(
                    .multipleDocuments,
                    "a second YAML document starts here; Selinon reads exactly one document per file",
                    at: mark)
            }
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let node = anchors[name] else {
                if frames.contains(where: { $0.anchor == name }) {
                    throw YAMLError(.anchor, "alias '*\(name)' refers to the collection that contains it", at: mark)
                }
                throw YAMLError(.anchor, "alias '*\(name)' refers to an anchor that is not defined before it", at: mark)
            }
            try append(node)
        case YAML_SCALAR_EVENT:
            try scalar(event, mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            try checkCollectionTag(event.data.sequence_start.tag, expected: "seq", mark: mark)
            try open(isMapping: false, anchor: event.data.sequence_start.anchor, mark: mark)
        case YAML_MAPPING_START_EVENT:
            try checkCollectionTag(event.data.mapping_start.tag, expected: "map", mark: mark)
            try open(isMapping: true, anchor: event.data.mapping_start.anchor, mark: mark)
        case YAML_SEQUENCE_END_EVENT:
            let frame = frames.removeLast()
            try finish(YAMLNode(.sequence(frame.items), mark: frame.mark), anchor: frame.anchor)
        case YAML_MAPPING_END_EVENT:
            let frame = frames.removeLast()
            try finish(try mapping(from: frame), anchor: frame.anchor)
        default:
            break
        }
        return false
    }

    private mutating func scalar(_ event: yaml_event_t, mark: YAMLMark) throws(YAMLError) {
        let data = event.data.scalar
        let text = String(decoding: UnsafeBufferPointer(start: data.value, count: Int(data.length)), as: UTF8.self)
        let tag = data.tag.map { String(cString: $0) }
        let style: YAMLScalar.Style
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        let resolution: YAMLScalarResolver.Resolution
        do {
            resolution = try YAMLScalarResolver.resolve(text: text, tag: tag, plainImplicit: data.plain_implicit != 0)
        } catch {
            throw YAMLError(.unsupportedValue, error.message, at: mark)
        }
        if hasTabs && style != .plain {
            tabFriendlyRanges.append((mark, YAMLParser.mark(event.end_mark)))
        }
        let isKey = frames.last.map { $0.isMapping && $0.items.count % 2 == 0 } ?? false
        let value: YAMLScalarValue
        switch resolution {
        case .value(let resolved):
            value = resolved
        case .valueKey:
            // PyYAML turns the YAML 1.1 "value" key `=` into the string "=", and fails elsewhere.
            guard isKey else {
                throw YAMLError(.invalidMerge, "a plain '=' is YAML 1.1's value indicator and cannot be a value; quote it: '='", at: mark)
            }
            value = .string("=")
        case .merge:
            guard isKey else {
                throw YAMLError(.invalidMerge, "'<<' is a merge key and can only be used as a mapping key; quote it for the text '<<'", at: mark)
            }
            frames[frames.count - 1].mergeKeyIndices.append(frames[frames.count - 1].items.count)
            value = .string("<<")
        }
        let node = YAMLNode(.scalar(YAMLScalar(value: value, text: text, style: style, tag: tag)), mark: mark)
        let anchorName = data.anchor.map { String(cString: $0) }
        if let anchorName { try checkNewAnchor(anchorName, mark: mark) }
        try finish(node, anchor: anchorName)
    }

    /// PyYAML's scanner only skips spaces between tokens, so a tab outside quoted text, block
    /// scalars and comments is an error there ("found character '\\t' that cannot start any
    /// token"), even where libyaml accepts it. Selinon uses PyYAML, so we reject it too.
    private func checkTabs() throws(YAMLError) {
        var line = 1, column = 1
        var inComment = false
        var previous: UInt8 = UInt8(ascii: "\n")
        for byte in source {
            defer {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                    inComment = false
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
                previous = byte
            }
            guard byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\t"), !inComment else { continue }
            let mark = YAMLMark(line: line, column: column)
            if tabFriendlyRanges.contains(where: { $0.start <= mark && mark < $0.end }) { continue }
            if byte == UInt8(ascii: "#") {
                inComment = previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || previous == UInt8(ascii: "\n")
                continue
            }
            throw YAMLError(
                .syntax,
                "a tab character outside quoted text: PyYAML, which Selinon uses, accepts only spaces here; replace the tab with spaces",
                at: mark)
        }
    }

    private func checkCollectionTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, expected: String, mark: YAMLMark) throws(YAMLError) {
        guard let tag = tag.map({ String(cString: $0) }), tag != "!",
              tag != YAMLScalarResolver.yamlTagPrefix + expected
        else { return }
        throw YAMLError(.unsupportedValue, "unsupported tag '\(tag)' on a collection: Selinon's YAML loader cannot construct it", at: mark)
    }

    private mutating func open(isMapping: Bool, anchor: UnsafeMutablePointer<yaml_char_t>?, mark: YAMLMark) throws(YAMLError) {
        guard frames.count < limits.maxDepth else {
            throw YAMLError(.nestingTooDeep, "lists and mappings nest deeper than \(limits.maxDepth) levels", at: mark)
        }
        let name = anchor.map { String(cString: $0) }
        if let name { try checkNewAnchor(name, mark: mark) }
        frames.append(Frame(isMapping: isMapping, mark: mark, anchor: name))
    }

    private func checkNewAnchor(_ name: String, mark: YAMLMark) throws(YAMLError) {
        if let first = anchors[name]?.mark ?? frames.first(where: { $0.anchor == name })?.mark {
            throw YAMLError(.anchor, "anchor '&\(name)' is defined a second time (first at line \(first.line)); PyYAML rejects duplicate anchors", at: mark)
        }
    }

    /// Registers a finished node under its anchor and appends it to its parent.
    private mutating func finish(_ node: YAMLNode, anchor name: String?) throws(YAMLError) {
        if let name { anchors[name] = node }
        try append(node)
    }

    private mutating func append(_ node: YAMLNode) throws(YAMLError) {
        try count(1, at: node.mark)
        if frames.isEmpty {
            document.root = node
        } else {
            frames[frames.count - 1].items.append(node)
        }
    }

    private mutating func count(_ nodes: Int, at mark: YAMLMark) throws(YAMLError) {
        nodeCount += nodes
        guard nodeCount <= limits.maxNodes else {
            throw YAMLError(.expansionLimit, "the document builds more than \(limits.maxNodes) nodes (a merge-key bomb?)", at: mark)
        }
    }

    /// Applies merge keys and collapses duplicate keys the way PyYAML's `flatten_mapping` and
    /// `construct_mapping` do: merged pairs first (earlier sources win among them), then the
    /// explicit pairs; a later key replaces the value of an earlier one at its first position.
    private mutating func mapping(from frame: Frame) throws(YAMLError) -> YAMLNode {
        var merged: [YAMLPair] = []
        var explicit: [YAMLPair] = []
        explicit.reserveCapacity(frame.items.count / 2)
        var mergeIndices = frame.mergeKeyIndices[...]
        for index in stride(from: 0, to: frame.items.count, by: 2) {
            let pair = YAMLPair(key: frame.items[index], value: frame.items[index + 1])
            if mergeIndices.first == index {
                mergeIndices.removeFirst()
                merged.append(contentsOf: try mergeSources(pair.value))
            } else {
                explicit.append(pair)
            }
        }
        if !merged.isEmpty { try count(merged.count, at: frame.mark) }
        let pairs = try collapseDuplicates(merged: merged, explicit: explicit)
        return YAMLNode(.mapping(pairs), mark: frame.mark)
    }

    private func mergeSources(_ value: YAMLNode) throws(YAMLError) -> [YAMLPair] {
        switch value.content {
        case .mapping(let pairs):
            return pairs
        case .sequence(let items):
            var pairs: [YAMLPair] = []
            // PyYAML reverses the list so that earlier mappings win.
            for item in items.reversed() {
                guard let itemPairs = item.mapping else {
                    throw YAMLError(.invalidMerge, "a merge key ('<<') list may only hold mappings, found \(item.kindDescription)", at: item.mark)
                }
                pairs.append(contentsOf: itemPairs)
            }
            return pairs
        case .scalar:
            throw YAMLError(.invalidMerge, "a merge key ('<<') needs a mapping or a list of mappings, found \(value.kindDescription)", at: value.mark)
        }
    }

    private mutating func collapseDuplicates(merged: [YAMLPair], explicit: [YAMLPair]) throws(YAMLError) -> [YAMLPair] {
        var result: [YAMLPair] = []
        result.reserveCapacity(merged.count + explicit.count)
        var positions: [YAMLKeyIdentity: Int] = [:]
        let useIndex = merged.count + explicit.count > 8
        // Where each explicit key first appeared, to name both places in a warning.
        var explicitMarks: [Int: YAMLMark] = [:]

        func position(of identity: YAMLKeyIdentity) -> Int? {
            if useIndex { return positions[identity] }
            return result.firstIndex { YAMLKeyIdentity($0.key) == identity }
        }

        for (offset, pair) in (merged + explicit).enumerated() {
            guard let identity = YAMLKeyIdentity(pair.key) else {
                throw YAMLError(.unhashableKey, "a mapping key must be a scalar, found \(pair.key.kindDescription)", at: pair.key.mark)
            }
            let isExplicit = offset >= merged.count
            if let existing = position(of: identity) {
                if isExplicit, let firstMark = explicitMarks[existing] {
                    document.warnings.append(YAMLWarning(key: pair.key.scalar?.text ?? "", firstMark: firstMark, mark: pair.key.mark))
                }
                result[existing].value = pair.value
                if isExplicit { explicitMarks[existing] = pair.key.mark }
            } else {
                if useIndex { positions[identity] = result.count }
                if isExplicit { explicitMarks[result.count] = pair.key.mark }
                result.append(pair)
            }
        }
        return result
    }
}

/// Equality of mapping keys as Python's `dict` sees it: `1`, `1.0` and `true` are the same key,
/// strings compare by code points (not by Unicode canonical equivalence), and NaN never matches.
struct YAMLKeyIdentity: Hashable {
    private enum Storage: Hashable {
        case null
        case integer(YAMLInteger)
        case float(UInt64)
        case string(ExactString)
        case timestamp(YAMLTimestamp)
        case unique(YAMLMark)
    }

    private let storage: Storage

    init?(_ node: YAMLNode) {
        guard let value = node.scalar?.value else { return nil }
        switch value {
        case .null: storage = .null
        case .bool(let bool): storage = .integer(.small(bool ? 1 : 0))
        case .int(let integer): storage = .integer(integer)
        case .float(let double):
            if double.isNaN {
                storage = .unique(node.mark)
            } else if let integer = Int(exactly: double) {
                storage = .integer(.small(integer))
            } else {
                storage = .float(double.bitPattern)
            }
        case .string(let text): storage = .string(ExactString(text))
        case .timestamp(let timestamp): storage = .timestamp(timestamp)
        }
    }

    /// A string compared and hashed by its UTF-8 bytes.
    private struct ExactString: Hashable {
        let text: String
        init(_ text: String) { self.text = text }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }
        func hash(into hasher: inout Hasher) {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}
