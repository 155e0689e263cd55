import FlowMigration
import FlowStore
import StoreTestSupport
import Synchronization
import Testing

/// A sweep whose count of the flows it had nothing to do for fails — its connection terminated
/// while the batches were written — still returns what it did.
struct SweepCountingTests {
    /// A store that forwards everything to `base` but the counting snapshot a sweep starts
    /// with, which `snapshot` makes (to fail it, or to change rows once it is taken).
    struct SnapshotHook: FlowStateStore {
        let base: any FlowStateStore
        let snapshot: @Sendable (any FlowStateStore) async throws -> Task<FlowCounts, any Error>
        /// Runs before each commit is forwarded (another process's writes in between).
        var beforeCommit: @Sendable ([FlowUpdate]) async throws -> Void = { _ in }

        func prepare(createIfMissing: Bool) async throws(StoreError) { try await base.prepare(createIfMissing: createIfMissing) }
        func insert(_ flows: [NewFlow], existing: ExistingFlows) async throws(StoreError) -> Int {
            try await base.insert(flows, existing: existing)
        }
        func flow(id: String) async throws(StoreError) -> StoredFlow? { try await base.flow(id: id) }
        func save(_ update: FlowUpdate) async throws(StoreError) -> Int? { try await base.save(update) }
        func remove(id: String, expectedRevision: Int) async throws(StoreError) -> Bool {
            try await base.remove(id: id, expectedRevision: expectedRevision)
        }
        func pending(belowVersion version: Int, after cursor: String?, limit: Int) async throws(StoreError) -> PendingFlows {
            try await base.pending(belowVersion: version, after: cursor, limit: limit)
        }
        func commit(_ updates: [FlowUpdate], events: [MigrationEvent]) async throws(StoreError) -> [String] {
            do { try await beforeCommit(updates) } catch { throw StoreError(.database, "\(error)") }
            return try await base.commit(updates, events: events)
        }
        func flows(aboveVersion version: Int, limit: Int) async throws(StoreError) -> [StoredFlow] {
            try await base.flows(aboveVersion: version, limit: limit)
        }
        nonisolated(nonsending) func forEachFlow(pageSize: Int, _ page: @escaping ([StoredFlow]) async throws -> Void) async throws {
            try await base.forEachFlow(pageSize: pageSize, page)
        }
        func statusCounts() async throws(StoreError) -> FlowCounts { try await base.statusCounts() }
        func statusCountsSnapshot() async throws(StoreError) -> Task<FlowCounts, any Error> {
            do { return try await snapshot(base) } catch { throw StoreError(.database, "\(error)") }
        }
        func events(flowID: String) async throws(StoreError) -> [MigrationEvent] { try await base.events(flowID: flowID) }
        func close() async { await base.close() }
    }

    /// Rows changed by hand before the count and after it are each reported once, as invalid —
    /// those changed after it are not also "changed by another process".
    @Test func rowsDamagedBeforeAndAfterTheCountAreCountedOnce() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            try await store.insert(try StoreContract.newFlows(InflightFlows.messages(count: 100)))
            try await test.execute("UPDATE flows SET status = 'weird' WHERE flow_id IN ('flow-0000010', 'flow-0000020', 'flow-0000030')")
            // Changed once the count is taken: the count has them as they were.
            let damaging = SnapshotHook(base: store) { base in
                let counting = try await base.statusCountsSnapshot()
                _ = try await counting.value
                try await test.execute("UPDATE flows SET status = 'weird' WHERE flow_id IN ('flow-0000060', 'flow-0000070')")
                return counting
            }
            let report = try await MigrationSweep(store: damaging, migrator: try StoreContract.migrator(), batchSize: 16).run()
            #expect(report.total(.invalid) == 5, "\(report.counts)")
            #expect(report.changedElsewhere == 0)
            #expect(SweepReport.Outcome.allCases.map(report.total).reduce(0, +) == 100, "\(report.counts)")
            await store.close()
        }
    }

    /// Flows another process brings up to date between this sweep's read of a batch and its
    /// commit (a new worker's dispatcher loading them) were changed elsewhere, not found up to date.
    @Test func flowsMigratedByAnotherProcessMidBatchAreChangedElsewhere() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            try await store.insert(try StoreContract.newFlows(InflightFlows.messages(count: 40)))
            let report = try await Self.sweepWhileAnotherProcessLoadsThreeFlowsOfTheFirstBatch(store)
            #expect(report.changedElsewhere == 3, "\(report.jsonValue)")
            #expect(report.total(.upToDate) == 0, "\(report.counts)")
            #expect(SweepReport.Outcome.allCases.map(report.total).reduce(0, +) + report.changedElsewhere == 40, "\(report.counts)")
            await store.close()
        }
    }

    /// A sweep (batches of 16) during which a dispatcher loads — and so migrates — three flows of
    /// the first batch between its read and its commit.
    private static func sweepWhileAnotherProcessLoadsThreeFlowsOfTheFirstBatch(_ store: any FlowStateStore) async throws -> SweepReport {
        let dispatcher = DispatcherStore(store: store, migrator: try StoreContract.migrator())
        let taken = Mutex(false)
        var hook = SnapshotHook(base: store) { try await $0.statusCountsSnapshot() }
        hook.beforeCommit = { updates in
            guard !taken.withLock({ done in defer { done = true }; return done }) else { return }
            for update in updates.prefix(3) { _ = try await dispatcher.load(flowID: update.id) }
        }
        return try await MigrationSweep(store: hook, migrator: try StoreContract.migrator(), batchSize: 16).run()
    }

    /// A row changed by hand in a batch whose writes conflicted (flows another process migrated
    /// meanwhile) is still reported as invalid when the batch's report is made again after its
    /// conflicts are migrated anew: the totals still account for every flow.
    @Test func aDamagedRowInABatchThatConflictedIsStillInvalid() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            try await store.insert(try StoreContract.newFlows(InflightFlows.messages(count: 40)))
            try await test.execute("UPDATE flows SET status = 'bogus' WHERE flow_id = 'flow-0000005'")
            let report = try await Self.sweepWhileAnotherProcessLoadsThreeFlowsOfTheFirstBatch(store)
            #expect(report.changedElsewhere == 3, "\(report.jsonValue)")
            let invalid = report.examples.values.compactMap { $0[.invalid] }.joined()
            #expect(report.total(.invalid) == 1 && invalid.map(\.flowID) == ["flow-0000005"], "\(report.counts)")
            #expect(invalid.first?.error?.hasPrefix("flow 'flow-0000005' has status 'bogus'") == true, "\(invalid.first?.error ?? "")")
            #expect(SweepReport.Outcome.allCases.map(report.total).reduce(0, +) + report.changedElsewhere == 40, "\(report.counts)")
            await store.close()
        }
    }

    /// A flow another process fails while it sits in a batch stays failed: the sweep, its write
    /// refused, reads the flow again and leaves it alone — no event, not migrated after all.
    @Test func aFlowFailedElsewhereWhileInABatchStaysFailed() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            try await store.insert(try StoreContract.newFlows(InflightFlows.messages(count: 40)))
            let failedElsewhere = Mutex<[String]>([])
            var hook = SnapshotHook(base: store) { try await $0.statusCountsSnapshot() }
            hook.beforeCommit = { updates in
                guard failedElsewhere.withLock({ $0.isEmpty }) else { return }
                let ids = updates.prefix(3).map(\.id)
                failedElsewhere.withLock { $0 = ids }
                for id in ids {
                    let flow = try #require(try await store.flow(id: id))
                    let saved = try await store.save(FlowUpdate(id: id, expectedRevision: flow.revision, message: flow.message,
                                                                migrationVersion: flow.migrationVersion, status: .failed))
                    #expect(saved != nil)
                }
            }
            let report = try await MigrationSweep(store: hook, migrator: try StoreContract.migrator(), batchSize: 16).run()
            let ids = failedElsewhere.withLock { $0 }
            #expect(ids.count == 3)
            for id in ids {
                let flow = try #require(try await store.flow(id: id))
                #expect(flow.status == .failed && flow.migrationVersion == 0, "\(id)")
                #expect(try await store.events(flowID: id).isEmpty, "\(id)")
            }
            #expect(report.changedElsewhere == 3, "\(report.jsonValue)")
            #expect(SweepReport.Outcome.allCases.map(report.total).reduce(0, +) + report.changedElsewhere == 40, "\(report.counts)")
            await store.close()
        }
    }

    /// Batches hold about `batchBytes` of messages: large states (200 KB each) are read a few
    /// per batch, whatever `batchSize`, and the first batch, read before any says how large the
    /// states are, is small; Selinon-sized states go `batchSize` at a time.
    @Test func largeStatesAreReadFewerPerBatch() async throws {
        for (padding, count, expected) in [(200_000, 100, [64, 84, 100]), (0, 1_200, [64, 564, 1_064, 1_200])] {
            try await TestStore.with(.sqlite) { test in
                let store = try await test.open()
                let pad = Array(#"{"padding": ""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: padding) + Array(#"", "#.utf8)
                let messages = try InflightFlows.messages(count: count).map { padding == 0 ? $0 : pad + $0.dropFirst() }
                try await store.insert(try StoreContract.newFlows(messages))
                let progress = ProgressLog()
                _ = try await MigrationSweep(store: store, migrator: try StoreContract.migrator(), batchSize: 500).run(progress: progress.append)
                var steps = progress.steps.map(\.processed)
                if steps.count > 1 && steps[steps.count - 1] == steps[steps.count - 2] { steps.removeLast() }
                #expect(steps == expected, "\(padding)-byte padding")
                await store.close()
            }
        }
    }

    /// A count that finds the store damaged (a page SQLite cannot read) stops the sweep before
    /// its next write: nothing more goes into a damaged database.
    @Test func aCountThatFindsTheStoreDamagedStopsTheWrites() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            try await store.insert(try StoreContract.newFlows(InflightFlows.messages(count: 120)))
            let commits = Mutex(0)
            let damage = StoreError(.damaged, "the SQLite store is damaged (database disk image is malformed)")
            var damaged = SnapshotHook(base: store) { _ in Task { throw damage } }
            // (A first batch may be on its way before the failed count is seen: it waits here a little.)
            damaged.beforeCommit = { _ in
                commits.withLock { $0 += 1 }
                try await Task.sleep(for: .milliseconds(100))
            }
            let sweep = MigrationSweep(store: damaged, migrator: try StoreContract.migrator(), batchSize: 16)
            let error = await #expect(throws: StoreError.self) { try await sweep.run() }
            #expect(error?.kind == .damaged && error?.message == damage.message, "\(String(describing: error))")
            #expect(commits.withLock { $0 } <= 1, "at most the batch already on its way")
            #expect(error?.completedSweep?.jsonValue["stopped_by"] == .string(damage.message))
            await store.close()
        }
    }

    @Test func theWorkDoneIsReportedWhenTheCountFails() async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            let messages = try InflightFlows.messages(count: 120)
            try await store.insert(try StoreContract.newFlows(messages))
            // Counting fails once started, as when the server ends its connection.
            let failing = SnapshotHook(base: store) { _ in Task { throw StoreError(.unavailable, "terminating connection due to administrator command") } }
            let sweep = MigrationSweep(store: failing, migrator: try StoreContract.migrator(), batchSize: 16)
            let report = try await sweep.run()
            #expect(report.countingError == "terminating connection due to administrator command")
            let done = SweepReport.Outcome.allCases.filter { [.migrated, .retry, .fail].contains($0) }.reduce(0) { $0 + report.total($1) }
            #expect(done > 0)
            #expect(report.jsonValue["counting_error"] == .string("terminating connection due to administrator command"))
            #expect(report.jsonValue["not_counted"] == .array([.string("up_to_date"), .string("already_failed"), .string("skew")]))
            // Everything was committed: a second sweep finds nothing to do.
            let again = try await MigrationSweep(store: store, migrator: try StoreContract.migrator(), batchSize: 16).run()
            #expect(again.total(.migrated) + again.total(.retry) + again.total(.fail) == 0)
            #expect(again.countingError == nil)
            await store.close()
        }
    }
}
