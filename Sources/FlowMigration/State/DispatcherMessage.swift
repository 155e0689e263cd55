/// The keyword arguments of Selinon's dispatcher task for one flow: its name, version, state
/// and everything else it carries (`node_args`, `parent`, `retried_count`, `retry`,
/// `selective`, …), kept losslessly.
public struct DispatcherMessage: Sendable, Equatable {
    /// The flow this dispatcher runs (`flow_name`).
    public var flowName: String
    /// The migration version the state conforms to (`migration_version`); `nil` when absent or
    /// null, which means 0 for a non-null state (defect D-18).
    public var migrationVersion: Int?
    /// The state; `nil` for a fresh or restarted flow.
    public var state: DispatcherState?
    /// Every other key of the message, as read (`selective` included).
    public var otherKeys: [String: JSONValue]

    /// A message of flow `flowName`; by default a fresh run: no version, no state, no other keys.
    public init(flowName: String, migrationVersion: Int? = nil, state: DispatcherState? = nil, otherKeys: [String: JSONValue] = [:]) {
        self.flowName = flowName
        self.migrationVersion = migrationVersion
        self.state = state
        self.otherKeys = otherKeys
    }

    /// Reads a message object.
    /// - Throws: ``StateError`` when the message or its state does not have Selinon's shape.
    public init(json: JSONValue) throws(StateError) {
        guard case .object(var members) = json else {
            throw StateError(.malformed, "a dispatcher message must be a JSON object, found \(json.kindDescription)")
        }
        guard let name = members.removeValue(forKey: "flow_name") else { throw StateError(.missingKey, "flow_name is missing") }
        guard let flowName = name.stringValue else { throw StateError(.wrongType, "flow_name must be a string") }
        self.flowName = flowName
        switch members.removeValue(forKey: "migration_version") {
        case nil, .null?: migrationVersion = nil
        case .number(let number)? where number.intValue.map({ $0 >= 0 }) == true: migrationVersion = number.intValue
        case .number(let number)?: throw DispatcherMessageHeader.versionError(number.text)
        case let other?: throw StateError(.wrongType, "migration_version must be a non-negative integer or null, found \(other.kindDescription)")
        }
        switch members.removeValue(forKey: "state") {
        case nil, .null?: state = nil
        case let value?: state = try DispatcherState(json: value)
        }
        otherKeys = members
        try Self.checkSelective(members["selective"])
        try Self.checkDispatcherMembers(members)
    }

    /// The members Selinon's dispatcher reads have its types: `dispatcher_id` a string,
    /// `parent` an object or null, `retried_count` a non-negative integer or null, `retry` a
    /// number or null.
    private static func checkDispatcherMembers(_ members: [String: JSONValue]) throws(StateError) {
        if let id = members["dispatcher_id"], id.stringValue == nil {
            throw StateError(.wrongType, "dispatcher_id must be a string, found \(id.kindDescription)")
        }
        switch members["parent"] {
        case nil, .null?, .object?: break
        case let other?: throw StateError(.wrongType, "parent must be an object or null, found \(other.kindDescription)")
        }
        switch members["retried_count"] {
        case nil, .null?: break
        case .number(let number)? where number.intValue.map({ $0 >= 0 }) == true: break
        case .number(let number)?: throw DispatcherMessageHeader.retriedCountError(number.text)
        case let other?: throw StateError(.wrongType, "retried_count must be a non-negative integer or null, found \(other.kindDescription)")
        }
        switch members["retry"] {
        case nil, .null?: break
        case .number(let number)?: if let error = DispatcherMessageHeader.retryError(number.text) { throw error }
        case let other?: throw StateError(.wrongType, "retry must be a number or null, found \(other.kindDescription)")
        }
    }

    /// `selective` is false, null or `{task_names, waiting_edges_subset: {flow: {"<edge>": …}}}`.
    private static func checkSelective(_ value: JSONValue?) throws(StateError) {
        guard let value, value != .null, value != .bool(false) else { return }
        guard case .object(let selective) = value else { throw StateError(.wrongType, "selective must be false or an object") }
        guard let subsets = selective["waiting_edges_subset"], subsets != .null else { return }
        guard case .object(let flows) = subsets else { throw StateError(.wrongType, "selective.waiting_edges_subset must be an object") }
        for (flow, edges) in flows {
            guard case .object(let byIndex) = edges else {
                throw StateError(.wrongType, "selective.waiting_edges_subset.\(flow) must be an object keyed by edge index")
            }
            for key in byIndex.keys where Int(key).map({ $0 >= 0 && String($0) == key }) != true {
                throw StateError(.wrongType, "selective.waiting_edges_subset.\(flow) has the key '\(key)', which is not an edge index")
            }
        }
    }

    /// Reads one JSON text.
    public init(jsonBytes: [UInt8]) throws(StateError) {
        let value: JSONValue
        do {
            value = try JSONParser().parse(jsonBytes)
        } catch {
            throw StateError(.malformed, error.messageProblem)
        }
        try self.init(json: value)
    }

    /// The message as JSON. `migration_version` is always written (Selinon loses it on some
    /// reschedules, defect D-6); `state` is written as null for a fresh flow.
    public var jsonValue: JSONValue {
        var members = otherKeys
        members["flow_name"] = .string(flowName)
        members["migration_version"] = migrationVersion.map { .number(JSONNumber($0)) } ?? .null
        members["state"] = state?.jsonValue ?? .null
        return .object(members)
    }

    /// The message as compact JSON text (keys sorted), to store or send on.
    public var jsonBytes: [UInt8] { JSONWriter.compact(jsonValue) }

    /// The `selective` run's edge subsets: flow name → edge index → node names (spec §3.6).
    public var selectiveSubsets: [String: [Int: JSONValue]]? {
        guard case .object(let selective)? = otherKeys["selective"],
              case .object(let subsets)? = selective["waiting_edges_subset"] else { return nil }
        // Checked when the message was read: objects keyed by canonical edge indices.
        var result: [String: [Int: JSONValue]] = [:]
        for (flow, value) in subsets {
            guard case .object(let edges) = value else { continue }
            result[flow] = Dictionary(uniqueKeysWithValues: edges.compactMap { key, names in Int(key).map { ($0, names) } })
        }
        return result
    }
}
