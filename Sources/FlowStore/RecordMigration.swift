import FlowMigration
import Foundation

/// Migrating one stored flow: what happened, and the write and event that record it (none
/// when nothing changes: up to date, skew, invalid).
struct RecordMigration: Sendable {
    let report: LineReport
    let update: FlowUpdate?
    let event: MigrationEvent?

    init(_ flow: StoredFlow, migrator: StreamMigrator, now: Date) {
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
                               taints: JSONWriter.compact(.array(report.taints.map(\.jsonValue))), recordedAt: now)
    }
}
