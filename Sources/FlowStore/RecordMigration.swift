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
        report = flow.message.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
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
        case .upToDate, .skew, .invalid:
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
