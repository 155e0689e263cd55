import FlowMigration
import Foundation

/// Migrating one stored flow: what happened, and the write and event that record it (none
/// when nothing changes: up to date, skew, invalid).
struct RecordMigration: Sendable {
    let report: LineReport
    let update: FlowUpdate?
    let event: MigrationEvent?

    /// Migrates one flow on its own.
    init(_ flow: StoredFlow, migrator: StreamMigrator, now: Date) {
        var taintsText = TaintsText()
        self.init(flow, migrator: migrator, now: now, taintsText: &taintsText)
    }

    /// Migrates one flow of a batch, sharing the text of repeated taints with the others.
    init(_ flow: StoredFlow, migrator: StreamMigrator, now: Date, taintsText: inout TaintsText) {
        var output: [UInt8] = []
        output.reserveCapacity(flow.message.count + 16)
        var line = flow.message.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
        // The store selects flows by its columns and migrates their messages: the two must agree.
        // (A message of another flow than its row's is named as such even when it does not fit
        // the flow it names: that is the first thing to fix.)
        if let mismatch = Self.mismatch(of: flow, with: line) ?? Self.identityMismatch(of: flow, with: line) {
            line.outcome = .invalid
            line.taints = []
            // SQL that selects the row as printed, unless its id holds characters shown escaped.
            let fix = PrintableText.hasInvisibleCharacters(flow.id)
                ? "correct the row (UPDATE its columns or message), or delete it and import its corrected line"
                : "correct the row (UPDATE flows SET … WHERE \(Self.selecting(flow))), or delete it (DELETE FROM flows WHERE "
                    + "\(Self.selecting(flow))) and import its corrected line"
            line.error = StateError(.inconsistentRecord, mismatch + ": the row was changed outside selinon-migrate; \(fix), before it is migrated")
        }
        report = line
        let latest = migrator.migrator.chain.latestVersion
        let status: FlowStatus
        let message: [UInt8]
        let version: Int
        switch report.outcome {
        case .migrated:
            (message, version, status) = (output, latest, flow.status)
        case .retry:
            (message, version, status) = (output, latest, .retryRequested)
        case .fail:
            (message, version, status) = (flow.message, flow.migrationVersion, .failed)
        case .upToDate, .skew, .invalid, .alreadyFailed:
            update = nil
            event = nil
            return
        }
        update = FlowUpdate(id: flow.id, expectedRevision: flow.revision, message: message, migrationVersion: version, status: status,
                            updatedAt: now)
        let strongest = report.taints.map(\.strategy).max()
        event = MigrationEvent(flowID: flow.id, fromVersion: report.fromVersion ?? flow.migrationVersion, toVersion: latest,
                               outcome: report.outcome.rawValue, strategy: strongest?.rawValue,
                               taints: taintsText.json(report.taints), recordedAt: now)
    }

    /// How the `dispatcher_id` of `flow`'s message differs from the row's id, if it does (a
    /// message without one is taken as the row's, as `export` writes it).
    private static func identityMismatch(of flow: StoredFlow, with line: LineReport) -> String? {
        guard let span = line.dispatcherIDSpan, span.upperBound <= flow.message.count else { return nil }
        let value = flow.message[span]
        // The usual spelling: the id between quotes, nothing escaped (compared without a copy:
        // every migrated row passes here).
        if value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\""), value.count >= 2,
           value.dropFirst().dropLast().elementsEqual(flow.id.utf8) {
            return nil
        }
        switch try? JSONParser().parse(Array(value)) {
        case .string(let text)?:
            guard text.idBytes != flow.id.idBytes else { return nil }
            return "flow '\(PrintableText.escaped(flow.id))' has the dispatcher_id '\(PrintableText.escaped(text))' in its message"
        case let other?:
            return "flow '\(PrintableText.escaped(flow.id))' has \(other.kindDescription) as the dispatcher_id of its message"
        case nil:
            return nil
        }
    }

    /// The SQL condition that selects `flow`'s row.
    private static func selecting(_ flow: StoredFlow) -> String { "flow_id = '\(flow.id.replacingOccurrences(of: "'", with: "''"))'" }

    /// How `flow`'s columns disagree with what its message says (`line`), if they do.
    private static func mismatch(of flow: StoredFlow, with line: LineReport) -> String? {
        if line.outcome == .invalid {
            // What could be read of an invalid message: its flow name, if any.
            guard let name = line.flowName, name != flow.flowName else { return nil }
            return "flow '\(PrintableText.escaped(flow.id))' is stored as a '\(PrintableText.escaped(flow.flowName))' flow, and its message is of '\(PrintableText.escaped(name))'"
        }
        if line.outcome == .alreadyFailed {
            return "flow '\(PrintableText.escaped(flow.id))' has \(DispatcherMessageHeader.storeStatusKey) in its stored message (only lines that export writes "
                + "carry it; the store keeps the status in a column)"
        }
        if let name = line.flowName, name != flow.flowName {
            return "flow '\(PrintableText.escaped(flow.id))' is stored as a '\(PrintableText.escaped(flow.flowName))' flow, and its message is of '\(PrintableText.escaped(name))'"
        }
        let version = line.fromVersion ?? 0
        if version != flow.migrationVersion {
            return "flow '\(PrintableText.escaped(flow.id))' is stored at migration version \(flow.migrationVersion), and its message is at \(version)"
        }
        return nil
    }
}

/// The taints of an event as the JSON array `apply` reports. The flows of a batch carry few
/// distinct lists of taints (those of the same migrations), so each list is written once per
/// batch and its text shared.
struct TaintsText {
    /// Everything of a taint that its JSON shows.
    private struct Shown: Hashable {
        var version: Int
        var strategy: String
        var kind: Int
        var index: Int
        var names: [[String]]

        init(_ taint: Taint) {
            version = taint.version
            strategy = taint.strategy.rawValue
            switch taint.reason {
            case .firedRemovedEdge(let edgeIndex, let edge): (kind, index, names) = (0, edgeIndex, [edge.from, edge.to])
            case .sourcesAlreadyFinished(let edgeIndex, let nodes): (kind, index, names) = (1, edgeIndex, [nodes])
            case .flowRemoved(let flow): (kind, index, names) = (2, 0, [[flow]])
            }
        }
    }

    private static let empty = Array("[]".utf8)
    private var written: [[Shown]: [UInt8]] = [:]

    mutating func json(_ taints: [Taint]) -> [UInt8] {
        guard !taints.isEmpty else { return Self.empty }
        let key = taints.map(Shown.init)
        if let text = written[key] { return text }
        let text = JSONWriter.compact(.array(taints.map(\.jsonValue)))
        written[key] = text
        return text
    }
}
