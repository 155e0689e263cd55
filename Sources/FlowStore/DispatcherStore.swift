import FlowMigration
import Foundation

/// What a Swift dispatcher uses to keep its flows in a store: `load` migrates on read, as
/// Selinon's dispatcher does when it wakes up, and records the migration; `save` writes only if
/// nobody changed the flow since it was loaded (compare-and-swap), so a concurrent change —
/// another dispatcher, an `apply` sweep — is never overwritten.
public struct DispatcherStore: Sendable {
    /// A flow as `load` returns it, with what migrating it did.
    public struct LoadedFlow: Sendable, Equatable {
        /// The record as stored now (after the migration, if there was one).
        public var flow: StoredFlow
        /// `up_to_date`, `migrated`, `retry` (the state was reset: restart the flow — said of
        /// every load of a flow whose status is `retry_requested`, not only of the load that
        /// reset it: `apply` resets flows too, and a dispatcher may stop before it restarts
        /// one), `fail` (fail the flow), `already_failed` (a migration failed it before: it
        /// stays as it was) or `skew` (the state is newer than this worker's migrations: leave
        /// it to a newer worker). Never `invalid`: `load` throws ``StoreError`` `invalidState`
        /// for a state that does not fit its flow.
        public var outcome: LineReport.Outcome
        /// The taints of the migration `load` just wrote (empty when it wrote none).
        public var taints: [Taint]

        /// A loaded flow as `load` gives it — public for tests of code that uses `load`.
        public init(flow: StoredFlow, outcome: LineReport.Outcome, taints: [Taint] = []) {
            self.flow = flow
            self.outcome = outcome
            self.taints = taints
        }
    }

    /// The store the flows live in.
    public let store: any FlowStateStore
    /// The migrations `load` brings each flow up to (the worker's migration directory).
    public let migrator: StreamMigrator
    /// How often `load` reads a flow again when a concurrent write beats its migration (at
    /// least 1: `load` throws `misuse` otherwise).
    public var conflictAttempts = 50

    /// Dispatcher access to `store` (prepared) that migrates with `migrator` on every load.
    public init(store: any FlowStateStore, migrator: StreamMigrator) {
        self.store = store
        self.migrator = migrator
    }

    /// Stores a new flow; its id is the message's `dispatcher_id`.
    /// - Throws: ``StoreError`` `invalidState` for a message without `dispatcher_id`, one whose
    ///   state does not fit its flow at its migration version (an edge the flow does not have
    ///   there: every later ``load(flowID:)`` would refuse it), or one at a migration version
    ///   newer than the migrator's latest (a newer worker's message); `duplicateFlow` when the
    ///   id exists.
    public func create(message: [UInt8]) async throws(StoreError) -> StoredFlow {
        let flow = try NewFlow(message: message)
        var migrated: [UInt8] = []
        let check = migrator.migrate(line: message, into: &migrated)
        switch check.outcome {
        case .invalid:
            throw StoreError(.invalidState, "flow '\(flow.id)': \(check.error?.message ?? "the state cannot be read"); nothing was stored",
                             flowID: flow.id)
        case .skew:
            throw StoreError(.invalidState, newerThanLatest(flow.id, version: flow.migrationVersion), flowID: flow.id)
        default:
            break
        }
        try await store.insert([flow])
        guard let stored = try await store.flow(id: flow.id) else {
            throw StoreError(.conflict, "flow '\(flow.id)' vanished right after it was stored", flowID: flow.id)
        }
        return stored
    }

    /// The flow with `id`, brought up to the latest migration (the migration is written, with
    /// its event, before `load` returns); `nil` when there is no such flow.
    /// - Throws: ``StoreError`` `invalidState` when the stored state does not fit its flow.
    public func load(flowID: String) async throws(StoreError) -> LoadedFlow? {
        try StoreError.checkSize(conflictAttempts, "conflictAttempts")
        for _ in 0..<conflictAttempts {
            guard let flow = try await store.flow(id: flowID) else { return nil }
            guard flow.status != .failed else { return LoadedFlow(flow: flow, outcome: .alreadyFailed, taints: []) }
            let migration = RecordMigration(flow, migrator: migrator, now: Date())
            if migration.report.outcome == .invalid {
                throw StoreError(.invalidState, "flow '\(flowID)': \(migration.report.error?.message ?? "the state cannot be read")", flowID: flowID)
            }
            // A flow reset earlier (by `apply`, or a load whose dispatcher stopped before the
            // restart) waits for its restart still: its null state would simply start it.
            func waitingForRestart(_ outcome: LineReport.Outcome, status: FlowStatus) -> LineReport.Outcome {
                status == .retryRequested && (outcome == .upToDate || outcome == .migrated) ? .retry : outcome
            }
            guard let update = migration.update else {
                return LoadedFlow(flow: flow, outcome: waitingForRestart(migration.report.outcome, status: flow.status), taints: [])
            }
            if try await store.commit([update], events: migration.event.map { [$0] } ?? []).isEmpty {
                var migrated = flow
                migrated.message = update.message
                migrated.migrationVersion = update.migrationVersion
                migrated.status = update.status
                migrated.revision += 1
                migrated.updatedAt = Date(timeIntervalSince1970: update.updatedAt.timeIntervalSince1970)  // as the store reads it
                return LoadedFlow(flow: migrated, outcome: waitingForRestart(migration.report.outcome, status: update.status),
                                  taints: migration.report.taints)
            }
        }
        throw StoreError(.conflict, "flow '\(flowID)' kept changing while it was loaded (\(conflictAttempts) attempts)", flowID: flowID)
    }

    /// Removes `flow` (as loaded) once it has ended — finished, or failed for good — so that
    /// sweeps and `status` count only flows in flight; its migration events stay.
    /// - Throws: ``StoreError`` `conflict` when the flow changed (or was removed) since it was
    ///   loaded: load it again and decide again.
    public func finish(_ flow: StoredFlow) async throws(StoreError) {
        guard try await store.remove(id: flow.id, expectedRevision: flow.revision) else {
            throw StoreError(.conflict, "flow '\(flow.id)' changed since it was loaded (revision \(flow.revision)); load it again "
                + "and decide again whether it has ended", flowID: flow.id)
        }
    }

    /// Refuses a message at a migration version this migrator does not know: a newer worker
    /// wrote it (``load(flowID:)`` says `skew`), and only such a worker may run or store it.
    private func newerThanLatest(_ id: String, version: Int) -> String {
        "flow '\(id)': the message is at migration version \(version), newer than this migrator's latest "
            + "(\(migrator.migrator.chain.latestVersion)); nothing was stored: a worker with the newer migrations must handle it"
    }

    /// Writes `message` as the new state of `flow` (as loaded), with `status`.
    /// - Parameter status: the flow's status from now on; by default `running` — except for a
    ///   flow a migration failed, which is not run again unless `status` says so.
    /// - Returns: the record as stored now.
    /// - Throws: ``StoreError`` `conflict` when the flow changed since it was loaded — load it
    ///   again and redo the change; `invalidState` when `message` is not a dispatcher message of
    ///   this flow, or is at an older migration version than the flow as loaded (a message built
    ///   before ``load(flowID:)`` migrated it: saving it would undo the migration) or a newer one
    ///   than the migrator's latest, or when the
    ///   flow is `failed` and no `status` was given (a step run on a state its migration failed).
    public func save(_ flow: StoredFlow, message: [UInt8], status: FlowStatus? = nil) async throws(StoreError) -> StoredFlow {
        if status == nil && flow.status == .failed {
            throw StoreError(.invalidState, "flow '\(flow.id)' failed its migration and stays failed: a dispatcher step must not "
                + "run on its state; to run it again anyway, save it with status: .running", flowID: flow.id)
        }
        let status = status ?? .running
        let header: DispatcherMessageHeader
        do {
            header = try DispatcherMessageHeader(reading: message)
        } catch {
            throw StoreError(.invalidState, "flow '\(flow.id)': \(error.message)", flowID: flow.id)
        }
        guard header.flowName == flow.flowName else {
            throw StoreError(.invalidState, "flow '\(flow.id)' is a '\(flow.flowName)' flow; the message is for '\(header.flowName)'", flowID: flow.id)
        }
        if let id = header.dispatcherID, id.idBytes != flow.id.idBytes {
            throw StoreError(.invalidState, "flow '\(flow.id)': the message's dispatcher_id is '\(id)'", flowID: flow.id)
        }
        try NewFlow.checkStorable(migrationVersion: header.migrationVersion, flowID: flow.id)
        guard header.migrationVersion <= migrator.migrator.chain.latestVersion else {
            throw StoreError(.invalidState, newerThanLatest(flow.id, version: header.migrationVersion), flowID: flow.id)
        }
        guard header.migrationVersion >= flow.migrationVersion else {
            throw StoreError(.invalidState, "flow '\(flow.id)': the message is at migration version \(header.migrationVersion), "
                + "the flow at \(flow.migrationVersion) as loaded; saving it would undo the migration — "
                + "build the new state from the loaded flow's message", flowID: flow.id)
        }
        let update = FlowUpdate(id: flow.id, expectedRevision: flow.revision, message: message,
                                migrationVersion: header.migrationVersion, status: status, updatedAt: Date())
        guard let revision = try await store.save(update) else {
            throw StoreError(.conflict, "flow '\(flow.id)' changed since it was loaded (revision \(flow.revision)); load it again and redo the change", flowID: flow.id)
        }
        var saved = flow
        saved.message = message
        saved.migrationVersion = header.migrationVersion
        saved.status = status
        saved.revision = revision
        saved.updatedAt = Date(timeIntervalSince1970: update.updatedAt.timeIntervalSince1970)
        return saved
    }
}
