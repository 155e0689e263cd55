import FlowMigration
import Foundation

/// What the tasks of a ``FlowExecution`` do, given instead of running them: the outcome of each
/// task's successive instances, the flow's arguments, and the items each `foreach` function
/// returns.
///
/// The JSON form (every key optional):
///
/// ```json
/// {
///   "node_args": {"ecosystem": "npm"},
///   "tasks": {
///     "FetchMetadata": {"fails": true},
///     "ScanLicences": {"result": {"licences": ["MIT"]}},
///     "DownloadTarball": [{"result": null}, {"fails": true}]
///   },
///   "foreach": {"package_analysis.foreach.iter_new_releases": [{"name": "left-pad"}]}
/// }
/// ```
///
/// A list gives the outcomes of a task's first, second, … instance (counted over the whole
/// execution, sub-flows included, in the order they run); the last one repeats. A task that is
/// not listed succeeds with the result `null`. `foreach` is keyed by `import.function`; `null`
/// (the function returns `None`) starts nothing, as an empty list does.
public struct NodeOutcomes: Sendable, Equatable {
    /// How one task instance ends.
    public enum Outcome: Sendable, Equatable {
        /// The task returned `result` (what conditions on it read).
        case succeeded(result: JSONValue)
        /// The task raised: the node fails.
        case failed
    }

    /// The arguments the flow is started with (`node_args`).
    public var nodeArguments: JSONValue
    /// Task name → the outcomes of its successive instances (never empty).
    public var tasks: [String: [Outcome]]
    /// `import.function` of a `foreach` → the items it returns, each firing.
    public var foreachItems: [String: [JSONValue]]

    public init(nodeArguments: JSONValue = .null, tasks: [String: [Outcome]] = [:], foreachItems: [String: [JSONValue]] = [:]) {
        self.nodeArguments = nodeArguments
        self.tasks = tasks
        self.foreachItems = foreachItems
    }

    /// Reads the JSON form above.
    /// - Throws: ``NodeOutcomesError`` naming the key that does not fit.
    public init(json: JSONValue) throws(NodeOutcomesError) {
        guard case .object(let top) = json else { throw NodeOutcomesError(path: "", message: "expected an object, found \(json.kindDescription)") }
        if let unknown = top.keys.sorted().first(where: { !["node_args", "tasks", "foreach"].contains($0) }) {
            throw NodeOutcomesError(path: unknown, message: "unknown key (expected node_args, tasks, foreach)")
        }
        nodeArguments = top["node_args"] ?? .null
        tasks = [:]
        if let listed = top["tasks"] {
            guard case .object(let byTask) = listed else { throw NodeOutcomesError(path: "tasks", message: "expected an object of task names") }
            for (task, value) in byTask {
                if case .array(let list) = value {
                    guard !list.isEmpty else { throw NodeOutcomesError(path: "tasks.\(task)", message: "an empty list: give at least one outcome") }
                    var outcomes: [Outcome] = []
                    for (position, element) in list.enumerated() { outcomes.append(try Self.outcome(element, path: "tasks.\(task)[\(position)]")) }
                    tasks[task] = outcomes
                } else {
                    tasks[task] = [try Self.outcome(value, path: "tasks.\(task)")]
                }
            }
        }
        foreachItems = [:]
        if let listed = top["foreach"] {
            guard case .object(let byFunction) = listed else { throw NodeOutcomesError(path: "foreach", message: "expected an object keyed by import.function") }
            for (function, value) in byFunction {
                // A function that returns None starts nothing, as an empty list does.
                if value == .null {
                    foreachItems[function] = []
                    continue
                }
                guard case .array(let items) = value else {
                    throw NodeOutcomesError(path: "foreach.\(function)", message: "expected the list of items the function returns")
                }
                foreachItems[function] = items
            }
        }
    }

    /// The outcome of instance `instance` (0 for the first) of `task`.
    public func outcome(of task: String, instance: Int) -> Outcome {
        guard let outcomes = tasks[task] else { return .succeeded(result: .null) }
        return outcomes[min(instance, outcomes.count - 1)]
    }

    private static func outcome(_ value: JSONValue, path: String) throws(NodeOutcomesError) -> Outcome {
        guard case .object(let fields) = value, fields.count == 1 else {
            throw NodeOutcomesError(path: path, message: #"expected {"result": …} or {"fails": true}"#)
        }
        if let result = fields["result"] { return .succeeded(result: result) }
        if fields["fails"] == .bool(true) { return .failed }
        throw NodeOutcomesError(path: path, message: #"expected {"result": …} or {"fails": true}"#)
    }
}

/// An outcomes document that does not fit ``NodeOutcomes``'s JSON form.
public struct NodeOutcomesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending key, dotted (`tasks.Fetch[1]`); empty for the document itself.
    public var path: String
    /// What is wrong with it.
    public var message: String

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension NodeOutcomesError: LocalizedError {
    public var errorDescription: String? { description }
}
