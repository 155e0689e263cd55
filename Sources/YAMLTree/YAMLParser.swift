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
        /// Deepest accepted nesting of sequences and mappings (default 256), counting what
        /// aliases nest: an alias at depth 10 of an anchored node 250 levels deep is 260 levels.
        public var maxDepth: Int
        /// Most nodes the builder may create, counting pairs copied by merge keys (default 20
        /// million): bounds merge-key bombs the way ``YAMLWalkBudget`` bounds alias bombs.
        public var maxNodes: Int
        /// Most key–value pairs merge keys may copy in the whole document (default one million).
        /// A chain of mappings each merging the one before copies quadratically many pairs, each
        /// checked for duplicates: this keeps such a file from taking minutes.
        public var maxMergedPairs: Int

        public init(maxInputBytes: Int = 64 << 20, maxDepth: Int = 256, maxNodes: Int = 20_000_000,
                    maxMergedPairs: Int = 1_000_000) {
            self.maxInputBytes = maxInputBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
            self.maxMergedPairs = maxMergedPairs
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
            // libyaml points at the byte after the character that goes wrong; PyYAML, and a
            // reader looking for the Latin-1 letter, at the byte that starts it.
            var offset = min(parser.problem_offset, source.count)
            if problem == "invalid trailing UTF-8 octet", offset > 0 {
                offset -= 1
                while offset > 0 && source[offset] & 0xC0 == 0x80 { offset -= 1 }
            }
            var message = "the file is not valid text: \(problem)"
            if offset < source.count, source[offset] >= 0x80, problem.contains("UTF-8 octet") {
                let byte = source[offset]
                message += " — byte 0x\(String(byte, radix: 16, uppercase: true)) starts no UTF-8 character here"
                    + (byte > 0xA0 && byte != 0xAD ? " ('\(Character(Unicode.Scalar(byte)))' in Latin-1?)" : "")  // (a letter one sees)
            }
            return YAMLError(.encoding, message, at: Self.mark(ofByteOffset: offset, in: source))
        case YAML_MEMORY_ERROR:
            return YAMLError(.syntax, "libyaml ran out of memory", at: nil)
        default:
            var message = problem
            if let context = parser.context.map({ String(cString: $0) }) {
                message += " (\(context) started at line \(parser.context_mark.line + 1), "
                    + "column \(parser.context_mark.column + 1))"
                // YAML caps an implicit key at 1024 characters; libyaml (and PyYAML) then only
                // say that the ':' is missing.
                if context == "while scanning a simple key", parser.problem_mark.line == parser.context_mark.line,
                   parser.problem_mark.index - parser.context_mark.index > 1024 {
                    message += "; a key written without '?' may be at most 1024 characters long (PyYAML, which Selinon uses, "
                        + "refuses it too): shorten it"
                }
            }
            let mark = Self.mark(parser.problem_mark)
            // libyaml says only that a token cannot start with the character: most often a tab
            // that indents a line.
            if !message.contains("tab"), Self.character(at: mark, in: source) == "\t" {
                message += "; the character there is a tab"
            }
            return YAMLError(.syntax, message, at: mark)
        }
    }

    /// The character at a line and column (counted in Unicode scalars, as libyaml counts them)
    /// of `source`, when there is one.
    static func character(at mark: YAMLMark, in source: [UInt8]) -> Unicode.Scalar? {
        var lineStart = 0
        for _ in 1..<max(mark.line, 1) {
            guard let newline = source[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            lineStart = newline + 1
        }
        let lineEnd = source[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? source.count
        let text = String(decoding: source[lineStart..<lineEnd], as: UTF8.self).unicodeScalars
        guard mark.column >= 1, mark.column <= text.count else { return nil }
        return text[text.index(text.startIndex, offsetBy: mark.column - 1)]
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

/// Builds the document's flat storage from libyaml events; one instance per parse.
private struct TreeBuilder {
    private struct Frame {
        var isMapping: Bool
        /// Written in flow style (`[…]`, `{…}`), where everything inside is flow style too.
        var isFlow: Bool
        var mark: YAMLMark
        var anchor: String?
        /// Where this collection's children start in `pending`.
        var pendingStart: Int
        /// Positions (pair numbers) of pairs whose key is a merge key.
        var mergePairs: [Int] = []
    }

    let limits: YAMLParser.Limits
    let source: [UInt8]
    private var records: [YAMLStorage.Record] = []
    /// Per record, the levels of nesting below and including it with aliases expanded (a
    /// scalar 1, a collection 1 + its highest child), so that a chain of aliases, each
    /// wrapping the one before, cannot nest deeper than `maxDepth` for readers that recurse.
    private var heights: [UInt16] = []
    private var children: [Int32] = []
    private var scalars: [YAMLScalar] = []
    /// Child node indices of the collections still open, innermost last.
    private var pending: [Int32] = []
    private var frames: [Frame] = []
    private var anchors: [String: Int32] = [:]
    private var root: Int32?
    private var nodeCount = 0
    private var mergedPairCount = 0
    /// The pairs of a mapping as PyYAML 6.0.4 and later keep them after flattening, where they
    /// differ from the pairs kept here (by the mapping's record): merged pairs without those whose
    /// key object was merged before, then every pair written, repeated keys included — what a
    /// later merge of the mapping copies there (yaml/pyyaml#953). Only mappings with merge keys
    /// or repeated keys have one.
    private var newPyYAMLPairs: [Int32: [(key: Int32, value: Int32)]] = [:]
    private var documentCount = 0
    private var warnings: [YAMLWarning] = []
    /// Whether the source holds a tab, which PyYAML rejects in places libyaml accepts, or a byte
    /// order mark after its start, which libyaml skips and PyYAML reads as text.
    private let needsWhitespaceCheck: Bool
    /// Start and end of every quoted or block scalar, where tabs and byte order marks are text
    /// (only kept when the source has either).
    private var tabFriendlyRanges: [(start: YAMLMark, end: YAMLMark)] = []

    init(limits: YAMLParser.Limits, source: [UInt8]) {
        self.limits = limits
        self.source = source
        self.needsWhitespaceCheck = source.contains(UInt8(ascii: "\t")) || Self.hasInnerByteOrderMark(source)
        let estimate = source.count / 8
        records.reserveCapacity(estimate)
        heights.reserveCapacity(estimate)
        children.reserveCapacity(estimate)
        scalars.reserveCapacity(estimate)
    }

    /// The finished document.
    var document: YAMLDocument {
        let storage = YAMLStorage(records: records, children: children, scalars: scalars)
        return YAMLDocument(root: root.map { YAMLNode(storage: storage, index: $0) }, warnings: warnings)
    }

    /// Handles one event; returns true at the end of the stream.
    mutating func consume(_ event: yaml_event_t) throws(YAMLError) -> Bool {
        let mark = YAMLParser.mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            if needsWhitespaceCheck { try checkPyYAMLWhitespace() }
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
            guard frames.count + Int(heights[Int(node)]) <= limits.maxDepth else {
                throw YAMLError(.nestingTooDeep, "the alias '*\(name)' nests lists and mappings deeper than \(limits.maxDepth) levels "
                    + "(its anchor holds \(heights[Int(node)]) levels, and aliases inside it count too)", at: mark)
            }
            attach(node)
        case YAML_SCALAR_EVENT:
            try scalar(event, mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            try checkCollectionTag(event.data.sequence_start.tag, expected: "seq", mark: mark)
            try open(isMapping: false, isFlow: event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE,
                     anchor: event.data.sequence_start.anchor, mark: mark)
        case YAML_MAPPING_START_EVENT:
            try checkCollectionTag(event.data.mapping_start.tag, expected: "map", mark: mark)
            try open(isMapping: true, isFlow: event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE,
                     anchor: event.data.mapping_start.anchor, mark: mark)
        case YAML_SEQUENCE_END_EVENT:
            let frame = frames.removeLast()
            let start = children.count
            children.append(contentsOf: pending[frame.pendingStart...])
            let count = pending.count - frame.pendingStart
            pending.removeSubrange(frame.pendingStart...)
            try finish(.sequence, mark: frame.mark, start: start, count: count, anchor: frame.anchor)
        case YAML_MAPPING_END_EVENT:
            let frame = frames.removeLast()
            let start = children.count
            let pairCount = try closeMapping(frame)
            pending.removeSubrange(frame.pendingStart...)
            try finish(.mapping, mark: frame.mark, start: start, count: pairCount, anchor: frame.anchor)
        default:
            break
        }
        return false
    }

    private mutating func scalar(_ event: yaml_event_t, mark: YAMLMark) throws(YAMLError) {
        let data = event.data.scalar
        let bytes = UnsafeBufferPointer(start: data.value, count: Int(data.length))
        let text = String(decoding: bytes, as: UTF8.self)
        let tag = data.tag.map { String(cString: $0) }
        let style: YAMLScalar.Style
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        // libyaml 0.2.5 reads on past a '?' in a plain scalar in a flow collection (as YAML 1.2
        // does); PyYAML ends the scalar there and then fails on the '?'.
        if style == .plain, frames.last?.isFlow == true, text.utf8.contains(UInt8(ascii: "?")) {
            throw YAMLError(.syntax, "'\(text.count > 40 ? text.prefix(40) + "…" : text)' holds a '?' inside a flow collection ([…] or {…}): "
                + "PyYAML, which Selinon uses, ends the value at the '?' and cannot read the file; quote the value", at: mark)
        }
        let resolution: YAMLScalarResolver.Resolution
        do {
            resolution = try YAMLScalarResolver.resolve(text: text, tag: tag, plainImplicit: data.plain_implicit != 0)
        } catch {
            throw YAMLError(.unsupportedValue, error.message, at: mark)
        }
        if needsWhitespaceCheck && style != .plain {
            tabFriendlyRanges.append((mark, YAMLParser.mark(event.end_mark)))
        }
        let isKey = expectsKey
        let value: YAMLScalarValue
        switch resolution {
        case .value(let resolved):
            value = resolved
        case .valueKey:
            // PyYAML turns the YAML 1.1 "value" key `=` into the string "=", and fails elsewhere.
            guard isKey else {
                throw YAMLError(.valueIndicator, "a plain '=' is YAML 1.1's value indicator and cannot be a value; quote it: '='", at: mark)
            }
            value = .string("=")
        case .merge:
            guard isKey else {
                throw YAMLError(.invalidMerge, "'<<' is a merge key and can only be used as a mapping key; quote it for the text '<<'", at: mark)
            }
            let top = frames.count - 1
            frames[top].mergePairs.append((pending.count - frames[top].pendingStart) / 2)
            value = .string("<<")
        }
        scalars.append(YAMLScalar(value: value, text: text, style: style, tag: tag))
        let anchorName = data.anchor.map { String(cString: $0) }
        if let anchorName { try checkNewAnchor(anchorName, mark: mark) }
        try finish(.scalar, mark: mark, start: scalars.count - 1, count: 0, anchor: anchorName)
    }

    /// Whether the next node completes a key (in the innermost open mapping).
    private var expectsKey: Bool {
        guard let top = frames.indices.last else { return false }
        return frames[top].isMapping && (pending.count - frames[top].pendingStart) % 2 == 0
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static func hasInnerByteOrderMark(_ source: [UInt8]) -> Bool {
        var index = 1
        while index < source.count, let found = source[index...].firstIndex(of: 0xEF) {
            if source[found...].starts(with: byteOrderMark) { return true }
            index = found + 1
        }
        return false
    }

    /// PyYAML's scanner only skips spaces between tokens, so a tab outside quoted text, block
    /// scalars and comments is an error there ("found character '\\t' that cannot start any
    /// token"), even where libyaml accepts it. Selinon uses PyYAML, so we reject it too. A byte
    /// order mark after the start of the file is skipped by libyaml but read as text by PyYAML
    /// (a key `\u{FEFF}flow-definitions`): rejected as well, outside quoted text.
    private func checkPyYAMLWhitespace() throws(YAMLError) {
        var line = 1, column = 1
        var inComment = false
        var previous: UInt8 = UInt8(ascii: "\n")
        for (offset, byte) in source.enumerated() {
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
            let isByteOrderMark = byte == 0xEF && offset > 0 && source[offset...].starts(with: Self.byteOrderMark)
            guard byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\t") || isByteOrderMark, !inComment else { continue }
            let mark = YAMLMark(line: line, column: column)
            if tabFriendlyRanges.contains(where: { $0.start <= mark && mark < $0.end }) { continue }
            if byte == UInt8(ascii: "#") {
                inComment = previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || previous == UInt8(ascii: "\n")
                continue
            }
            if isByteOrderMark {
                throw YAMLError(
                    .syntax,
                    "a byte order mark (U+FEFF) inside the file: libyaml skips it, but PyYAML, which Selinon uses, reads it as "
                        + "part of the text that follows; remove it", at: mark)
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
        throw YAMLError(.unsupportedValue, "unsupported tag '\(tag)' on a collection: "
            + YAMLScalarResolver.unsupportedTagReason(tag), at: mark)
    }

    private mutating func open(isMapping: Bool, isFlow: Bool, anchor: UnsafeMutablePointer<yaml_char_t>?, mark: YAMLMark) throws(YAMLError) {
        guard frames.count < limits.maxDepth else {
            throw YAMLError(.nestingTooDeep, "lists and mappings nest deeper than \(limits.maxDepth) levels", at: mark)
        }
        let name = anchor.map { String(cString: $0) }
        if let name { try checkNewAnchor(name, mark: mark) }
        frames.append(Frame(isMapping: isMapping, isFlow: isFlow, mark: mark, anchor: name, pendingStart: pending.count))
    }

    private func checkNewAnchor(_ name: String, mark: YAMLMark) throws(YAMLError) {
        if let first = anchors[name].map({ records[Int($0)].mark }) ?? frames.first(where: { $0.anchor == name })?.mark {
            throw YAMLError(.anchor, "anchor '&\(name)' is defined a second time (first at line \(first.line)); PyYAML rejects duplicate anchors", at: mark)
        }
    }

    /// Records a finished node, registers its anchor and attaches it to its parent.
    private mutating func finish(_ kind: YAMLStorage.Kind, mark: YAMLMark, start: Int, count: Int, anchor: String?) throws(YAMLError) {
        try countNodes(1, at: mark)
        let index = Int32(records.count)
        var height: UInt16 = 0
        if kind != .scalar {
            for child in children[start..<(start + (kind == .mapping ? 2 * count : count))] {
                height = max(height, heights[Int(child)])
            }
        }
        heights.append(height + 1)
        records.append(YAMLStorage.Record(kind: kind, mark: mark, start: Int32(start), count: Int32(count)))
        if let anchor { anchors[anchor] = index }
        attach(index)
    }

    private mutating func attach(_ node: Int32) {
        if frames.isEmpty { root = node } else { pending.append(node) }
    }

    private mutating func countNodes(_ nodes: Int, at mark: YAMLMark) throws(YAMLError) {
        nodeCount += nodes
        guard nodeCount <= limits.maxNodes, nodeCount < Int(Int32.max) else {
            throw YAMLError(.expansionLimit, "the document holds more than \(min(limits.maxNodes, Int(Int32.max))) YAML nodes (values, lists and mappings)", at: mark)
        }
    }

    // MARK: - Mappings

    /// Writes the mapping's final pairs to `children` and returns how many there are. Merge keys
    /// and duplicate keys are handled the way PyYAML's `flatten_mapping` and `construct_mapping`
    /// do: merged pairs first (earlier sources win among them), then the explicit pairs; a later
    /// key replaces the value of an earlier one at its first position.
    private mutating func closeMapping(_ frame: Frame) throws(YAMLError) -> Int {
        let written = pending[frame.pendingStart...]
        let pairCount = written.count / 2
        if frame.mergePairs.isEmpty && haveDistinctStringKeys(written) {
            children.append(contentsOf: written)
            return pairCount
        }
        var merged: [(key: Int32, value: Int32)] = []
        var explicit: [(key: Int32, value: Int32)] = []
        var conflicts: [(identity: YAMLKeyIdentity, warning: YAMLWarning)] = []
        var mergePairs = frame.mergePairs[...]
        for pair in 0..<pairCount {
            let key = written[frame.pendingStart + 2 * pair], value = written[frame.pendingStart + 2 * pair + 1]
            if mergePairs.first == pair {
                mergePairs.removeFirst()
                merged += try mergeSources(value, at: records[Int(key)].mark, copied: mergedPairCount + merged.count,
                                           mappingMark: frame.mark, conflicts: &conflicts)
            } else {
                explicit.append((key, value))
            }
        }
        if !conflicts.isEmpty {
            // A key written in the mapping itself wins over merged ones in every PyYAML version.
            let written = Set(explicit.compactMap { pair -> YAMLKeyIdentity? in
                let record = records[Int(pair.key)]
                return record.kind == .scalar ? YAMLKeyIdentity(scalars[Int(record.start)], mark: record.mark) : nil
            })
            warnings += conflicts.filter { !written.contains($0.identity) }.map(\.warning)
        }
        if !merged.isEmpty {
            mergedPairCount += merged.count
            try countNodes(merged.count, at: frame.mark)
        }
        let pairs = try collapseDuplicates(merged: merged, explicit: explicit)
        if !frame.mergePairs.isEmpty || pairs.count != explicit.count {
            comparePyYAMLVersions(frame, written: written, explicit: explicit, pairs: pairs,
                                  warned: Set(conflicts.map(\.identity)))
        }
        for pair in pairs {
            children.append(pair.key)
            children.append(pair.value)
        }
        return pairs.count
    }

    /// The Python object a key node's value is, as far as PyYAML 6.0.4's merge compares them
    /// (`id`): each key node has a string of its own, but CPython shares the empty string and
    /// every one-character string below U+0100.
    private enum PythonKeyObject: Hashable {
        case shared(String)
        case node(Int32)
    }

    private func pythonKeyObject(_ key: Int32) -> PythonKeyObject {
        let record = records[Int(key)]
        guard record.kind == .scalar else { return .node(key) }
        let text = scalars[Int(record.start)].text
        var characters = text.unicodeScalars.makeIterator()
        guard let first = characters.next() else { return .shared(text) }
        return characters.next() == nil && first.value < 256 ? .shared(text) : .node(key)
    }

    /// Flattens the mapping being closed (its record will be the next) as PyYAML 6.0.4 and later
    /// do, keeps their pairs where they differ from `pairs` (``newPyYAMLPairs``), and warns of each
    /// merged key they give another value than `pairs` does — apart from keys already `warned` of
    /// and keys written in the mapping itself, which win in every version.
    private mutating func comparePyYAMLVersions(_ frame: Frame, written: ArraySlice<Int32>, explicit: [(key: Int32, value: Int32)],
                                                pairs: [(key: Int32, value: Int32)], warned: Set<YAMLKeyIdentity>) {
        var flattened: [(key: Int32, value: Int32)] = []
        var mergedKeys: Set<PythonKeyObject> = []
        for position in frame.mergePairs {
            let value = records[Int(written[frame.pendingStart + 2 * position + 1])]
            let sources = value.kind == .mapping ? [written[frame.pendingStart + 2 * position + 1]]
                : (0..<Int(value.count)).map { children[Int(value.start) + $0] }
            for source in sources {
                for pair in newPyYAMLPairs[source] ?? self.pairs(of: records[Int(source)])
                where mergedKeys.insert(pythonKeyObject(pair.key)).inserted {
                    flattened.append(pair)
                }
            }
        }
        let mergedCount = flattened.count
        flattened += explicit
        let index = Int32(records.count)
        if flattened.count != pairs.count || zip(flattened, pairs).contains(where: { $0.key != $1.key || $0.value != $1.value }) {
            newPyYAMLPairs[index] = flattened
        }
        guard !frame.mergePairs.isEmpty else { return }
        // What each version's dictionary holds: the last pair of each key.
        var newer: [YAMLKeyIdentity: (key: Int32, value: Int32)] = [:]
        for pair in flattened[..<mergedCount] {
            let record = records[Int(pair.key)]
            guard record.kind == .scalar else { continue }
            newer[YAMLKeyIdentity(scalars[Int(record.start)], mark: record.mark)] = pair
        }
        var writtenKeys: Set<YAMLKeyIdentity> = []
        for pair in explicit {
            let record = records[Int(pair.key)]
            if record.kind == .scalar { writtenKeys.insert(YAMLKeyIdentity(scalars[Int(record.start)], mark: record.mark)) }
        }
        let mergeMark = records[Int(written[frame.pendingStart + 2 * frame.mergePairs[0]])].mark
        for pair in pairs {
            let record = records[Int(pair.key)]
            guard record.kind == .scalar else { continue }
            let identity = YAMLKeyIdentity(scalars[Int(record.start)], mark: record.mark)
            guard !writtenKeys.contains(identity), !warned.contains(identity), let other = newer[identity],
                  !sameScalar(other.value, pair.value) else { continue }
            warnings.append(YAMLWarning(.mergeVersionDifference, key: scalars[Int(record.start)].text,
                                        firstMark: records[Int(pair.value)].mark, mark: records[Int(other.value)].mark,
                                        mergeMark: mergeMark))
        }
    }

    /// Whether every key is a string scalar and no two are equal. Keys are compared by a hash of
    /// their bytes; a collision only sends the mapping down the exact path.
    private func haveDistinctStringKeys(_ written: ArraySlice<Int32>) -> Bool {
        guard written.count <= 32 else { return false }
        var hashes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                     UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &hashes) { buffer in
            let seen = buffer.bindMemory(to: UInt64.self)
            var count = 0
            for position in stride(from: written.startIndex, to: written.endIndex, by: 2) {
                let record = records[Int(written[position])]
                guard record.kind == .scalar else { return false }
                let scalar = scalars[Int(record.start)]
                guard scalar.isString else { return false }
                // FNV-1a over the bytes.
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for byte in scalar.text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
                for earlier in 0..<count where seen[earlier] == hash { return false }
                seen[count] = hash
                count += 1
            }
            return true
        }
    }

    /// The pairs a merge key's value contributes: one mapping's, or the pairs of a list of
    /// mappings where earlier mappings win (with a warning where two give a key different values).
    /// `copied` pairs were copied before (in the document, and for this mapping): the limit is
    /// checked before each mapping is copied, so a list that repeats a large mapping stops early.
    private func mergeSources(_ value: Int32, at mergeMark: YAMLMark, copied: Int, mappingMark: YAMLMark,
                              conflicts: inout [(identity: YAMLKeyIdentity, warning: YAMLWarning)])
        throws(YAMLError) -> [(key: Int32, value: Int32)] {
        func checkLimit(_ total: Int) throws(YAMLError) {
            guard total <= limits.maxMergedPairs else {
                throw YAMLError(.expansionLimit, "merge keys ('<<') copy more than \(limits.maxMergedPairs) key-value pairs "
                    + "(mappings that each merge the one before?)", at: mappingMark)
            }
        }
        let record = records[Int(value)]
        switch record.kind {
        case .mapping:
            try checkLimit(copied + Int(record.count))
            return pairs(of: record)
        case .sequence:
            var result: [(key: Int32, value: Int32)] = []
            // PyYAML (before 6.0.4) reverses the list so that earlier mappings win.
            for position in (0..<Int(record.count)).reversed() {
                let item = records[Int(children[Int(record.start) + position])]
                guard item.kind == .mapping else {
                    let (mark, alias) = Self.mergedValueMark(item.mark, mergeKey: mergeMark)
                    throw YAMLError(.invalidMerge, "a merge key ('<<') list may only hold mappings, found \(describe(item))\(alias)", at: mark)
                }
                try checkLimit(copied + result.count + Int(item.count))
                result += pairs(of: item)
            }
            conflicts += self.conflicts(inMergeList: record, at: mergeMark)
            return result
        case .scalar:
            let (mark, alias) = Self.mergedValueMark(record.mark, mergeKey: mergeMark)
            throw YAMLError(.invalidMerge, "a merge key ('<<') needs a mapping or a list of mappings, found \(describe(record))\(alias)", at: mark)
        }
    }

    /// Where to report a merged value that is wrong: at the value, unless it is an alias of a
    /// node defined before the merge key — then at the merge key, naming the anchored node.
    private static func mergedValueMark(_ value: YAMLMark, mergeKey: YAMLMark) -> (mark: YAMLMark, alias: String) {
        value < mergeKey ? (mergeKey, " (through an alias of the value at line \(value.line))") : (value, "")
    }

    /// Each key that two mappings of a merge list give different values: which one wins depends
    /// on the PyYAML version (``YAMLWarning/Kind/mergeListConflict``).
    private func conflicts(inMergeList list: YAMLStorage.Record, at mergeMark: YAMLMark) -> [(identity: YAMLKeyIdentity, warning: YAMLWarning)] {
        var result: [(identity: YAMLKeyIdentity, warning: YAMLWarning)] = []
        var first: [YAMLKeyIdentity: (value: Int32, mark: YAMLMark)] = [:]
        // The key nodes the mappings before hold as PyYAML 6.0.4 flattens them: it skips a key node
        // merged already (`<<: [*b, *a]` where b merges a), so that pair cannot make the versions differ.
        var earlierKeyNodes: Set<PythonKeyObject> = []
        for position in 0..<Int(list.count) {
            let index = children[Int(list.start) + position]
            let item = records[Int(index)]
            for pair in pairs(of: item) where !earlierKeyNodes.contains(pythonKeyObject(pair.key)) {
                let keyRecord = records[Int(pair.key)]
                guard keyRecord.kind == .scalar else { continue }  // refused later, as an unhashable key
                let keyText = scalars[Int(keyRecord.start)].text
                // Every version keeps the first value of a one-character key (CPython shares those strings).
                if keyText.unicodeScalars.count == 1, keyText.unicodeScalars.first!.value < 256 { continue }
                let identity = YAMLKeyIdentity(scalars[Int(keyRecord.start)], mark: keyRecord.mark)
                guard let earlier = first[identity] else {
                    first[identity] = (pair.value, keyRecord.mark)
                    continue
                }
                if !sameScalar(earlier.value, pair.value) {
                    result.append((identity, YAMLWarning(.mergeListConflict, key: scalars[Int(keyRecord.start)].text,
                                                         firstMark: earlier.mark, mark: keyRecord.mark, mergeMark: mergeMark)))
                }
            }
            earlierKeyNodes.formUnion((newPyYAMLPairs[index] ?? pairs(of: item)).map { pythonKeyObject($0.key) })
        }
        return result
    }

    /// Whether two nodes are the same node, or scalars of the same value.
    private func sameScalar(_ one: Int32, _ other: Int32) -> Bool {
        if one == other { return true }
        let first = records[Int(one)], second = records[Int(other)]
        guard first.kind == .scalar, second.kind == .scalar else { return false }
        return YAMLKeyIdentity(scalars[Int(first.start)], mark: first.mark) == YAMLKeyIdentity(scalars[Int(second.start)], mark: second.mark)
    }

    private func pairs(of mapping: YAMLStorage.Record) -> [(key: Int32, value: Int32)] {
        (0..<Int(mapping.count)).map { pair in
            (children[Int(mapping.start) + 2 * pair], children[Int(mapping.start) + 2 * pair + 1])
        }
    }

    private func describe(_ record: YAMLStorage.Record) -> String {
        switch record.kind {
        case .scalar: return scalars[Int(record.start)].value.kindDescription
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    private mutating func collapseDuplicates(merged: [(key: Int32, value: Int32)],
                                             explicit: [(key: Int32, value: Int32)]) throws(YAMLError) -> [(key: Int32, value: Int32)] {
        var result: [(key: Int32, value: Int32)] = []
        result.reserveCapacity(merged.count + explicit.count)
        var positions: [YAMLKeyIdentity: Int] = [:]
        // Where each explicit key first appeared, to name both places in a warning.
        var explicitMarks: [Int: YAMLMark] = [:]
        for (offset, pair) in (merged + explicit).enumerated() {
            let keyRecord = records[Int(pair.key)]
            guard keyRecord.kind == .scalar else {
                throw YAMLError(.unhashableKey, "a mapping key must be a scalar, found \(describe(keyRecord))", at: keyRecord.mark)
            }
            let keyScalar = scalars[Int(keyRecord.start)]
            let identity = YAMLKeyIdentity(keyScalar, mark: keyRecord.mark)
            let isExplicit = offset >= merged.count
            if let existing = positions[identity] {
                if isExplicit, let firstMark = explicitMarks[existing] {
                    warnings.append(YAMLWarning(key: keyScalar.text, firstMark: firstMark, mark: keyRecord.mark))
                }
                result[existing].value = pair.value
                if isExplicit { explicitMarks[existing] = keyRecord.mark }
            } else {
                positions[identity] = result.count
                if isExplicit { explicitMarks[result.count] = keyRecord.mark }
                result.append(pair)
            }
        }
        return result
    }
}

/// Equality of mapping keys as Python's `dict` sees it: `1`, `1.0` and `true` are the same key,
/// strings compare by code points (not by Unicode canonical equivalence), and NaN matches only
/// itself: every `.nan` is PyYAML's one shared NaN, each `!!float nan` a NaN of its own.
struct YAMLKeyIdentity: Hashable {
    private enum Storage: Hashable {
        case null
        case integer(YAMLInteger)
        case float(UInt64)
        case string(ExactString)
        case timestamp(YAMLTimestamp.PythonIdentity)
        case unique(YAMLMark)
    }

    private let storage: Storage

    init(_ scalar: YAMLScalar, mark: YAMLMark) {
        switch scalar.value {
        case .null: storage = .null
        case .bool(let bool): storage = .integer(.small(bool ? 1 : 0))
        case .int(let integer): storage = .integer(integer)
        case .float(let double):
            if double.isNaN {
                storage = double.bitPattern == YAMLScalarResolver.sharedNaN.bitPattern ? .float(double.bitPattern) : .unique(mark)
            } else if let integer = Int(exactly: double) {
                storage = .integer(.small(integer))
            } else {
                storage = .float(double.bitPattern)
            }
        case .string(let text): storage = .string(ExactString(text))
        case .timestamp(let timestamp): storage = .timestamp(timestamp.pythonIdentity)
        }
    }

    /// A string compared and hashed by its UTF-8 bytes.
    private struct ExactString: Hashable {
        let text: String
        init(_ text: String) { self.text = text }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }
        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
