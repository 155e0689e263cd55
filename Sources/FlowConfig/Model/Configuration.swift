/// A complete Selinon configuration — the nodes file and every flow definition — as Selinon's
/// workers would see it after loading, with the source location of every definition.
///
/// Produced by ``ConfigurationLoader``; a value that exists passed every check that
/// ``ConfigurationLoader/Options/checksConsistency`` asked for.
public struct Configuration: Sendable, Equatable {
    /// Path of the nodes file.
    public var nodesFile: String
    /// Paths of the flow-definition files, in reading order.
    public var flowFiles: [String]
    /// The `tasks` of the nodes file, in file order.
    public var tasks: [TaskDefinition]
    /// The `storages` of the nodes file, in file order.
    public var storages: [StorageDefinition]
    /// The `global` section, with Selinon's defaults filled in.
    public var global: GlobalSettings
    /// The `flows` list of the nodes file, in file order.
    public var flowNames: [String]
    /// The flow definitions, by flow name.
    public var flows: [String: FlowDefinition]

    /// A configuration with every part given (``ConfigurationLoader`` makes one from the files).
    public init(
        nodesFile: String, flowFiles: [String], tasks: [TaskDefinition], storages: [StorageDefinition],
        global: GlobalSettings, flowNames: [String], flows: [String: FlowDefinition]
    ) {
        self.nodesFile = nodesFile
        self.flowFiles = flowFiles
        self.tasks = tasks
        self.storages = storages
        self.global = global
        self.flowNames = flowNames
        self.flows = flows
    }

    /// The task named `name`, if there is one.
    public func task(named name: String) -> TaskDefinition? {
        tasks.first { $0.name == name }
    }

    /// Whether `name` is a task (tasks and flows share one name space).
    public func isTask(_ name: String) -> Bool { task(named: name) != nil }

    /// The task whose name is close enough to `name` to be what a typo meant, if one is (the
    /// suggestion the configuration's own diagnostics make).
    public func taskName(closestTo name: String) -> String? { NameSuggestion.closest(to: name, in: tasks.map(\.name)) }

    /// Whether `name` is a declared flow.
    public func isFlow(_ name: String) -> Bool { flows[name] != nil || flowNames.contains(name) }

    /// The flow definitions sorted by name — the order every deterministic output uses.
    public var flowsSortedByName: [FlowDefinition] {
        flows.values.sorted { $0.name < $1.name }
    }
}
