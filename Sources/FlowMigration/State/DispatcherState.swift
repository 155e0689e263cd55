/// The `state` of a Selinon dispatcher message: which nodes run, which finished or failed, and
/// which edges are armed (`waiting_edges`) or fired (`triggered_edges`) — by edge index.
///
/// Lossless: keys this type does not model are kept in ``otherKeys`` and written back.
public struct DispatcherState: Sendable, Equatable {
    /// A running node: its name and task (or sub-flow dispatcher) id.
    public struct ActiveNode: Sendable, Equatable {
        /// The node (task or flow) name.
        public var name: String
        /// The Celery task id (for a sub-flow, its dispatcher's).
        public var id: String
        /// Keys of the entry other than `name` and `id`, kept as read.
        public var otherKeys: [String: JSONValue]

        /// A running node `name` whose task (or sub-flow dispatcher) has id `id`.
        public init(name: String, id: String, otherKeys: [String: JSONValue] = [:]) {
            self.name = name
            self.id = id
            self.otherKeys = otherKeys
        }
    }

    /// Running nodes, in the order they started.
    public var activeNodes: [ActiveNode]
    /// Node name → ids of the instances that finished, in completion order.
    public var finishedNodes: [String: [String]]
    /// Node name → ids of failed instances not yet handled by a fallback.
    public var failedNodes: [String: [String]]
    /// Armed edges, in the order they were armed.
    public var waitingEdges: [Int]
    /// Edges that fired at least once (a set; order kept as read).
    public var triggeredEdges: [Int]
    /// Keys of the state this type does not model.
    public var otherKeys: [String: JSONValue]

    /// A state with the given nodes and edges; by default empty (nothing run, no edge armed or fired).
    public init(activeNodes: [ActiveNode] = [], finishedNodes: [String: [String]] = [:], failedNodes: [String: [String]] = [:],
                waitingEdges: [Int] = [], triggeredEdges: [Int] = [], otherKeys: [String: JSONValue] = [:]) {
        self.activeNodes = activeNodes
        self.finishedNodes = finishedNodes
        self.failedNodes = failedNodes
        self.waitingEdges = waitingEdges
        self.triggeredEdges = triggeredEdges
        self.otherKeys = otherKeys
    }

    /// Reads a state object; missing keys are empty, as in Selinon.
    /// - Throws: ``StateError`` for wrong types, negative or duplicate edge indices.
    public init(json: JSONValue) throws(StateError) {
        guard case .object(var members) = json else {
            throw StateError(.wrongType, "state must be an object or null, found \(json.kindDescription)")
        }
        activeNodes = []
        if let active = members.removeValue(forKey: "active_nodes"), active != .null {
            guard case .array(let items) = active else { throw StateError(.wrongType, "state.active_nodes must be an array") }
            for (position, item) in items.enumerated() {
                guard case .object(var entry) = item, let name = entry.removeValue(forKey: "name")?.stringValue else {
                    throw StateError(.wrongType, "state.active_nodes[\(position)] must be an object with a string 'name'")
                }
                let id = entry.removeValue(forKey: "id")
                guard id == nil || id?.stringValue != nil else {
                    throw StateError(.wrongType, "state.active_nodes[\(position)].id must be a string")
                }
                activeNodes.append(ActiveNode(name: name, id: id?.stringValue ?? "", otherKeys: entry))
            }
        }
        finishedNodes = try Self.nodeInstances(members.removeValue(forKey: "finished_nodes"), key: "finished_nodes")
        failedNodes = try Self.nodeInstances(members.removeValue(forKey: "failed_nodes"), key: "failed_nodes")
        waitingEdges = try Self.edgeList(members.removeValue(forKey: "waiting_edges"), key: "waiting_edges")
        triggeredEdges = try Self.edgeList(members.removeValue(forKey: "triggered_edges"), key: "triggered_edges")
        otherKeys = members
    }

    private static func nodeInstances(_ value: JSONValue?, key: String) throws(StateError) -> [String: [String]] {
        guard let value, value != .null else { return [:] }
        guard case .object(let members) = value else { throw StateError(.wrongType, "state.\(key) must be an object") }
        var result: [String: [String]] = [:]
        for (name, ids) in members {
            guard case .array(let items) = ids, let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count else {
                throw StateError(.wrongType, "state.\(key).\(name) must be an array of ids")
            }
            result[name] = strings
        }
        return result
    }

    static func edgeList(_ value: JSONValue?, key: String) throws(StateError) -> [Int] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else { throw StateError(.wrongType, "state.\(key) must be an array of edge indices") }
        var edges: [Int] = []
        edges.reserveCapacity(items.count)
        var repeats = RepeatedEdges()
        for (position, item) in items.enumerated() {
            guard let index = item.intValue else {
                if case .number(let number) = item { throw EdgeIndexText(number.text.utf8).error(key: key, position: position) }
                throw StateError(.wrongType, "state.\(key)[\(position)] must be an integer edge index, found \(item.kindDescription)")
            }
            guard index >= 0 else { throw StateError(.edgeIndexOutOfRange, "state.\(key)[\(position)] is \(index); edge indices are not negative") }
            guard !repeats.isRepeat(index, in: edges) else { throw StateError(.duplicateEntry, "state.\(key) lists edge \(index) twice") }
            edges.append(index)
        }
        return edges
    }

    /// The state as JSON, unknown keys included.
    public var jsonValue: JSONValue {
        var members = otherKeys
        members["active_nodes"] = .array(activeNodes.map { node in
            var entry = node.otherKeys
            entry["name"] = .string(node.name)
            entry["id"] = .string(node.id)
            return .object(entry)
        })
        members["finished_nodes"] = .object(finishedNodes.mapValues { .array($0.map(JSONValue.string)) })
        members["failed_nodes"] = .object(failedNodes.mapValues { .array($0.map(JSONValue.string)) })
        members["waiting_edges"] = .array(waitingEdges.map { .number(JSONNumber($0)) })
        members["triggered_edges"] = .array(triggeredEdges.map { .number(JSONNumber($0)) })
        return .object(members)
    }
}

/// Finds an edge index listed twice while a list is read: by scanning the list while it is
/// short (most states wait on a few edges), through a set once it is long (a line listing
/// 80,000 edges took minutes when every index scanned the list).
struct RepeatedEdges {
    private var seen = Set<Int>()

    /// Whether `index` is already in `edges`, the indices read so far (each passed through here).
    mutating func isRepeat(_ index: Int, in edges: [Int]) -> Bool {
        guard edges.count >= 32 else { return edges.contains(index) }
        if seen.isEmpty { seen = Set(edges) }
        return !seen.insert(index).inserted
    }
}

/// The JSON text of a number in an edge list that is not an edge index: an integer too large for
/// one, or a number with a fraction or an exponent (`1.0`, `1e0`: Python reads a float).
struct EdgeIndexText {
    private let isInteger: Bool
    private let text: String

    init(_ bytes: some Collection<UInt8>) {
        let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
        isInteger = !digits.isEmpty && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        text = String(decoding: bytes, as: UTF8.self)
    }

    func error(key: String, position: Int) -> StateError {
        guard isInteger else { return StateError(.wrongType, "state.\(key)[\(position)] must be an integer edge index, found a number") }
        // (The scanner stops after a leading zero: the "0" of `01`; a valid 0 is never refused.)
        if text == "0" || text == "-0" {
            return StateError(.malformed, "not valid JSON: state.\(key)[\(position)] is a number with a leading zero")
        }
        let shown = text.count > 40 ? String(text.prefix(20)) + "…" + String(text.suffix(10)) : text
        return StateError(.edgeIndexOutOfRange, "state.\(key)[\(position)] is \(shown)"
            + (text.hasPrefix("-") ? "; edge indices are not negative" : ", beyond any edge index"))
    }
}
