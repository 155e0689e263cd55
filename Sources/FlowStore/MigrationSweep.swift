import FlowMigration
import Foundation
import Synchronization

/// `apply --store`: brings every flow of a store below the latest migration up to it, in
/// batches — one transaction per batch, each row written only if nobody changed it since it was
/// read (a row changed meanwhile is read again and migrated again). Re-running after a crash
/// resumes where the last committed batch ended; running twice changes nothing.
///
/// Rows newer than the migrations known here (skew, written by a newer deployment), failed
/// flows and rows changed by hand (``DamagedFlowRow``: reported as invalid, as one such row
/// must not keep every other flow from its migration) are never touched.
public struct MigrationSweep: Sendable {
    /// How far a sweep is: flows read so far, of the flows below the latest version at the start
    /// (`nil` until they are counted: the count runs alongside the first batches).
    public struct Progress: Sendable, Equatable {
        /// Flows read so far.
        public var processed: Int
        /// Flows below the latest version when the sweep started, once counted.
        public var total: Int?
        /// Of the flows read, those the committed batches changed — migrated, restarted or failed
        /// as the policy took each, each with its event (not the damaged or invalid rows left alone).
        public var changed: Int = 0
    }

    /// The store whose flows are migrated.
    public let store: any FlowStateStore
    /// How each flow's message is migrated (chain and policy).
    public let migrator: StreamMigrator
    /// Flows read and written per transaction at most: fewer in the first batch (64) and when
    /// the states are large (about 4 MiB of messages per batch).
    public var batchSize: Int
    /// Compute the report without writing anything.
    public var dryRun: Bool
    /// How often a flow that keeps changing under the sweep is read again before giving up (at
    /// least 1: ``run(progress:)`` refuses less).
    public var conflictAttempts = 50

    /// - Parameter batchSize: flows per transaction at most (see ``batchSize``), at least 1
    ///   (``run(progress:)`` refuses less).
    public init(store: any FlowStateStore, migrator: StreamMigrator, batchSize: Int = 500, dryRun: Bool = false) {
        self.store = store
        self.migrator = migrator
        self.batchSize = batchSize
        self.dryRun = dryRun
    }

    /// Runs the sweep, calling `progress` after each batch, and once more at the end when the
    /// total was counted only after the last batch (or there was no batch).
    /// - Throws: ``StoreError``; every batch committed before the error stays committed.
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) async throws(StoreError) -> SweepReport {
        try StoreError.checkSize(batchSize, "batchSize")
        try StoreError.checkSize(conflictAttempts, "conflictAttempts")
        let latest = migrator.migrator.chain.latestVersion
        var report = SweepReport(latestVersion: latest, dryRun: dryRun)
        // The counts come from a snapshot taken before the first write, scanned while the
        // first batches are written; until they arrive, progress has no total.
        let counting = try await store.statusCountsSnapshot()
        let pendingTotal = PendingTotal(counting: counting, latestVersion: latest)

        // While one batch is written, the next ones are read and migrated on the other core,
        // up to `prefetchDepth` batches ahead, so that an uneven batch does not stall the writer.
        // Reading the next batch needs only the last id of the one before, so reading and
        // migrating overlap too; each batch's report is counted where it is migrated.
        var processed = 0
        var lastTotal: Int?
        // Per flow name (as reported): damaged rows met, which the counts below leave out.
        var damagedMet: [String: Int] = [:]
        // The first batch small: nothing says yet how large the states are.
        var lastRead = read(after: nil, limit: min(batchSize, Self.firstBatchSize))
        var upcoming = [prepare(lastRead)]
        while upcoming.count < Self.prefetchDepth {
            lastRead = read(following: lastRead)
            upcoming.append(prepare(lastRead))
        }
        do throws(StoreError) {
            while let batch = try await Self.value(of: upcoming.removeFirst()) {
                lastRead = read(following: lastRead)
                upcoming.append(prepare(lastRead))
                var batchReport = batch.report
                if !dryRun {
                    // The count read a page the database says is damaged: no more writes into it.
                    if let damage = pendingTotal.damage { throw damage }
                    let conflicts = Set(try await store.commit(batch.updates, events: batch.events).map(\.idBytes))
                    if !conflicts.isEmpty {
                        var migrations = batch.migrations
                        for (position, flow) in batch.flows.enumerated() where conflicts.contains(flow.id.idBytes) {
                            migrations[position] = try await migrateAgain(flowID: flow.id)
                        }
                        batchReport = Self.report(of: batch.flows, migrations, latestVersion: latest, dryRun: dryRun)
                        for row in batch.damaged { batchReport.record(row) }
                    }
                }
                report.merge(batchReport)
                for row in batch.damaged { damagedMet[row.reportedFlowName, default: 0] += 1 }
                processed += batch.flows.count + batch.damaged.count
                lastTotal = pendingTotal.value.map { max($0, processed) }
                progress(Progress(processed: processed, total: lastTotal, changed: report.changedFlows))
            }
        } catch {
            // Nothing keeps reading after the sweep returns.
            for task in upcoming { _ = try? await task.value }
            _ = try? await counting.value
            // The batches committed before the error stand: their report goes with it.
            var stopped = error
            report.stoppedBy = error.message
            stopped.completedSweep = report
            throw stopped
        }
        for task in upcoming { _ = try? await task.value }

        // The count only adds the flows that needed nothing: when it fails (its connection
        // dropped), the work done stands, and the report says what it could not count.
        let counted: FlowCounts
        do {
            counted = try await counting.value
        } catch {
            report.countingError = (error as? StoreError)?.message ?? "\(error)"
            return report
        }
        let counts = counted.counts, damagedAtStart = counted.damagedPerFlowName
        if lastTotal == nil {
            // The sweep was faster than the count (or had nothing to do): the last step again,
            // with its total.
            progress(Progress(processed: processed, total: max(PendingTotal.pending(in: counts, latestVersion: latest), processed),
                              changed: report.changedFlows))
        }
        // Flows pending at the snapshot that no batch of this sweep met were changed by another
        // process first (another apply, a dispatcher): counted apart, so the totals add up.
        var pendingAtStart: [String: Int] = [:]
        for count in counts where count.migrationVersion < latest && count.status != .failed {
            pendingAtStart[count.flowName, default: 0] += count.count
        }
        for (flowName, pending) in pendingAtStart {
            // Damaged rows are in no count of the snapshot but for those damaged after it was taken.
            let damagedBefore = min(damagedMet[flowName] ?? 0, damagedAtStart[flowName] ?? 0)
            let met = (report.counts[flowName]?.values.reduce(0, +) ?? 0) - damagedBefore
            if pending > met { report.addChangedElsewhere(pending - met) }
        }
        for count in counts {
            if count.migrationVersion > latest {
                report.add(.skew, flowName: count.flowName, count: count.count)
            } else if count.status == .failed {
                report.add(.alreadyFailed, flowName: count.flowName, count: count.count)
            } else if count.migrationVersion == latest {
                report.add(.upToDate, flowName: count.flowName, count: count.count)
            }
        }
        if report.total(.skew) > 0 {
            for flow in try await store.flows(aboveVersion: latest, limit: 1000) {
                report.addExample(.skew, flow: flow, taints: [], error: nil)
            }
        }
        return report
    }

    /// How many flows were below the latest version when the sweep started, once counted; and
    /// the error when counting found the store damaged (a page SQLite cannot read), which stops
    /// the sweep before its next write.
    private final class PendingTotal: Sendable {
        private let total = Mutex<Int?>(nil)
        private let damageFound = Mutex<StoreError?>(nil)

        init(counting: Task<FlowCounts, any Error>, latestVersion: Int) {
            Task { [self] in
                do {
                    let counts = try await counting.value.counts
                    total.withLock { $0 = Self.pending(in: counts, latestVersion: latestVersion) }
                } catch let error as StoreError where error.kind == .damaged {
                    damageFound.withLock { $0 = error }
                } catch {}
            }
        }

        var damage: StoreError? { damageFound.withLock { $0 } }

        static func pending(in counts: [StatusCount], latestVersion: Int) -> Int {
            counts.filter { $0.migrationVersion < latestVersion && $0.status != .failed }.reduce(0) { $0 + $1.count }
        }

        var value: Int? { total.withLock { $0 } }
    }

    /// How many batches are read and migrated ahead of the one being written.
    static let prefetchDepth = 2

    /// About how many bytes of messages a batch after the first holds at most: of large states
    /// (a fan-out flow's, 150 KB each) `batchSize` flows per batch, three batches in memory, came
    /// to three quarters of a gigabyte. A batch reads fewer flows when the one before it says that
    /// they are that large.
    static let batchBytes = 4 << 20

    /// At most this many flows in the first batch, read before any batch says how large the
    /// states are.
    static let firstBatchSize = 64

    /// A batch read and migrated, not yet written.
    private struct PreparedBatch: Sendable {
        var flows: [StoredFlow]
        /// Rows changed by hand, reported as invalid and left alone.
        var damaged: [DamagedFlowRow]
        /// Optional so that a flow migrated again after a conflict can become nil (it vanished).
        var migrations: [RecordMigration?]
        var updates: [FlowUpdate]
        var events: [MigrationEvent]
        /// What the batch does if every write sticks.
        var report: SweepReport
    }

    /// Starts reading the batch after `cursor` (nil: from the start; nil result: no flows left).
    private func read(after cursor: String?, limit: Int? = nil) -> Task<PendingFlows?, any Error> {
        Task {
            let page = try await store.pending(belowVersion: migrator.migrator.chain.latestVersion, after: cursor, limit: limit ?? batchSize)
            // (A first page may hold only rows whose id is not UTF-8 text: nothing to continue after, but named.)
            return page.lastID == nil && page.damaged.isEmpty && page.flows.isEmpty ? nil : page
        }
    }

    /// Starts reading the batch after the one `previous` reads: `batchSize` flows, or fewer when
    /// those of `previous` average more than ``batchBytes`` per batch.
    private func read(following previous: Task<PendingFlows?, any Error>) -> Task<PendingFlows?, any Error> {
        Task {
            guard let before = try await previous.value, let lastID = before.lastID else { return nil }
            let bytes = before.flows.reduce(0) { $0 + $1.message.count }
            let limit = bytes == 0 ? batchSize : max(1, min(batchSize, Self.batchBytes / max(1, bytes / before.flows.count)))
            return try await read(after: lastID, limit: limit).value
        }
    }

    /// Starts migrating the batch `read` reads.
    private func prepare(_ read: Task<PendingFlows?, any Error>) -> Task<PreparedBatch?, any Error> {
        Task {
            guard let page = try await read.value else { return nil }
            let flows = page.flows
            let now = Date()
            var taintsText = TaintsText()
            // Optional from the start: converting a whole batch's array later costs a copy.
            let migrations: [RecordMigration?] = flows.map { RecordMigration($0, migrator: migrator, now: now, taintsText: &taintsText) }
            var report = Self.report(of: flows, migrations, latestVersion: migrator.migrator.chain.latestVersion, dryRun: dryRun)
            for row in page.damaged { report.record(row) }
            return PreparedBatch(flows: flows, damaged: page.damaged, migrations: migrations, updates: migrations.compactMap { $0?.update },
                                 events: migrations.compactMap { $0?.event }, report: report)
        }
    }

    private static func report(of flows: [StoredFlow], _ migrations: [RecordMigration?], latestVersion: Int, dryRun: Bool) -> SweepReport {
        var report = SweepReport(latestVersion: latestVersion, dryRun: dryRun)
        for (flow, migration) in zip(flows, migrations) {
            report.record(migration, flow: flow)
        }
        return report
    }

    private static func value(of task: Task<PreparedBatch?, any Error>) async throws(StoreError) -> PreparedBatch? {
        do {
            return try await task.value
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "reading the next batch failed: \(error)")
        }
    }

    /// Reads a flow that changed under the sweep again and migrates it, until a write sticks.
    private func migrateAgain(flowID: String) async throws(StoreError) -> RecordMigration? {
        for _ in 0..<conflictAttempts {
            guard let flow = try await store.flow(id: flowID), flow.status != .failed else { return nil }
            let migration = RecordMigration(flow, migrator: migrator, now: Date())
            guard let update = migration.update else {
                // Brought up to date (or beyond) by another process while it sat in this batch:
                // its change, counted apart (changed elsewhere), not this sweep's "up to date".
                return [.upToDate, .skew].contains(migration.report.outcome) ? nil : migration
            }
            if try await store.commit([update], events: migration.event.map { [$0] } ?? []).isEmpty { return migration }
        }
        throw StoreError(.conflict, "flow '\(flowID)' kept changing while it was migrated (\(conflictAttempts) attempts); run apply again")
    }
}

/// What a ``MigrationSweep`` found and did: flows per flow name and outcome, and up to five
/// examples (ids with their taints or error) of each outcome that needs attention.
public struct SweepReport: Sendable {
    /// What happened to a flow.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Already at the latest version.
        case upToDate = "up_to_date"
        /// Brought to the latest version (with IGNORE taints, if ``SweepReport/tainted`` counts it).
        case migrated
        /// A RETRY taint: the state was reset, the flow waits for a restart (`retry_requested`).
        case retry
        /// A FAIL taint: the flow is marked `failed`, its last state kept.
        case fail
        /// Newer than the migrations known here; left for a newer deployment.
        case skew
        /// The state does not fit its flow or is not a dispatcher message, or its row was changed
        /// by hand (``DamagedFlowRow``); left untouched.
        case invalid
        /// Failed by an earlier migration; not touched again.
        case alreadyFailed = "already_failed"
    }

    /// One flow shown as an example of an outcome.
    public struct Example: Sendable, Equatable {
        /// The flow's id (its dispatcher id).
        public var flowID: String
        /// `nil` for a damaged row whose version is not a number.
        public var fromVersion: Int?
        /// Its taints (for a tainted outcome).
        public var taints: [Taint]
        /// Why it is invalid (for `invalid`).
        public var error: String?
    }

    /// Examples kept per flow name and outcome.
    public static let examplesPerOutcome = 5

    /// The version the sweep brought flows to.
    public let latestVersion: Int
    /// Whether the sweep only counted what it would do.
    public let dryRun: Bool
    /// Flows per flow name and outcome.
    public private(set) var counts: [String: [Outcome: Int]] = [:]
    /// Migrated flows that carry IGNORE taints, per flow name.
    public private(set) var tainted: [String: Int] = [:]
    /// Examples per flow name and outcome: retry, fail, skew, invalid and tainted migrations.
    public private(set) var examples: [String: [Outcome: [Example]]] = [:]
    /// Flows below the latest version when the sweep began that another process (another
    /// `apply`, a dispatcher) migrated, failed or removed before the sweep reached them; they
    /// are in no other count. Counted per flow name, net of flows created during the sweep that
    /// it reached (those are in the other counts): the snapshot holds counts, not ids.
    public private(set) var changedElsewhere = 0
    /// Why the flows the sweep had nothing to do for (up to date, already failed, newer than the
    /// migrations, changed elsewhere) could not be counted, if they could not: those counts are
    /// then zero, and the migrated, restarted and failed ones are complete all the same.
    public internal(set) var countingError: String?
    /// Why the sweep stopped before the end, when it did (the report then holds the batches it
    /// had committed, and no count of the flows it had nothing to do for).
    public internal(set) var stoppedBy: String?

    init(latestVersion: Int, dryRun: Bool) {
        self.latestVersion = latestVersion
        self.dryRun = dryRun
    }

    /// Flows with `outcome`, all flow names together.
    public func total(_ outcome: Outcome) -> Int {
        counts.values.reduce(0) { $0 + ($1[outcome] ?? 0) }
    }

    /// Flows the sweep changed, each with its event: migrated, restarted or failed by policy.
    public var changedFlows: Int { total(.migrated) + total(.retry) + total(.fail) }

    /// Adds the counts and examples of `other`, a report of later flows.
    mutating func merge(_ other: SweepReport) {
        for (flowName, outcomes) in other.counts {
            for (outcome, count) in outcomes { add(outcome, flowName: flowName, count: count) }
        }
        for (flowName, count) in other.tainted {
            tainted[flowName, default: 0] += count
        }
        for (flowName, outcomes) in other.examples {
            for (outcome, list) in outcomes {
                var merged = examples[flowName, default: [:]][outcome, default: []]
                merged += list.prefix(max(0, Self.examplesPerOutcome - merged.count))
                examples[flowName, default: [:]][outcome] = merged
            }
        }
    }

    mutating func addChangedElsewhere(_ count: Int) {
        changedElsewhere += count
    }

    mutating func add(_ outcome: Outcome, flowName: String, count: Int = 1) {
        counts[flowName, default: [:]][outcome, default: 0] += count
    }

    mutating func addExample(_ outcome: Outcome, flow: StoredFlow, taints: [Taint], error: String?) {
        addExample(outcome, flowName: flow.flowName, Example(flowID: flow.id, fromVersion: flow.migrationVersion, taints: taints, error: error))
    }

    private mutating func addExample(_ outcome: Outcome, flowName: String, _ example: Example) {
        guard examples[flowName]?[outcome]?.count ?? 0 < Self.examplesPerOutcome else { return }
        examples[flowName, default: [:]][outcome, default: []].append(example)
    }

    /// Counts a row changed by hand as invalid, with its error as the example's.
    mutating func record(_ row: DamagedFlowRow) {
        let flowName = row.reportedFlowName
        add(.invalid, flowName: flowName)
        addExample(.invalid, flowName: flowName, Example(flowID: row.flowID, fromVersion: row.migrationVersion, taints: [], error: row.problem))
    }

    /// Counts `migration` of `flow` (nil: the flow vanished, failed or was brought up to date by another process meanwhile).
    mutating func record(_ migration: RecordMigration?, flow: StoredFlow) {
        guard let migration else { return }
        let line = migration.report
        let outcome: Outcome
        switch line.outcome {
        case .upToDate: outcome = .upToDate
        case .migrated: outcome = .migrated
        case .retry: outcome = .retry
        case .fail: outcome = .fail
        case .skew: outcome = .skew
        case .invalid: outcome = .invalid
        case .alreadyFailed: outcome = .alreadyFailed
        }
        add(outcome, flowName: flow.flowName)
        if outcome == .migrated && !line.taints.isEmpty {
            tainted[flow.flowName, default: 0] += 1
        }
        if outcome != .upToDate && (outcome != .migrated || !line.taints.isEmpty) {
            addExample(outcome, flow: flow, taints: line.taints, error: line.error?.message)
        }
    }

    /// The report as JSON: `latest_version`, `dry_run`, `totals` (per outcome), `tainted_flows`
    /// (of the migrated flows, how many carry IGNORE taints: the text table's total `tainted`),
    /// `changed_elsewhere` (see ``changedElsewhere``), `counting_error` (see ``countingError``;
    /// only when there is one), `stopped_by` (see ``stoppedBy``; only when it stopped),
    /// `not_counted` (with either of those two: the outcomes whose totals are 0 because the
    /// snapshot's count never came — `up_to_date`, `already_failed`, `skew`), and `flows`
    /// (per flow name: `counts`, `tainted_flows` — migrated with IGNORE taints; a report line's
    /// `tainted` is whether that one flow was — and `examples` per outcome with `flow_id`,
    /// `from_version` (null for a damaged row whose version is not a number), `taints` and `error`).
    public var jsonValue: JSONValue {
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        var flows: [String: JSONValue] = [:]
        for (flowName, outcomes) in counts {
            var exampleMembers: [String: JSONValue] = [:]
            for (outcome, list) in examples[flowName] ?? [:] {
                exampleMembers[outcome.rawValue] = .array(list.map { example in
                    var members: [String: JSONValue] = [
                        "flow_id": .string(example.flowID), "from_version": example.fromVersion.map(number) ?? .null,
                        "taints": .array(example.taints.map(\.jsonValue)),
                    ]
                    if let error = example.error { members["error"] = .string(error) }
                    return .object(members)
                })
            }
            flows[flowName] = .object([
                "counts": .object(Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, number(outcomes[$0] ?? 0)) })),
                "tainted_flows": number(tainted[flowName] ?? 0),
                "examples": .object(exampleMembers),
            ])
        }
        var members: [String: JSONValue] = [
            "latest_version": number(latestVersion),
            "dry_run": .bool(dryRun),
            "totals": .object(Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, number(total($0))) })),
            "tainted_flows": number(tainted.values.reduce(0, +)),
            "changed_elsewhere": number(changedElsewhere),
            "flows": .object(flows),
        ]
        if let countingError { members["counting_error"] = .string(countingError) }
        if let stoppedBy { members["stopped_by"] = .string(stoppedBy) }
        if countingError != nil || stoppedBy != nil {
            // Their 0s mean "not counted", not "none": a tool that reads only the totals is told.
            members["not_counted"] = .array([Outcome.upToDate, .alreadyFailed, .skew].map { .string($0.rawValue) })
        }
        return .object(members)
    }
}
