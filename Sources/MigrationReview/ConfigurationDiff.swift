import FlowConfig
import FlowMigration
import MigrationGenerator

/// The structural change between two configurations, for people: flows and tasks added or
/// removed, and per flow its edges (added, removed, renumbered, changed), failures and options —
/// each flow saying whether it needs a migration. Compares the loaded model, not the text:
/// reformatting, comments, key order and anchors that expand to the same thing are no change.
public struct ConfigurationDiff: Sendable, Equatable {
    /// One flow present in both configurations that changed.
    public struct FlowDiff: Sendable, Equatable {
        public var flow: String
        /// Edges that are not simply kept, as a review shows them.
        public var edges: [EdgeRow]
        /// Failure entries (`nodes` → fallback) added, removed or changed, in words.
        public var failures: [String]
        /// Flow options that changed: `max_retry: 1 → 3`, ….
        public var options: [String]
        /// Whether in-flight flows need a migration for this change (edge indices moved, edges
        /// removed or added with sources).
        public var needsMigration: Bool
    }

    public var flowsAdded: [String]
    public var flowsRemoved: [String]
    public var tasksAdded: [String]
    public var tasksRemoved: [String]
    /// Tasks present in both whose definition changed: `Fetch: queue 'a' → 'b'`.
    public var tasksChanged: [String]
    public var flows: [FlowDiff]
    /// What `generate` would warn about.
    public var warnings: [String]

    /// Whether `generate` would write a migration (for a changed flow, or a flow removed or
    /// renamed: their in-flight flows fail).
    public var needsMigration: Bool
    /// Whether the configurations differ at all (structurally), with nothing to warn about.
    public var isEmpty: Bool {
        flowsAdded.isEmpty && flowsRemoved.isEmpty && tasksAdded.isEmpty && tasksRemoved.isEmpty && tasksChanged.isEmpty && flows.isEmpty
            && warnings.isEmpty
    }

    public init(from old: Configuration, to new: Configuration) {
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let review = MigrationReviewer.review(version: 0, migration: plan.migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new), oldConfiguration: old)
        flowsAdded = plan.addedFlows
        flowsRemoved = plan.removedFlows
        let oldTasks = Dictionary(old.tasks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newTasks = Dictionary(new.tasks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        tasksAdded = newTasks.keys.filter { oldTasks[$0] == nil }.sorted()
        tasksRemoved = oldTasks.keys.filter { newTasks[$0] == nil }.sorted()
        tasksChanged = oldTasks.keys.sorted().compactMap { name in
            guard let before = oldTasks[name], let after = newTasks[name] else { return nil }
            let changes = Self.taskChanges(before, after)
            return changes.isEmpty ? nil : "\(name): " + changes.joined(separator: ", ")
        }
        warnings = plan.warnings.map(\.message)
        needsMigration = plan.isNeeded

        var flows: [FlowDiff] = []
        for name in Set(old.flows.keys).intersection(new.flows.keys).sorted() {
            let before = old.flows[name]!, after = new.flows[name]!
            var edges: [EdgeRow]
            if let reviewed = review.flows.first(where: { $0.flow == name }) {
                edges = reviewed.rows.filter { $0.change != .kept }
            } else {
                // No migration: the edges kept their places; only conditions or foreach can
                // differ, and starting edges can be appended.
                edges = zip(before.edges, after.edges).compactMap { pair in
                    let (was, now) = (ReviewedEdge(pair.0), ReviewedEdge(pair.1))
                    return was.isSameEdge(as: now) ? nil : EdgeRow(change: .changed, oldIndex: pair.0.index, newIndex: pair.1.index, old: was, new: now)
                }
                edges += after.edges.dropFirst(before.edges.count).map {
                    EdgeRow(change: .added, oldIndex: nil, newIndex: $0.index, old: nil, new: ReviewedEdge($0))
                }
            }
            // A paired edge whose condition or foreach changed shows as changed even when renumbered.
            edges = edges.map { row in
                guard row.change == .renumbered, let was = row.old, let now = row.new, !was.isSameEdge(as: now) else { return row }
                var changed = row
                changed.change = .changed
                return changed
            }
            let failures = Self.failureChanges(before.failures, after.failures)
            let options = Self.optionChanges(before, after)
            guard !edges.isEmpty || !failures.isEmpty || !options.isEmpty else { continue }
            flows.append(FlowDiff(flow: name, edges: edges, failures: failures, options: options,
                                  needsMigration: plan.migration.flows[name] != nil))
        }
        self.flows = flows
    }

    // MARK: - Comparisons without source locations

    private static func failureChanges(_ old: [FailureDefinition], _ new: [FailureDefinition]) -> [String] {
        func key(_ failure: FailureDefinition) -> [String] { failure.nodes.sorted() }
        func describe(_ failure: FailureDefinition) -> String {
            let fallback: String
            switch failure.fallback {
            case .handled: fallback = "true"
            case .nodes(let nodes): fallback = "[\(nodes.joined(separator: ", "))]"
            }
            let condition = failure.conditionValue.map { " if " + ConditionText.describe($0.jsonValue) } ?? ""
            return "fallback \(fallback)\(condition)\(failure.propagateFailure ? ", propagate_failure" : "")"
        }
        var changes: [String] = []
        let oldByNodes = Dictionary(old.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let newByNodes = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        for nodes in Set(oldByNodes.keys).union(newByNodes.keys).sorted(by: { $0.joined(separator: ",") < $1.joined(separator: ",") }) {
            let label = "failure of [\(nodes.joined(separator: ", "))]"
            switch (oldByNodes[nodes], newByNodes[nodes]) {
            case (nil, let added?): changes.append("\(label) added: \(describe(added))")
            case (let removed?, nil): changes.append("\(label) removed (was \(describe(removed)))")
            case (let before?, let after?) where describe(before) != describe(after):
                changes.append("\(label): \(describe(before)) → \(describe(after))")
            default: break
            }
        }
        // Values from the configuration may hold anything: shown escaped, on one line.
        return changes.map { ConfigDiagnostic.printable($0, limit: .max) }
    }

    private static func optionChanges(_ old: FlowDefinition, _ new: FlowDefinition) -> [String] {
        var changes: [String] = []
        func compare<T: Equatable>(_ name: String, _ before: T, _ after: T, _ show: (T) -> String = { "\($0)" }) {
            if before != after { changes.append("\(name): \(show(before)) → \(show(after))") }
        }
        compare("nowait", old.nowait.sorted(), new.nowait.sorted()) { "[\($0.joined(separator: ", "))]" }
        compare("eager_failures", old.eagerFailures.sorted(), new.eagerFailures.sorted()) { "[\($0.joined(separator: ", "))]" }
        compare("node_args_from_first", old.nodeArgsFromFirst, new.nodeArgsFromFirst)
        for (name, option) in Self.propagationOptions {
            compare(name, old.propagation[keyPath: option], new.propagation[keyPath: option], Self.describe)
        }
        compare("queue", old.queue, new.queue, ConditionText.pythonRepr)
        compare("max_retry", old.maxRetry, new.maxRetry)
        compare("retry_countdown", old.retryCountdown, new.retryCountdown)
        // Compared as shown (JSON with sorted keys): the order of keys in a mapping is no change.
        compare("cache", "\(old.cache.name) from \(old.cache.importPath) \(Self.describe(old.cache.configuration))",
                "\(new.cache.name) from \(new.cache.importPath) \(Self.describe(new.cache.configuration))") { $0 }
        compare("sampling", "\(Self.describe(old.sampling.function)) \(Self.describe(old.sampling.arguments))",
                "\(Self.describe(new.sampling.function)) \(Self.describe(new.sampling.arguments))") { $0 }
        compare("throttling", old.throttling, new.throttling, Self.describe)
        // Values from the configuration may hold anything: shown escaped, on one line.
        return changes.map { ConfigDiagnostic.printable($0, limit: .max) }
    }

    private static func taskChanges(_ old: TaskDefinition, _ new: TaskDefinition) -> [String] {
        var changes: [String] = []
        func compare<T: Equatable>(_ name: String, _ before: T, _ after: T) {
            if before != after { changes.append("\(name) \(String(describing: before)) → \(String(describing: after))") }
        }
        // Text values as Python's repr, as conditions show them: a value cannot pass for "none"
        // (no value), nor spell out further changes.
        func compareText(_ name: String, _ before: String?, _ after: String?) {
            // By code point, as Python compares them (`==` equates canonically equivalent text).
            if before.map({ Array($0.unicodeScalars) }) != after.map({ Array($0.unicodeScalars) }) {
                changes.append("\(name) \(before.map(ConditionText.pythonRepr) ?? "none") → \(after.map(ConditionText.pythonRepr) ?? "none")"
                    + (before == after ? " (the same letters, encoded otherwise: an accent as one code point or as a combining mark)" : ""))
            }
        }
        compareText("import", old.importPath, new.importPath)
        compareText("classname", old.className, new.className)
        compareText("storage", old.storage, new.storage)
        compare("storage_readonly", old.storageReadOnly, new.storageReadOnly)
        compareText("storage_task_name", old.storageTaskName, new.storageTaskName)
        compareText("output_schema", old.outputSchema, new.outputSchema)
        compare("max_retry", old.maxRetry, new.maxRetry)
        compare("retry_countdown", old.retryCountdown, new.retryCountdown)
        compareText("queue", old.queue, new.queue)
        if old.throttling != new.throttling {
            changes.append("throttling \(describe(old.throttling)) → \(describe(new.throttling))")
        }
        if old.selectiveRunFunction != new.selectiveRunFunction {
            changes.append("selective_run_function \(describe(old.selectiveRunFunction)) → \(describe(new.selectiveRunFunction))")
        }
        // Values from the configuration may hold anything: shown escaped, on one line.
        return changes.map { ConfigDiagnostic.printable($0, limit: .max) }
    }

    // MARK: - Option values as the YAML spells them

    /// The seven `propagate_*` options, by their YAML names.
    private static var propagationOptions: [(String, KeyPath<PropagationSettings, Propagation>)] {
        [("propagate_node_args", \.nodeArgs), ("propagate_parent", \.parent), ("propagate_parent_failures", \.parentFailures),
         ("propagate_finished", \.finished), ("propagate_compound_finished", \.compoundFinished),
         ("propagate_failures", \.failures), ("propagate_compound_failures", \.compoundFailures)]
    }

    private static func describe(_ propagation: Propagation) -> String {
        switch propagation {
        case .disabled: return "false"
        case .allSubflows: return "true"
        case .subflows(let flows): return "[\(flows.joined(separator: ", "))]"
        }
    }

    private static func describe(_ throttling: Throttling?) -> String {
        guard let seconds = throttling?.seconds else { return "none" }
        return seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    private static func describe(_ function: FunctionReference) -> String {
        "\(function.name) from \(function.importPath)"
    }

    private static func describe(_ value: ConfigValue) -> String {
        String(decoding: JSONWriter.compact(value.jsonValue), as: UTF8.self)
    }
}
