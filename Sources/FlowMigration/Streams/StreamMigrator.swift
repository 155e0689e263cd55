import Foundation

/// Migrates dispatcher messages given as JSON text — one per line of a JSON-lines stream — at
/// byte level: only the edge lists, the version and (for a restart) the state are rewritten;
/// every other byte of the line is kept as it was. Same rules and outcomes as ``Migrator``,
/// through the same core.
public struct StreamMigrator: Sendable {
    /// The rules, chain and policy each line is migrated with.
    public let migrator: Migrator

    /// A stream migrator with the rules, chain and policy of `migrator`.
    public init(migrator: Migrator) {
        self.migrator = migrator
    }

    /// Migrates one message (a line without its newline: `[UInt8]`, `Data`, …), appending the resulting line to
    /// `output`: the migrated or restarted message, or the line unchanged (up to date, fail,
    /// skew, invalid). A blank line holds no message and comes back `invalid`: readers of JSON
    /// lines skip blank lines before they get here, as `apply --input` and `import` do.
    public func migrate(line: some ContiguousBytes, into output: inout [UInt8]) -> LineReport {
        line.withUnsafeBytes { bytes in migrate(line: bytes.assumingMemoryBound(to: UInt8.self), into: &output) }
    }

    /// Migrates one message, as above, from bytes in memory the caller holds (a line of a larger
    /// buffer), without a copy.
    public func migrate(line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> LineReport {
        let scan: DispatcherLineScanner.Scan
        do {
            scan = try DispatcherLineScanner.scan(line)
        } catch {
            output.append(contentsOf: line)
            // The report names the flow when the line is JSON with a readable flow_name (rare lines: parsed again whole).
            let flowName = (try? JSONParser().parse(Array(line)))?["flow_name"]?.stringValue
            return LineReport(flowName: flowName, outcome: .invalid, fromVersion: nil, toVersion: nil, taints: [], error: error)
        }
        let chain = migrator.chain
        let latest = chain.latestVersion
        let version = scan.version ?? 0
        let flowName = scan.flowName!
        var report = LineReport(flowName: flowName, outcome: .upToDate, fromVersion: version, toVersion: version, taints: [], error: nil)
        report.dispatcherIDSpan = scan.dispatcherIDSpan
        var edits = Splice(line: line)

        if version > latest {
            output.append(contentsOf: line)
            report.outcome = .skew
            return report
        }
        // A line `export` wrote for a flow a store had failed: its last state is kept as it was, as the store keeps it.
        if scan.storeStatus == Self.failedStoreStatus {
            output.append(contentsOf: line)
            report.outcome = .alreadyFailed
            return report
        }
        // A flow not started yet, of a flow a migration removed: new workers cannot start it.
        if !scan.hasState, let removal = chain.removalBlockingNewRun(of: flowName, after: version) {
            output.append(contentsOf: line)
            report.outcome = .fail
            report.toVersion = latest
            report.taints = [Taint(version: removal, reason: .flowRemoved(flow: flowName), strategy: .fail)]
            return report
        }
        // A new run (no state, version 0) is of a flow of the newest configuration; anything else, of its version's.
        if let unknown = chain.unknownFlowError(flowName, atVersion: !scan.hasState && version == 0 ? latest : version) {
            output.append(contentsOf: line)
            report.outcome = .invalid
            report.error = unknown
            return report
        }
        guard scan.hasState else {
            if version != latest {
                // A new run (version 0) is written for the newest configuration; a restarted one names
                // its selective run's edges as its version numbers them, and is translated like a state.
                if !scan.subsets.isEmpty {
                    if let error = chain.edgeIndexError(flow: flowName, waiting: [], triggered: [], selectiveSubsets: Self.subsetIndices(scan),
                                                         atVersion: version > 0 ? version : latest) {
                        output.append(contentsOf: line)
                        report.outcome = .invalid
                        report.error = error
                        return report
                    }
                }
                if version > 0, !scan.subsets.isEmpty {
                    let result = MigrationCore.run(MigrationCore.Input(flowName: flowName, version: version, waiting: [], triggered: [],
                                                                       activeNames: [], finishedNames: [], selectiveSubsets: Self.tagged(scan)),
                                                   chain: chain, policy: migrator.policy)
                    if let conflict = result.conflict {
                        output.append(contentsOf: line)
                        report.outcome = .invalid
                        report.error = conflict
                        return report
                    }
                    // With nothing run yet, the only taint is a removal its subset cannot outlive.
                    if !result.taints.isEmpty {
                        output.append(contentsOf: line)
                        report.outcome = .fail
                        report.toVersion = latest
                        report.taints = result.taints
                        return report
                    }
                    if result.selectiveChanged, let span = scan.subsetsSpan {
                        edits.replace(span, with: Splice.subsets(result.selectiveSubsets, original: scan.subsets, line: line))
                    }
                }
                edits.setVersion(latest, scan: scan)
                report.outcome = .migrated
                report.toVersion = latest
            }
            edits.write(into: &output)
            return report
        }
        if let error = chain.edgeIndexError(flow: flowName, waiting: scan.waiting, triggered: scan.triggered,
                                             selectiveSubsets: scan.subsets.isEmpty ? [:] : Self.subsetIndices(scan),  // most messages have none
                                             atVersion: version) {
            output.append(contentsOf: line)
            report.outcome = .invalid
            report.error = error
            return report
        }
        guard version < latest else {
            output.append(contentsOf: line)
            return report
        }

        let input = MigrationCore.Input(flowName: flowName, version: version, waiting: scan.waiting, triggered: scan.triggered,
                                        activeNames: scan.activeNames, finishedNames: scan.finishedNames, selectiveSubsets: Self.tagged(scan))
        let result = MigrationCore.run(input, chain: chain, policy: migrator.policy)
        if let conflict = result.conflict {
            output.append(contentsOf: line)
            report.outcome = .invalid
            report.error = conflict
            return report
        }
        report.taints = result.taints
        report.toVersion = latest
        switch result.taints.map(\.strategy).max() ?? .ignore {
        case .fail:
            report.outcome = .fail
            output.append(contentsOf: line)
            return report
        case .retry:
            report.outcome = .retry
            edits.replace(scan.stateSpan!, with: Array("null".utf8))
            if let retry = scan.retrySpan { edits.replace(retry, with: Array("null".utf8)) }
            if result.selectiveChanged, let span = scan.subsetsSpan {
                edits.replace(span, with: Splice.subsets(result.selectiveSubsets, original: scan.subsets, line: line))
            }
            edits.setVersion(latest, scan: scan)
        case .ignore:
            report.outcome = .migrated
            if let span = scan.waitingSpan {
                edits.replace(span, with: Splice.list(result.waiting))
            } else if !result.waiting.isEmpty, let state = scan.stateSpan {
                edits.insertMember("waiting_edges", Splice.list(result.waiting), intoObject: state)
            }
            if let span = scan.triggeredSpan { edits.replace(span, with: Splice.list(result.triggered)) }
            if result.selectiveChanged, let span = scan.subsetsSpan {
                edits.replace(span, with: Splice.subsets(result.selectiveSubsets, original: scan.subsets, line: line))
            }
            edits.setVersion(latest, scan: scan)
        }
        edits.write(into: &output)
        return report
    }

    /// The ``DispatcherMessageHeader/storeStatusKey`` of a flow a store marked failed.
    public static let failedStoreStatus = "failed"

    /// The edge indices of the line's selective subsets, by flow (the last of a flow named twice).
    private static func subsetIndices(_ scan: DispatcherLineScanner.Scan) -> [String: [Int]] {
        Dictionary(scan.subsets.map { ($0.flow, $0.edges.map(\.index).sorted()) }, uniquingKeysWith: { _, last in last })
    }

    /// The line's selective subsets for ``MigrationCore``, each edge tagged with its position in
    /// the scan, where `Splice.subsets` finds its value again.
    private static func tagged(_ scan: DispatcherLineScanner.Scan) -> [String: [MigrationCore.SelectiveEdge]] {
        var subsets: [String: [MigrationCore.SelectiveEdge]] = [:]
        for (flow, edges) in scan.subsets {
            subsets[flow] = edges.enumerated().map { MigrationCore.SelectiveEdge(index: $0.element.index, tag: $0.offset) }
        }
        return subsets
    }
}

/// What happened to one line of a stream.
public struct LineReport: Sendable {
    /// The line's outcome; `invalid` when it could not be read.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Already at the latest version: copied unchanged.
        case upToDate = "up_to_date"
        /// Brought to the latest version: edge lists, selective run and version rewritten (IGNORE
        /// taints, if any, are in ``LineReport/taints``).
        case migrated
        /// A RETRY taint: `state` (and `retry`) set to null and the version to the latest, so that a
        /// dispatcher starts the flow again from scratch.
        case retry
        /// A FAIL taint (or a flow the migrations removed): copied unchanged; the flow must be failed.
        case fail
        /// Newer than the migrations known here: copied unchanged, for a newer deployment.
        case skew
        /// Not a dispatcher message, or one that does not fit its flow at its version
        /// (``LineReport/error`` says why): copied unchanged.
        case invalid
        /// A line `export` wrote for a flow its store had marked failed (`"selinon_migrate_status":
        /// "failed"`): copied unchanged, as the store leaves such a flow.
        case alreadyFailed = "already_failed"
    }

    /// The line's `flow_name`, when it could be read.
    public var flowName: String?
    /// What was done to the line (the report's `outcome`).
    public var outcome: Outcome
    /// The version the line had (0 for a state without one), when it could be read.
    public var fromVersion: Int?
    /// The version the line has now; for `fail`, the version whose migrations failed the flow.
    public var toVersion: Int?
    /// Every taint the chain found for the line, whatever its strategy (IGNORE ones included).
    public var taints: [Taint]
    /// Why an `invalid` line is not a message this migrator can take.
    public var error: StateError?
    /// Where the value of the line's `dispatcher_id` is, when the line could be read and has one
    /// (stores compare it with the row's id).
    package var dispatcherIDSpan: Range<Int>?

    /// The report line for `line` (1-based) as JSON: `line`, `flow_name`, `outcome`,
    /// `from_version`, `to_version`, `tainted`, `taints` and, for invalid lines, `error`.
    public func jsonValue(line: Int) -> JSONValue {
        var members: [String: JSONValue] = [
            "line": .number(JSONNumber(line)),
            "flow_name": flowName.map(JSONValue.string) ?? .null,
            "outcome": .string(outcome.rawValue),
            "from_version": fromVersion.map { .number(JSONNumber($0)) } ?? .null,
            "to_version": toVersion.map { .number(JSONNumber($0)) } ?? .null,
            "tainted": .bool(!taints.isEmpty),
            "taints": .array(taints.map(\.jsonValue)),
        ]
        if let error { members["error"] = .string(error.message) }
        return .object(members)
    }
}

extension Taint {
    /// A taint in reports: `version`, `kind` (`edge`, `nodes` or `flow-removed`), the edge
    /// index, the edge's `from`/`to` or the finished `nodes`, and the `strategy` that applied.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["version": .number(JSONNumber(version)), "strategy": .string(strategy.rawValue)]
        switch reason {
        case .firedRemovedEdge(let index, let edge):
            members["kind"] = .string("edge")
            members["edge"] = .number(JSONNumber(index))
            members["from"] = .array(edge.from.map(JSONValue.string))
            members["to"] = .array(edge.to.map(JSONValue.string))
        case .sourcesAlreadyFinished(let index, let nodes):
            members["kind"] = .string("nodes")
            members["edge"] = .number(JSONNumber(index))
            members["nodes"] = .array(nodes.map(JSONValue.string))
        case .flowRemoved(let flow):
            members["kind"] = .string("flow-removed")
            members["flow"] = .string(flow)
        }
        return .object(members)
    }
}

/// Printed (and logged) as its report JSON (``Taint/jsonValue``).
extension Taint: CustomStringConvertible {
    public var description: String { jsonValue.description }
}

/// Replacements of byte ranges of one line, applied in order.
private struct Splice {
    let line: UnsafeBufferPointer<UInt8>
    private var edits: [(range: Range<Int>, bytes: [UInt8])] = []

    init(line: UnsafeBufferPointer<UInt8>) {
        self.line = line
        // A migrated message has up to four edits: both edge lists, the version and the selective subsets.
        edits.reserveCapacity(4)
    }

    mutating func replace(_ range: Range<Int>, with bytes: [UInt8]) {
        edits.append((range, bytes))
    }

    /// Adds `"key": value` as the last member of the object spanning `object`.
    mutating func insertMember(_ key: String, _ value: [UInt8], intoObject object: Range<Int>) {
        var inner = object.lowerBound + 1
        while inner < object.upperBound - 1, line[inner] == 0x20 || line[inner] == 0x0A || line[inner] == 0x0D || line[inner] == 0x09 {
            inner += 1
        }
        let isEmpty = inner == object.upperBound - 1
        let text = (isEmpty ? "" : ", ") + "\"\(key)\": "
        edits.append((object.upperBound - 1..<object.upperBound - 1, Array(text.utf8) + value))
    }

    /// Sets `migration_version`, replacing its value or adding the key.
    mutating func setVersion(_ version: Int, scan: DispatcherLineScanner.Scan) {
        var value: [UInt8] = []
        value.reserveCapacity(20)
        Self.appendDecimal(version, to: &value)
        if let span = scan.versionSpan {
            replace(span, with: value)
        } else {
            insertMember("migration_version", value, intoObject: scan.objectSpan)
        }
    }

    func write(into output: inout [UInt8]) {
        var position = 0
        for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: line[position..<edit.range.lowerBound]))
            output.append(contentsOf: edit.bytes)
            position = edit.range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: line[position...]))
    }

    /// `[1, 2, 3]`, spaced as Python's `json.dumps` spaces lists.
    static func list(_ edges: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + edges.count * 5)
        bytes.append(UInt8(ascii: "["))
        for (position, edge) in edges.enumerated() {
            if position > 0 {
                bytes.append(UInt8(ascii: ","))
                bytes.append(UInt8(ascii: " "))
            }
            appendDecimal(edge, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    /// Appends an integer's decimal digits (edge indices and versions), without a `String`.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        var rest = magnitude
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// The rewritten `waiting_edges_subset` object: translated edge indices, each with the
    /// bytes of its original value.
    static func subsets(_ subsets: [String: [MigrationCore.SelectiveEdge]],
                        original: [(flow: String, edges: [(index: Int, valueSpan: Range<Int>)])],
                        line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (position, entry) in original.enumerated() {
            if position > 0 { bytes += Array(", ".utf8) }
            JSONWriter.writeString(entry.flow, into: &bytes)
            bytes += Array(": {".utf8)
            for (edgePosition, edge) in (subsets[entry.flow] ?? []).enumerated() {
                if edgePosition > 0 { bytes += Array(", ".utf8) }
                bytes += Array("\"\(edge.index)\": ".utf8)
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[entry.edges[edge.tag].valueSpan]))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
