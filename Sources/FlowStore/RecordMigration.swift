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

/// The taints of an event as the JSON array `apply` reports. The flows of a batch mostly carry
/// the same taints (those of the same migration), so the text of the last list is reused.
struct TaintsText {
    private var last: [Taint] = []
    private var lastText = Array("[]".utf8)

    mutating func json(_ taints: [Taint]) -> [UInt8] {
        if taints != last {
            last = taints
            lastText = JSONWriter.compact(.array(taints.map(\.jsonValue)))
        }
        return lastText
    }
}
