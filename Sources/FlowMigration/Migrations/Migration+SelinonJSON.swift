/// Reading and writing migration files in Selinon's JSON format.
extension Migration {
    static let topLevelKeys = ["migration", "tainted_flow_strategy", "_meta"]
    static let flowKeys = ["translation", "tainted_edges", "tainting_nodes"]

    /// Reads a migration file strictly: Selinon's legacy list forms, a missing or unknown
    /// strategy, non-canonical edge indices and unknown keys are rejected.
    /// - Parameter file: the path, for error messages.
    /// - Throws: ``MigrationFileError`` naming the file, the line and what to fix.
    /// The first line (1-based) that is a git conflict marker (`<<<<<<< `, `=======`, `>>>>>>> `).
    static func conflictMarkerLine(_ bytes: [UInt8]) -> Int? {
        var line = 1
        var atLineStart = true
        for index in bytes.indices {
            if atLineStart {
                let rest = bytes[index...]
                if rest.starts(with: "<<<<<<< ".utf8) || rest.starts(with: ">>>>>>> ".utf8)
                    || rest.starts(with: "=======\n".utf8) || rest.starts(with: "=======\r\n".utf8) { return line }
            }
            atLineStart = bytes[index] == UInt8(ascii: "\n")
            if atLineStart { line += 1 }
        }
        return nil
    }

    /// Reads a migration file's bytes (`file` names it in errors), rejecting Selinon's legacy
    /// forms and anything else the format does not allow.
    public init(selinonJSON bytes: [UInt8], file: String) throws(MigrationFileError) {
        let root: JSONValue
        do {
            root = try JSONParser(rejectsDuplicateKeys: true).parse(bytes)
        } catch {
            if Self.isGitLFSPointer(bytes) {
                throw MigrationFileError(file: file, line: 1, column: 1, message: "is a Git LFS pointer, not the migration itself",
                                         hint: "keep migrations out of Git LFS (Selinon's workers read the JSON as checked out, and "
                                             + "selinon-migrate compares git's copies): git lfs pull brings the file here; git lfs "
                                             + "untrack the path, and commit the real file, keeps it out")
            }
            if let conflict = Self.conflictMarkerLine(bytes) {
                throw MigrationFileError(file: file, line: conflict, column: 1, message: "has git merge conflict markers: two branches changed or added this migration",
                                         hint: "do not merge migration files by hand; take the other branch's version and run "
                                             + "selinon-migrate rebase --onto <that branch> (selinon-migrate check explains)")
            }
            throw MigrationFileError(file: file, line: error.line, column: error.column, message: "not valid JSON: \(error.message)",
                                     hint: "restore the file from version control; migration files are generated, not written by hand")
        }
        var reader = MigrationFileReader(file: file, bytes: bytes)
        self = try reader.migration(root)
    }

    /// Whether `bytes` are a Git LFS pointer (what git holds, or checks out without Git LFS, for
    /// a file stored in LFS) rather than a migration file.
    public static func isGitLFSPointer(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: lfsPointerPrefix)
    }

    private static let lfsPointerPrefix = Array("version https://git-lfs.github.com/spec/".utf8)

    /// The file's bytes: sorted keys, sorted name lists, two-space indentation and a trailing
    /// newline, so the same migration always produces the same bytes — those of
    /// `JSONWriter.pretty(jsonValue)`, written straight from the entries (without a dictionary
    /// per entry to sort again), as a migration may hold tens of thousands of edges.
    public func selinonJSON() -> [UInt8] {
        var output: [UInt8] = []
        let keys = (metadata == nil ? [] : ["_meta"]) + ["migration", "tainted_flow_strategy"]
        JSONWriter.appendObject(keys: keys, indent: 0, pretty: true, to: &output) { position, output in
            switch keys[position] {
            case "_meta": JSONWriter.append(metadata!, indent: 1, pretty: true, to: &output)
            case "migration": appendFlows(to: &output)
            default: JSONWriter.writeString(strategy.rawValue, into: &output)
            }
        }
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// The `migration` object: each flow's three maps, keys in the order of their text.
    private func appendFlows(to output: inout [UInt8]) {
        let names = flows.keys.sorted(by: JSONWriter.utf8Precedes)
        JSONWriter.appendObject(keys: names, indent: 1, pretty: true, to: &output) { position, output in
            let entry = flows[names[position]]!
            JSONWriter.appendObject(keys: Self.flowKeysInOrder, indent: 2, pretty: true, to: &output) { part, output in
                switch Self.flowKeysInOrder[part] {
                case "tainted_edges":
                    let tainted = Self.byKeyText(entry.taintedEdges)
                    JSONWriter.appendObject(keys: tainted.map(\.key), indent: 3, pretty: true, to: &output) { index, output in
                        let edge = tainted[index].value
                        JSONWriter.appendObject(keys: ["condition_str", "from", "to"], indent: 4, pretty: true, to: &output) { field, output in
                            switch field {
                            case 0: JSONWriter.append(edge.condition, indent: 5, pretty: true, to: &output)
                            case 1: Self.appendNames(edge.from.sorted(), indent: 5, to: &output)
                            default: Self.appendNames(edge.to.sorted(), indent: 5, to: &output)
                            }
                        }
                    }
                case "tainting_nodes":
                    let tainting = Self.byKeyText(entry.taintingNodes)
                    JSONWriter.appendObject(keys: tainting.map(\.key), indent: 3, pretty: true, to: &output) { index, output in
                        Self.appendNames(tainting[index].value.sorted(), indent: 4, to: &output)
                    }
                default:
                    let translation = Self.byKeyText(entry.translation)
                    JSONWriter.appendObject(keys: translation.map(\.key), indent: 3, pretty: true, to: &output) { index, output in
                        if let new = translation[index].value {
                            output.append(contentsOf: String(new).utf8)
                        } else {
                            output.append(contentsOf: "null".utf8)
                        }
                    }
                }
            }
        }
    }

    /// ``flowKeys`` in the order a JSON object's keys are written.
    private static let flowKeysInOrder = flowKeys.sorted(by: JSONWriter.utf8Precedes)

    /// Entries keyed by edge index, as JSON object members: the index as text, in text order.
    private static func byKeyText<Value>(_ entries: [Int: Value]) -> [(key: String, value: Value)] {
        entries.map { (key: String($0.key), value: $0.value) }.sorted { JSONWriter.utf8Precedes($0.key, $1.key) }
    }

    private static func appendNames(_ names: [String], indent: Int, to output: inout [UInt8]) {
        JSONWriter.appendArray(count: names.count, indent: indent, pretty: true, to: &output) { position, output in
            JSONWriter.writeString(names[position], into: &output)
        }
    }

    /// The migration as a JSON value in Selinon's shape.
    public var jsonValue: JSONValue {
        var flowsObject = [String: JSONValue](minimumCapacity: flows.count)
        for (name, entry) in flows {
            var translation = [String: JSONValue](minimumCapacity: entry.translation.count)
            for (old, new) in entry.translation {
                translation[String(old)] = new.map { .number(JSONNumber($0)) } ?? .null
            }
            var tainted = [String: JSONValue](minimumCapacity: entry.taintedEdges.count)
            for (old, edge) in entry.taintedEdges {
                tainted[String(old)] = .object([
                    "from": .array(edge.from.sorted().map(JSONValue.string)),
                    "to": .array(edge.to.sorted().map(JSONValue.string)),
                    "condition_str": edge.condition,
                ])
            }
            var tainting = [String: JSONValue](minimumCapacity: entry.taintingNodes.count)
            for (new, nodes) in entry.taintingNodes {
                tainting[String(new)] = .array(nodes.sorted().map(JSONValue.string))
            }
            flowsObject[name] = .object([
                "translation": .object(translation),
                "tainted_edges": .object(tainted),
                "tainting_nodes": .object(tainting),
            ])
        }
        var root: [String: JSONValue] = [
            "migration": .object(flowsObject),
            "tainted_flow_strategy": .string(strategy.rawValue),
        ]
        if let metadata { root["_meta"] = metadata }
        return .object(root)
    }
}

/// Validates the JSON of one migration file, locating problems by line.
private struct MigrationFileReader {
    let file: String
    let bytes: [UInt8]

    func error(_ message: String, at path: [String], hint: String = "") -> MigrationFileError {
        let position = JSONKeyLine.position(of: path, in: bytes)
        return MigrationFileError(file: file, line: position?.line, column: position?.column, message: message,
                           hint: hint.isEmpty ? Self.regenerateHint : hint)
    }

    /// What to do about a file that no generator wrote as it is: the one before the latest cannot
    /// simply be generated again in place, as `generate` writes only the next number.
    static let regenerateHint = "a migration is generated, not edited: undo the edit, or generate it again — for the commit REV "
        + "whose change it migrates, selinon-migrate generate --dry-run --from REV~1 --to REV -n NODES -f FLOWS -m \"$(mktemp -d)\" "
        + "prints what it should be; put that in its place and run selinon-migrate rehash"

    mutating func migration(_ root: JSONValue) throws(MigrationFileError) -> Migration {
        guard case .object(let members) = root else {
            throw error("a migration file must hold a JSON object, found \(root.kindDescription)", at: [])
        }
        for key in members.keys.sorted() where !Migration.topLevelKeys.contains(key) {
            throw error("unknown top-level key '\(key)'", at: [key], hint: "a migration file has only 'migration', 'tainted_flow_strategy' and '_meta'")
        }
        guard let strategyValue = members["tainted_flow_strategy"] else {
            throw error("'tainted_flow_strategy' is missing (Selinon would fail with KeyError at runtime)", at: [],
                        hint: "add \"tainted_flow_strategy\": \"IGNORE\", \"RETRY\" or \"FAIL\"")
        }
        guard let name = strategyValue.stringValue, let strategy = TaintedFlowStrategy(name: name) else {
            throw error("unknown tainted_flow_strategy \(render(strategyValue))", at: ["tainted_flow_strategy"],
                        hint: "use IGNORE, RETRY or FAIL")
        }
        guard case .object(let flowsObject)? = members["migration"] else {
            throw error(members["migration"] == nil ? "'migration' is missing" : "'migration' must be an object",
                        at: members["migration"] == nil ? [] : ["migration"])
        }
        var flows: [String: EdgeMigration] = [:]
        for name in flowsObject.keys.sorted() {
            flows[name] = try flow(flowsObject[name]!, path: ["migration", name])
        }
        try checkEdgeCounts(members["_meta"], flows: flows)
        return Migration(flows: flows, strategy: strategy, metadata: members["_meta"])
    }

    /// `_meta.edge_counts` (written by selinon-migrate; Selinon's runtime ignores `_meta`) is what
    /// the runtime checks states against and how it knows a flow was removed, so it must be
    /// well formed, and every index of the flow entries must fit the counts it records.
    private func checkEdgeCounts(_ meta: JSONValue?, flows: [String: EdgeMigration]) throws(MigrationFileError) {
        guard let meta else { return }
        guard case .object(let metaMembers) = meta else {
            throw error("'_meta' must be an object, found \(meta.kindDescription)", at: ["_meta"])
        }
        // The digests say which configurations the file was generated between (continuity,
        // verify, analyze, review): a malformed one must not read as "unknown".
        if let digests = metaMembers["digests"] {
            func isDigest(_ value: JSONValue) -> Bool {
                guard let text = value.stringValue, text.hasPrefix("sha256:"), text.utf8.count == 71 else { return false }
                return text.utf8.dropFirst(7).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            }
            guard case .object(let sides) = digests, !sides.isEmpty,
                  sides.allSatisfy({ ($0.key == "old" || $0.key == "new") && isDigest($0.value) }) else {
                throw error("'_meta.digests' must be an object with the 'old' and 'new' structure digests (sha256: and 64 hex digits), "
                            + "found \(render(digests))", at: ["_meta", "digests"])
            }
        }
        guard let countsValue = metaMembers["edge_counts"] else { return }
        guard case .object(let counts) = countsValue else {
            throw error("'_meta.edge_counts' must be an object (flow → {\"old\": N, \"new\": N}), found \(countsValue.kindDescription)",
                        at: ["_meta", "edge_counts"])
        }
        var before: [String: Int] = [:], after: [String: Int] = [:]
        for flow in counts.keys.sorted() {
            let path = ["_meta", "edge_counts", flow]
            guard case .object(let sides) = counts[flow]!, !sides.isEmpty else {
                throw error("edge counts of flow '\(flow)' in _meta must be an object with 'old' and/or 'new', found \(render(counts[flow]!))", at: path)
            }
            for side in sides.keys.sorted() {
                guard side == "old" || side == "new" else {
                    throw error("unknown key '\(side)' in the edge counts of flow '\(flow)' in _meta (only 'old' and 'new')", at: path + [side])
                }
                guard case .number(let number) = sides[side]!, let count = number.intValue, count >= 0 else {
                    throw error("the \(side) edge count of flow '\(flow)' in _meta must be a whole number of edges, found \(render(sides[side]!))",
                                at: path + [side])
                }
                try refuseImplausible(count - 1, "the \(side) edge count \(count) of flow '\(flow)' in _meta", at: path + [side])
                if side == "old" { before[flow] = count } else { after[flow] = count }
            }
        }
        // A flow without an entry keeps every edge's index: it cannot have lost edges.
        for name in before.keys.sorted() where flows[name] == nil {
            guard let old = before[name], let new = after[name], new < old else { continue }
            throw error("flow '\(name)' has no entry in 'migration', so its edges keep their indices, but it has \(new) "
                        + "edge\(new == 1 ? "" : "s") after this migration, \(old) before (_meta.edge_counts): edge \(new) would "
                        + "point past its last edge", at: ["_meta", "edge_counts", name])
        }
        for name in flows.keys.sorted() {
            let entry = flows[name]!
            guard let old = before[name], let new = after[name] else {
                throw error("flow '\(name)' has an entry, but _meta.edge_counts does not give its old and new edge counts", at: ["migration", name])
            }
            let path = ["migration", name]
            let beyondOld = " of flow '\(name)', which has \(old) edge\(old == 1 ? "" : "s") before this migration (_meta.edge_counts)"
            let beyondNew = "flow '\(name)' has \(new) edge\(new == 1 ? "" : "s") after this migration (_meta.edge_counts)"
            if let index = entry.translation.keys.filter({ $0 >= old }).min() {
                throw error("translation names edge \(index)" + beyondOld, at: path + ["translation", String(index)])
            }
            if let (index, target) = entry.translation.compactMap({ key, value in value.map { (key, $0) } })
                .filter({ $0.1 >= new }).min(by: { $0.0 < $1.0 }) {
                throw error("translation moves edge \(index) to edge \(target), but " + beyondNew, at: path + ["translation", String(index)])
            }
            // tainted_edges needs no check of its own: every tainted edge is in translation (as null).
            if let index = entry.taintingNodes.keys.filter({ $0 >= new }).min() {
                throw error("tainting_nodes names new edge \(index), but " + beyondNew, at: path + ["tainting_nodes", String(index)])
            }
            if let index = entry.taintingNodes.keys.filter({ $0 < old && entry.translation[$0] == nil }).min() {
                throw keptIndexTainting(index, flow: name)
            }
            if new < old, let kept = (new..<old).first(where: { entry.translation[$0] == nil }) {
                throw error("edge \(kept) keeps its index (it is not in translation), but " + beyondNew, at: path + ["translation"])
            }
            let targets = Dictionary(entry.translation.compactMap { key, value in value.map { ($0, key) } }, uniquingKeysWith: min)
            if let (kept, moved) = targets.filter({ target, _ in target < min(old, new) && entry.translation[target] == nil })
                .min(by: { $0.key < $1.key }) {
                throw error("edge \(kept) of flow '\(name)' keeps its index (it is not in translation), but translation also moves "
                            + "edge \(moved) there", at: path + ["translation", String(moved)])
            }
        }
    }

    /// A new edge in `tainting_nodes` (an added edge) at an index an old edge keeps, because
    /// translation does not move it: the two would be one edge.
    private func keptIndexTainting(_ index: Int, flow name: String) -> MigrationFileError {
        error("new edge \(index) of flow '\(name)' is in tainting_nodes (an added edge), but old edge \(index) keeps that index "
              + "(it is not in translation)", at: ["migration", name, "tainting_nodes", String(index)])
    }

    /// Refuses an edge index (or the last index of an edge count) no real flow reaches: the
    /// runtime's lookup tables grow with the indices, so a damaged file must not make them huge.
    private func refuseImplausible(_ index: Int, _ what: String, at path: [String]) throws(MigrationFileError) {
        guard index >= Migration.edgeLimit else { return }
        throw error("\(what) is beyond the \(Migration.edgeLimit) edges a flow may have: the file is damaged", at: path,
                    hint: "restore it from version control, or generate it again")
    }

    private func flow(_ value: JSONValue, path: [String]) throws(MigrationFileError) -> EdgeMigration {
        let name = path[1]
        guard case .object(let members) = value else {
            throw error("the entry of flow '\(name)' must be an object, found \(value.kindDescription)", at: path)
        }
        for key in members.keys.sorted() where !Migration.flowKeys.contains(key) {
            throw error("unknown key '\(key)' in the entry of flow '\(name)'", at: path + [key])
        }
        for key in Migration.flowKeys where members[key] == nil {
            throw error("the entry of flow '\(name)' has no '\(key)'", at: path, hint: "every flow entry has translation, tainted_edges and tainting_nodes (they may be empty objects)")
        }
        var entry = EdgeMigration()
        for (key, value) in try indexObject(members["translation"]!, path: path + ["translation"]) {
            switch value {
            case .null: entry.translation[key] = .some(nil)
            case .number(let number) where number.intValue.map({ $0 >= 0 }) == true:
                try refuseImplausible(number.intValue!, "edge \(key) of flow '\(name)' translated to edge \(number.intValue!)",
                                      at: path + ["translation", String(key)])
                entry.translation[key] = number.intValue!
            default:
                throw error("translation of edge \(key) in flow '\(name)' must be a new edge index or null, found \(render(value))",
                            at: path + ["translation", String(key)])
            }
        }
        var targets: [Int: Int] = [:]
        for (old, new) in entry.translation {
            guard let new else { continue }
            if let other = targets[new] {
                throw error("edges \(min(old, other)) and \(max(old, other)) of flow '\(name)' both translate to edge \(new)",
                            at: path + ["translation"])
            }
            targets[new] = old
        }
        for (key, value) in try indexObject(members["tainted_edges"]!, path: path + ["tainted_edges"]) {
            let edgePath = path + ["tainted_edges", String(key)]
            guard case .object(let record) = value else {
                throw error("tainted edge \(key) of flow '\(name)' must be an object with from, to and condition_str", at: edgePath)
            }
            for field in record.keys.sorted() where !["from", "to", "condition_str"].contains(field) {
                throw error("unknown key '\(field)' in tainted edge \(key) of flow '\(name)'", at: edgePath + [field])
            }
            guard let from = names(record["from"]), let to = names(record["to"]), !to.isEmpty,
                  case .object? = record["condition_str"]
            else {
                throw error("tainted edge \(key) of flow '\(name)' needs 'from' and 'to' (lists of node names) and 'condition_str' (an object)",
                            at: edgePath)
            }
            // Selinon writes sets in hash order; keep them sorted.
            entry.taintedEdges[key] = TaintedEdge(from: from.sorted(), to: to.sorted(), condition: record["condition_str"]!)
        }
        // Selinon's generator and ours translate every tainted (removed) edge to null.
        if let kept = entry.taintedEdges.keys.filter({ entry.translation[$0] != .some(nil) }).min() {
            throw error("tainted edge \(kept) of flow '\(name)' is not translated to null: a tainted edge is one the new "
                        + "configuration no longer has", at: path + ["tainted_edges", String(kept)])
        }
        if let removed = entry.translation.filter({ $0.value == nil && entry.taintedEdges[$0.key] == nil }).keys.min() {
            throw error("edge \(removed) of flow '\(name)' is translated to null (removed), but tainted_edges does not list it: "
                        + "a flow that already ran it would go on untainted", at: path + ["translation", String(removed)],
                        hint: "a removed edge is a tainted edge: generate the migration again, or list the edge in tainted_edges "
                            + "(from, to, condition_str) and run selinon-migrate rehash")
        }
        for (key, value) in try indexObject(members["tainting_nodes"]!, path: path + ["tainting_nodes"]) {
            guard let nodes = names(value), !nodes.isEmpty else {
                // Selinon's generator writes a starting edge's `from: no` (or `false`, `0`) as the source False (or 0).
                let falseSource: Bool
                if case .array(let items) = value {
                    falseSource = !items.isEmpty && items.allSatisfy {
                        if case .bool(false) = $0 { return true }
                        if case .number(let number) = $0 { return number.text == "0" }
                        return false
                    }
                } else {
                    falseSource = false
                }
                throw error("tainting nodes of edge \(key) in flow '\(name)' must be a non-empty list of node names",
                            at: path + ["tainting_nodes", String(key)],
                            hint: falseSource ? "Selinon's own generator writes this for a starting edge whose `from` is a false "
                                + "value (`no`, `false`, `off`, `0`: D-21 in the README), which would taint every flow that started: "
                                + "generate this migration again with selinon-migrate generate from the same two configurations" : "")
            }
            if let old = targets[key] {
                throw error("new edge \(key) of flow '\(name)' is in tainting_nodes (an added edge), but translation also moves old "
                            + "edge \(old) there (a kept edge)", at: path + ["tainting_nodes", String(key)])
            }
            // Old edges 0 … the highest translated one exist; one translation does not name keeps its index.
            if let highest = entry.translation.keys.max(), key < highest, entry.translation[key] == nil {
                throw keptIndexTainting(key, flow: name)
            }
            entry.taintingNodes[key] = nodes.sorted()
        }
        return entry
    }

    /// An object keyed by canonical edge indices (`0`, `12`; not `01` or `-1`).
    private func indexObject(_ value: JSONValue, path: [String]) throws(MigrationFileError) -> [(Int, JSONValue)] {
        guard case .object(let members) = value else {
            let legacy = if case .array = value { " (Selinon's legacy list form, which its runtime cannot use)" } else { "" }
            let isEmptyList = if case .array(let items) = value { items.isEmpty } else { false }
            throw error("'\(path.last!)' of flow '\(path[1])' must be an object keyed by edge index, found \(value.kindDescription)\(legacy)",
                        at: path, hint: isEmptyList ? "write {} in place of [] (both say: none), then run selinon-migrate rehash" : "")
        }
        var result: [(Int, JSONValue)] = []
        for key in members.keys.sorted() {
            guard let index = Int(key), index >= 0, String(index) == key else {
                throw error("'\(key)' in '\(path.last!)' of flow '\(path[1])' is not an edge index", at: path + [key],
                            hint: "edge indices are written as decimal numbers without leading zeros: \"0\", \"12\"")
            }
            try refuseImplausible(index, "edge index \(index) in '\(path.last!)' of flow '\(path[1])'", at: path + [key])
            result.append((index, members[key]!))
        }
        return result
    }

    private func names(_ value: JSONValue?) -> [String]? {
        guard case .array(let items)? = value else { return nil }
        let names = items.compactMap(\.stringValue)
        return names.count == items.count ? names : nil
    }

    private func render(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.compact(value), as: UTF8.self)
    }

}
