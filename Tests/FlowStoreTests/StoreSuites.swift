import Foundation
import FlowStore
import Logging
import StoreTestSupport
import Testing

/// The store contract on the embedded default.
struct SQLiteStoreTests {
    let contract = StoreContract(backend: .sqlite)

    @Test func schemaIsVersionedAndANewerOneIsRefused() async throws { try await contract.schemaIsVersionedAndANewerOneIsRefused() }
    @Test func aMissingStoreIsNotCreatedByReaders() async throws { try await contract.aMissingStoreIsNotCreatedByReaders() }
    @Test func readersNeedNoWriteAccess() async throws { try await contract.readersNeedNoWriteAccess() }
    @Test func aStoreWithoutItsSchemaVersionIsDamaged() async throws { try await contract.aStoreWithoutItsSchemaVersionIsDamaged() }
    @Test func anotherApplicationsFlowsTableIsNotAStore() async throws { try await contract.anotherApplicationsFlowsTableIsNotAStore() }
    @Test func aColumnDroppedByHandIsNamedAtOpen() async throws { try await contract.aColumnDroppedByHandIsNamedAtOpen() }
    @Test func aTableOrKeyDroppedByHandIsNamedAtOpen() async throws { try await contract.aTableOrKeyDroppedByHandIsNamedAtOpen() }
    @Test func insertIsAllOrNothing() async throws { try await contract.insertIsAllOrNothing() }
    @Test func insertCanSkipIdenticalFlows() async throws { try await contract.insertCanSkipIdenticalFlows() }
    @Test func aFlowGivenTwiceInOneBatchIsRefusedWhenSkippingIdenticalFlows() async throws { try await contract.aFlowGivenTwiceInOneBatchIsRefusedWhenSkippingIdenticalFlows() }
    @Test func concurrentIdenticalImportsBothSucceed() async throws { try await contract.concurrentIdenticalImportsBothSucceed() }
    @Test func writesAreCompareAndSwap() async throws { try await contract.writesAreCompareAndSwap() }
    @Test func everyFlowComesFromOneSnapshot() async throws { try await contract.everyFlowComesFromOneSnapshot() }
    @Test func sweepGivesWhatTheStreamMigratorGives() async throws { try await contract.sweepGivesWhatTheStreamMigratorGives() }
    @Test func flowsAnEarlierSweepFailedAreNotChangedElsewhere() async throws { try await contract.flowsAnEarlierSweepFailedAreNotChangedElsewhere() }
    @Test func countsComeFromTheSnapshot() async throws { try await contract.countsComeFromTheSnapshot() }
    @Test func dryRunReportsWithoutWriting() async throws { try await contract.dryRunReportsWithoutWriting() }
    @Test func skewAndInvalidFlowsAreLeftAlone() async throws { try await contract.skewAndInvalidFlowsAreLeftAlone() }
    @Test func aFailedFlowNewerThanTheMigrationsIsSkew() async throws { try await contract.aFailedFlowNewerThanTheMigrationsIsSkew() }
    @Test func rowsChangedByHandAreNamedAndLeftAlone() async throws { try await contract.rowsChangedByHandAreNamedAndLeftAlone() }
    @Test func countsAreInCodePointOrderWhateverTheCollation() async throws { try await contract.countsAreInCodePointOrderWhateverTheCollation() }
    @Test func aSweepThatStopsReportsWhatItCommitted() async throws { try await contract.aSweepThatStopsReportsWhatItCommitted() }
    @Test func columnsThatDisagreeWithTheMessageAreInvalid() async throws { try await contract.columnsThatDisagreeWithTheMessageAreInvalid() }
    @Test func loadMigratesOnReadOnce() async throws { try await contract.loadMigratesOnReadOnce() }
    @Test func finishedFlowsAreRemovedAndMisuseIsRefused() async throws { try await contract.finishedFlowsAreRemovedAndMisuseIsRefused() }
    @Test func aMessageOfAnotherFlowIsNotSavedUnderThisOne() async throws { try await contract.aMessageOfAnotherFlowIsNotSavedUnderThisOne() }
    @Test func closingUnderRunningCallsSaysItWasClosed() async throws { try await contract.closingUnderRunningCallsSaysItWasClosed() }
    @Test func concurrentWritersLoseNothing() async throws { try await contract.concurrentWritersLoseNothing() }
    @Test func anActorCanPageThroughFlows() async throws { try await contract.anActorCanPageThroughFlows() }
    @Test func concurrentSweepsAccountForEveryFlow() async throws { try await contract.concurrentSweepsAccountForEveryFlow() }
    @Test func rollingDeployConverges() async throws { try await contract.rollingDeployConverges() }
}

/// The same contract on PostgreSQL (the server of `SELINON_MIGRATE_TEST_POSTGRES_URL`).
@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresStoreTests {
    let contract = StoreContract(backend: .postgres)

    @Test func schemaIsVersionedAndANewerOneIsRefused() async throws { try await contract.schemaIsVersionedAndANewerOneIsRefused() }
    @Test func aMissingStoreIsNotCreatedByReaders() async throws { try await contract.aMissingStoreIsNotCreatedByReaders() }
    @Test func readersNeedNoWriteAccess() async throws { try await contract.readersNeedNoWriteAccess() }
    @Test func aStoreWithoutItsSchemaVersionIsDamaged() async throws { try await contract.aStoreWithoutItsSchemaVersionIsDamaged() }
    @Test func anotherApplicationsFlowsTableIsNotAStore() async throws { try await contract.anotherApplicationsFlowsTableIsNotAStore() }
    @Test func aColumnDroppedByHandIsNamedAtOpen() async throws { try await contract.aColumnDroppedByHandIsNamedAtOpen() }
    @Test func aTableOrKeyDroppedByHandIsNamedAtOpen() async throws { try await contract.aTableOrKeyDroppedByHandIsNamedAtOpen() }
    @Test func insertIsAllOrNothing() async throws { try await contract.insertIsAllOrNothing() }
    @Test func insertCanSkipIdenticalFlows() async throws { try await contract.insertCanSkipIdenticalFlows() }
    @Test func aFlowGivenTwiceInOneBatchIsRefusedWhenSkippingIdenticalFlows() async throws { try await contract.aFlowGivenTwiceInOneBatchIsRefusedWhenSkippingIdenticalFlows() }
    @Test func concurrentIdenticalImportsBothSucceed() async throws { try await contract.concurrentIdenticalImportsBothSucceed() }
    @Test func writesAreCompareAndSwap() async throws { try await contract.writesAreCompareAndSwap() }
    @Test func everyFlowComesFromOneSnapshot() async throws { try await contract.everyFlowComesFromOneSnapshot() }
    @Test func sweepGivesWhatTheStreamMigratorGives() async throws { try await contract.sweepGivesWhatTheStreamMigratorGives() }
    @Test func flowsAnEarlierSweepFailedAreNotChangedElsewhere() async throws { try await contract.flowsAnEarlierSweepFailedAreNotChangedElsewhere() }
    @Test func countsComeFromTheSnapshot() async throws { try await contract.countsComeFromTheSnapshot() }
    @Test func dryRunReportsWithoutWriting() async throws { try await contract.dryRunReportsWithoutWriting() }
    @Test func skewAndInvalidFlowsAreLeftAlone() async throws { try await contract.skewAndInvalidFlowsAreLeftAlone() }
    @Test func aFailedFlowNewerThanTheMigrationsIsSkew() async throws { try await contract.aFailedFlowNewerThanTheMigrationsIsSkew() }
    @Test func rowsChangedByHandAreNamedAndLeftAlone() async throws { try await contract.rowsChangedByHandAreNamedAndLeftAlone() }
    @Test func countsAreInCodePointOrderWhateverTheCollation() async throws { try await contract.countsAreInCodePointOrderWhateverTheCollation() }
    @Test func aSweepThatStopsReportsWhatItCommitted() async throws { try await contract.aSweepThatStopsReportsWhatItCommitted() }
    @Test func columnsThatDisagreeWithTheMessageAreInvalid() async throws { try await contract.columnsThatDisagreeWithTheMessageAreInvalid() }
    @Test func loadMigratesOnReadOnce() async throws { try await contract.loadMigratesOnReadOnce() }
    @Test func finishedFlowsAreRemovedAndMisuseIsRefused() async throws { try await contract.finishedFlowsAreRemovedAndMisuseIsRefused() }
    @Test func aMessageOfAnotherFlowIsNotSavedUnderThisOne() async throws { try await contract.aMessageOfAnotherFlowIsNotSavedUnderThisOne() }
    @Test func closingUnderRunningCallsSaysItWasClosed() async throws { try await contract.closingUnderRunningCallsSaysItWasClosed() }
    @Test func concurrentWritersLoseNothing() async throws { try await contract.concurrentWritersLoseNothing() }
    @Test func anActorCanPageThroughFlows() async throws { try await contract.anActorCanPageThroughFlows() }
    @Test func concurrentSweepsAccountForEveryFlow() async throws { try await contract.concurrentSweepsAccountForEveryFlow() }
    @Test func rollingDeployConverges() async throws { try await contract.rollingDeployConverges() }

    /// Writers that start together on an empty database (services each creating the store) all
    /// succeed: the first look, before the schema lock, can see some tables of a creation that
    /// commits meanwhile (PostgreSQL reads each table's existence afresh), which must not read as a
    /// damaged store ("flows but no schema version").
    @Test func writersCreatingTheStoreTogetherAllSucceed() async throws {
        try await TestStore.with(.postgres) { test in
            let location = test.location
            for round in 0..<30 {
                if round > 0 { try await test.execute("DROP TABLE flows, migration_events, selinon_migrate_schema") }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            let store = try StoreLocation(parsing: location).open(logger: Logger(label: "test"), createIfMissing: true)
                            do {
                                try await store.prepare(createIfMissing: true)
                            } catch {
                                await store.close()
                                throw error
                            }
                            await store.close()
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func aServerThatDoesNotAnswerIsGivenUpOn() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.open().close()  // the schema, made without a hurry
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(1))
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await test.whileFlowsAreLocked {
                await #expect(throws: StoreError.self) { _ = try await store.flow(id: "any") }
            }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("no answer from the server within 1 s: the connection may have dropped") == true, "\(error?.message ?? "")")
            #expect(clock.now - started < .seconds(20))
            await store.close()
        }
    }

    /// A statement_timeout of the database (or role) shorter than --store-timeout is named as
    /// the server's setting, not as --store-timeout, which cannot change it.
    @Test func theServersOwnStatementTimeoutIsNamed() async throws {
        try await TestStore.with(.postgres) { test in
            _ = try await test.storeFlows(count: 1)
            let database = try #require(URLComponents(string: test.location)?.path.dropFirst())
            try await test.execute("ALTER DATABASE \"\(database)\" SET statement_timeout = 1")
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false)
            // Opening may take 1 ms already; if not, a read outside a transaction of the tool's waits for a lock past it.
            let error = await #expect(throws: StoreError.self) {
                try await store.prepare(createIfMissing: false)
                try await test.whileFlowsAreLocked { _ = try await store.flow(id: "any") }
            }
            #expect(error?.message.contains("canceling statement due to statement timeout — the server ended a statement that ran longer "
                + "than its statement_timeout allows") == true && error?.message.contains("SHOW statement_timeout") == true,
                    "\(error?.message ?? "")")
            await store.close()
        }
    }

    /// A role that may not create tables in the schema is told that creating the store needs
    /// CREATE there — not the grants of tables that do not exist yet.
    @Test func aRoleThatMayNotCreateTheStoreIsToldWhatItNeeds() async throws {
        try await TestStore.with(.postgres) { test in
            let role = "selinon_test_nocreate_\(UInt32.random(in: 0...UInt32.max))"
            var components = try #require(URLComponents(string: test.location))
            components.user = role
            let location = try #require(components.string)
            try await test.execute("CREATE ROLE \(role) LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            let store = try StoreLocation(parsing: location).open(logger: Logger(label: "test"), createIfMissing: true)
            let error = await #expect(throws: StoreError.self) { try await store.prepare(createIfMissing: true) }
            await store.close()
            try await test.execute("DROP ROLE \(role)")
            #expect(error?.message.contains("permission denied for schema public — creating the store's tables needs CREATE on the "
                + "schema") == true, "\(error?.message ?? "")")
        }
    }

    /// Counts the store gives up on (a table locked by hand) are ended by the server too: no
    /// session goes on waiting for the lock after the caller was told the store did not answer.
    @Test func countsGivenUpOnLeaveNoSessionWaiting() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.open().close()
            // (Not prepared: its reads could outlast the short deadline on a busy machine.)
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(2))
            let left = try await test.whileFlowsAreLocked {
                await #expect(throws: StoreError.self) { _ = try await store.statusCounts() }
                var waiting = try await test.sessionsWaitingForLocks()
                for _ in 0..<40 where waiting > 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    waiting = try await test.sessionsWaitingForLocks()
                }
                return waiting
            }
            #expect(left == 0, "the count's session still waits for the lock")
            await store.close()
        }
    }

    /// A store opened with `maximumConnections: 2` never holds more than two connections: six
    /// reads at once while the table is locked make two sessions wait on the server, the other
    /// reads wait in the pool, and all six finish once the lock is gone.
    @Test func thePoolOpensAtMostTheConnectionsItIsGiven() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.open().close()
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       maximumConnections: 2)
            try await store.prepare(createIfMissing: false)
            let (waiting, reads) = try await test.whileFlowsAreLocked {
                let reads = Task {
                    try await withThrowingTaskGroup(of: StoredFlow?.self) { group in
                        for index in 0..<6 { group.addTask { try await store.flow(id: "flow-\(index)") } }
                        return try await group.reduce(into: 0) { count, _ in count += 1 }
                    }
                }
                var waiting = 0
                for _ in 0..<100 where waiting < 2 {
                    try await Task.sleep(for: .milliseconds(50))
                    waiting = try await test.sessionsWaitingForLocks()
                }
                try await Task.sleep(for: .milliseconds(500))  // time for more sessions, were the pool larger
                return (try await test.sessionsWaitingForLocks(), reads)
            }
            #expect(waiting == 2)
            #expect(try await reads.value == 6)
            await store.close()
            let error = #expect(throws: StoreError.self) {
                _ = try StoreLocation(parsing: test.location).open(createIfMissing: false, maximumConnections: 0)
            }
            #expect(error?.kind == .misuse)
        }
    }

    /// A session the server ends (an administrator's pg_terminate_backend, a restart) fails the
    /// write waiting on it at once, as `unavailable` — run again once the server is back — not as
    /// a `database` error, which reads as final. A read, which changes nothing, is read again on
    /// another session.
    @Test func aSessionTheServerEndsIsUnavailable() async throws {
        try await TestStore.with(.postgres) { test in
            let flow = try #require(try await test.storeFlows(count: 1).first)
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(180))
            try await store.prepare(createIfMissing: false)
            /// Ends the session that waits for the lock, once there is one, and waits until it has ended.
            func endWaitingSessions() async throws {
                for _ in 0..<200 where try await test.sessionsWaitingForLocks() < 1 { try await Task.sleep(for: .milliseconds(50)) }
                try await test.execute("""
                    SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                    """)
            }
            let (outcome, waited, read) = try await test.whileFlowsAreLocked {
                let write = Task { try await store.remove(id: flow.id, expectedRevision: 1) }
                try await endWaitingSessions()
                let terminated = ContinuousClock.now
                let result = await write.result
                let waited = ContinuousClock.now - terminated
                let read = Task { try await store.flow(id: flow.id) }
                try await endWaitingSessions()
                // Read again, on another session: waiting for the lock again.
                for _ in 0..<200 where try await test.sessionsWaitingForLocks() < 1 { try await Task.sleep(for: .milliseconds(50)) }
                return (result, waited, read)
            }
            let error = #expect(throws: StoreError.self) { try outcome.get() }
            #expect(error?.kind == .unavailable, "\(String(describing: error))")
            #expect(error?.message.contains("terminating connection due to administrator command (the server ended the session") == true,
                    "\(String(describing: error))")
            #expect(waited < .seconds(90), "waited \(waited) (the deadline is 180 s)")
            #expect(try await read.value?.id == flow.id)
            #expect(try await store.flow(id: flow.id)?.revision == 1, "the write was rolled back")
            await store.close()
        }
    }

    /// A batch given up on while it waits for a lock (longer than the answer deadline) is ended
    /// by the server too: it does not wait on, holding its row locks, to commit once the lock
    /// is gone — after the tool has said it stopped.
    @Test func aBatchGivenUpOnIsEndedByTheServer() async throws {
        try await TestStore.with(.postgres) { test in
            let setup = try await test.open()
            let message = try #require(try InflightFlows.messages(count: 1).first)
            let new = try NewFlow(message: message)
            try await setup.insert([new])
            let flow = try #require(try await setup.flow(id: new.id))
            await setup.close()
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(1))
            let update = FlowUpdate(id: flow.id, expectedRevision: flow.revision, message: flow.message, migrationVersion: 1, status: .running)
            let event = MigrationEvent(flowID: flow.id, fromVersion: 0, toVersion: 1, outcome: "migrated", strategy: nil, taints: Array("[]".utf8),
                                       recordedAt: Date())
            let error = try await test.whileFlowsAreLocked {
                await #expect(throws: StoreError.self) { _ = try await store.commit([update], events: [event]) }
            }
            #expect(error?.kind == .unavailable)
            try await Task.sleep(for: .seconds(2))  // time for a statement left waiting to commit
            let after = try await test.open()
            #expect(try await after.flow(id: flow.id)?.revision == flow.revision, "the batch was not written after all")
            #expect(try await after.events(flowID: flow.id).isEmpty)
            // Nor is a removal (a dispatcher's finish) done after it was reported failed.
            let removal = try await test.whileFlowsAreLocked {
                await #expect(throws: StoreError.self) { _ = try await store.remove(id: flow.id, expectedRevision: flow.revision) }
            }
            #expect(removal?.kind == .unavailable)
            try await Task.sleep(for: .seconds(2))
            #expect(try await after.flow(id: flow.id) != nil, "the flow was not removed after all")
            await after.close()
            await store.close()
        }
    }

    /// An edited status among many counts (more than one network read of rows) is named, not
    /// left waiting: looking up the row while the counts still stream in would wait on itself.
    @Test func anEditedStatusAmongManyRowsIsNamedWithoutWaiting() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.open().close()
            try await test.execute("""
                INSERT INTO flows (flow_id, flow_name, message, migration_version, status, revision, created_at, updated_at)
                SELECT 'id' || g, 'flow' || lpad(g::text, 6, '0'), '{}', 0, 'running', 1, 0, 0 FROM generate_series(1, 50000) g
                """)
            try await test.execute("UPDATE flows SET status = 'weird' WHERE flow_id = 'id1'")
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(20))
            let counts = try await store.statusCounts()
            #expect(counts.counts.reduce(0) { $0 + $1.count } == 49_999)
            #expect(counts.damagedTotal == 1 && counts.damaged.map(\.flowID) == ["id1"])
            #expect(counts.damaged.first?.error.kind == .damaged)
            let page = try await store.pending(belowVersion: 1, after: nil, limit: 5_000)
            #expect(page.flows.count == 4_999 && page.damaged.map(\.flowID) == ["id1"] && page.lastID == "id14498", "\(page.lastID ?? "")")
            #expect(page.damaged.first?.error.message.contains("flow 'id1' has status 'weird'") == true)
            // The connections are fit for use afterwards.
            #expect(try await store.flow(id: "id2")?.flowName == "flow000002")
            await store.close()
        }
    }

    /// A read that got no answer leaves its connection inside an open read-only transaction with
    /// a query still running; handed to the next operation, that connection would run its
    /// writes in the stale transaction (and fail them as read-only). It is closed instead.
    @Test func aConnectionThatGotNoAnswerIsNotReused() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.open().close()
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(10))  // time enough for the later operations on a busy machine
            let error = try await test.whileFlowsAreLocked {
                await #expect(throws: StoreError.self) { try await store.forEachFlow(pageSize: 10) { _ in } }
            }
            #expect(error?.kind == .unavailable)
            // The lock is gone: every later operation works, whichever connection it gets.
            let dispatcher = DispatcherStore(store: store, migrator: try StoreContract.migrator())
            for message in try InflightFlows.messages(count: 4) {
                let created = try await dispatcher.create(message: message)
                #expect(try await store.flow(id: created.id)?.message == message)
            }
            var seen = 0
            try await store.forEachFlow(pageSize: 10) { seen += $0.count }
            #expect(seen == 4)
            await store.close()
        }
    }
}
