import FlowMigration
import FlowStore
import Foundation
import GRDB
import StoreTestSupport
import Synchronization
import Testing
import TestSupport

/// The behaviour every store backend must show, run by ``SQLiteStoreTests`` and
/// ``PostgresStoreTests`` alike.
struct StoreContract {
    let backend: StoreBackend

    static func migrator(directory: String = InflightFlows.migrationDirectory) throws -> StreamMigrator {
        StreamMigrator(migrator: Migrator(chain: MigrationChain(directory: try MigrationDirectory.load(from: directory))))
    }

    static func newFlows(_ messages: [[UInt8]]) throws -> [NewFlow] {
        try messages.map { try NewFlow(message: $0) }
    }

    /// Every flow of `store`, by id.
    static func snapshot(_ store: any FlowStateStore) async throws -> [String: StoredFlow] {
        var flows: [String: StoredFlow] = [:]
        try await store.forEachFlow(pageSize: 997) { page in
            for flow in page { flows[flow.id] = flow }
        }
        return flows
    }

    // MARK: - Schema and writes

    func schemaIsVersionedAndANewerOneIsRefused() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.prepare(createIfMissing: false)  // a second prepare finds the schema
            await store.close()
            try await test.execute("INSERT INTO selinon_migrate_schema (version) VALUES (\(StoreSchema.version + 1))")
            // Refused when opened (SQLite looks before it writes) or prepared (PostgreSQL).
            let error = await #expect(throws: StoreError.self) {
                let reopened = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: false)
                defer { Task { await reopened.close() } }
                try await reopened.prepare(createIfMissing: false)
            }
            #expect(error?.kind == .newerSchema)
            #expect(error?.message.contains("upgrade selinon-migrate") == true)
        }
    }

    /// A store that is ready is read without writing: status and export run next to a writer
    /// that holds SQLite's write lock, and on a PostgreSQL database that allows only reading.
    func readersNeedNoWriteAccess() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 3)))
            await store.close()
            var holder: DatabaseQueue?
            switch backend {
            case .sqlite:
                var configuration = Configuration()
                configuration.allowsUnsafeTransactions = true  // held open across accesses on purpose
                let queue = try DatabaseQueue(path: String(test.location.dropFirst("sqlite:".count)), configuration: configuration)
                try queue.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
                holder = queue
            case .postgres:
                try await test.execute("ALTER DATABASE \(test.location.split(separator: "/").last!) SET default_transaction_read_only = on")
            }
            let clock = ContinuousClock()
            let started = clock.now
            let reader = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: false, readOnly: true)
            try await reader.prepare(createIfMissing: false)
            #expect(try await reader.statusCounts().counts.map(\.count).reduce(0, +) == 3)
            var exported = 0
            try await reader.forEachFlow(pageSize: 2) { exported += $0.count }
            #expect(exported == 3)
            // Waiting for the write lock would take SQLite's 30 s busy timeout; next to the other suites on
            // two busy cores, opening and reading take up to 11 s (seen).
            #expect(clock.now - started < .seconds(25), "no wait for the write lock")
            await reader.close()
            try holder?.inDatabase { try $0.execute(sql: "ROLLBACK") }
            if backend == .postgres {
                // A writer there is told why it may not write, and where to connect instead.
                let writer = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: false)
                let refused = await #expect(throws: StoreError.self) {
                    try await writer.insert(try Self.newFlows([InflightFlows.withID("late", InflightFlows.templates()[0])]))
                }
                #expect(refused?.message.contains("the server takes only reads here: it is a standby") == true, "\(refused?.message ?? "")")
                await writer.close()
            }
        }
    }

    /// Flows without the row that says their schema's version are named damaged, not missing.
    func aStoreWithoutItsSchemaVersionIsDamaged() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 1)))
            await store.close()
            try await test.execute("DELETE FROM selinon_migrate_schema")
            for createIfMissing in [false, true] {
                let error = await #expect(throws: StoreError.self) {
                    let reopened = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: createIfMissing)
                    defer { Task { await reopened.close() } }
                    try await reopened.prepare(createIfMissing: createIfMissing)
                }
                #expect(error?.kind == .damaged)
                #expect(error?.message.contains("has flows but no schema version") == true, "\(error?.message ?? "")")
            }
            // The other ways a hand edit leaves the tables: each named, nothing written by a reader.
            try await test.execute("INSERT INTO selinon_migrate_schema (version) VALUES (0)")
            let zero = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: false) }
            #expect(zero?.message.contains("has flows but schema version 0, which no selinon-migrate writes") == true, "\(zero?.message ?? "")")
            try await test.execute("DELETE FROM selinon_migrate_schema")
            try await test.execute("INSERT INTO selinon_migrate_schema (version) VALUES (1)")
            try await test.execute("DROP TABLE flows")
            let noFlows = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: true) }
            #expect(noFlows?.kind == .damaged)
            #expect(noFlows?.message.contains("has a schema version but no flows table") == true, "\(noFlows?.message ?? "")")
            // An empty version table and no flows: no store for a reader (which writes nothing), an empty one for a writer.
            try await test.execute("DELETE FROM selinon_migrate_schema")
            let reader = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: false) }
            #expect(reader?.kind == .missingStore)
            try await Self.reopen(test, createIfMissing: true)
            try await Self.reopen(test, createIfMissing: false)
            // The version table dropped outright: the store's own tables are still named as a damaged store, not another application's.
            try await test.execute("DROP TABLE selinon_migrate_schema")
            for createIfMissing in [false, true] {
                let dropped = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: createIfMissing) }
                #expect(dropped?.kind == .damaged, "\(dropped?.message ?? "")")
                #expect(dropped?.message.contains("no schema version") == true, "\(dropped?.message ?? "")")
            }
        }
    }

    /// Another application's table named `flows` (a common name) — or `migration_events`, or
    /// `selinon_migrate_schema` — is not a damaged store: the message must not advise writing this
    /// tool's schema row into that application's database (and on PostgreSQL, a database shared
    /// with other applications, the store's tables must not be made next to it).
    func anotherApplicationsFlowsTableIsNotAStore() async throws {
        // (Both `flows` and `migration_events`, with columns of their own: not this tool's tables.)
        for (table, columns) in [("flows", "(id TEXT PRIMARY KEY, name TEXT)"), ("migration_events", "(x INTEGER)"),
                                 ("selinon_migrate_schema", "(x INTEGER)"),
                                 ("flows", "(id TEXT PRIMARY KEY, name TEXT); CREATE TABLE migration_events (id INTEGER, flow_id TEXT)")] {
            try await TestStore.with(backend) { test in
                try await test.execute("CREATE TABLE \(table) \(columns)")
                for createIfMissing in [false, true] {
                    let error = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: createIfMissing) }
                    #expect(error?.kind == .notAStore, "\(table): \(error?.message ?? "")")
                    #expect(error?.message.contains("something else") == true && error?.message.contains("INSERT") == false,
                            "\(table): \(error?.message ?? "")")
                }
            }
        }
    }

    /// A column of the store dropped by hand is named, with the way back, when the store is
    /// opened — not a driver's error at the first write, after a dry run passed.
    func aColumnDroppedByHandIsNamedAtOpen() async throws {
        for (table, column) in [("flows", "updated_at"), ("migration_events", "taints")] {
            try await TestStore.with(backend) { test in
                let store = try await test.open()
                await store.close()
                try await test.execute("ALTER TABLE \(table) DROP COLUMN \(column)")
                let error = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: false) }
                #expect(error?.kind == .damaged, "\(error?.message ?? "")")
                #expect(error?.message.contains("the table '\(table)' of \(test.location) was changed outside selinon-migrate: it has no "
                    + "column \(column) (dropped by hand?); restore the store from a backup") == true, "\(error?.message ?? "")")
            }
        }
    }

    /// The event log or the key of `flows` dropped by hand is named at open, with SQL that puts it
    /// back (and does): a dry run would otherwise pass, and the first write fail with the
    /// database's own error (no migration_events; ON CONFLICT without its unique index).
    func aTableOrKeyDroppedByHandIsNamedAtOpen() async throws {
        try await TestStore.with(backend) { test in
            _ = try await test.storeFlows(count: 2)
            try await test.execute("DROP TABLE migration_events")
            for createIfMissing in [false, true] {
                let error = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: createIfMissing) }
                #expect(error?.kind == .damaged, "\(error?.message ?? "")")
                #expect(error?.message.hasPrefix("the store at \(test.location) has no migration_events table (dropped by hand?): restore the "
                    + "store from a backup, or create the table again, empty") == true, "\(error?.message ?? "")")
            }
            let noEvents = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: false) }
            let create = try #require(noEvents?.message.firstRange(of: "CREATE TABLE").map { noEvents!.message[$0.lowerBound...] })
            try await test.execute(String(create))
            let store = try await test.open()
            #expect(try await MigrationSweep(store: store, migrator: try Self.migrator()).run().total(.migrated) == 2)
            await store.close()

            try await test.execute(backend == .sqlite
                ? "CREATE TABLE copied AS SELECT * FROM flows; DROP TABLE flows; ALTER TABLE copied RENAME TO flows"
                : "ALTER TABLE flows DROP CONSTRAINT flows_pkey")
            let unkeyed = await #expect(throws: StoreError.self) { try await Self.reopen(test, createIfMissing: false) }
            #expect(unkeyed?.kind == .damaged)
            let message = unkeyed?.message ?? ""
            #expect(message.contains("flow_id is no longer its primary key, so a flow may be stored twice"), "\(message)")
            let fix = try #require(message.firstRange(of: "), then ").flatMap { start in
                message.firstRange(of: " and run again").map { message[start.upperBound..<$0.lowerBound] }
            })
            try await test.execute(String(fix))
            try await Self.reopen(test, createIfMissing: false)
        }
    }

    /// Opens the store of `test` again and prepares it, then closes it.
    static func reopen(_ test: TestStore, createIfMissing: Bool) async throws {
        let store = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: createIfMissing)
        do {
            try await store.prepare(createIfMissing: createIfMissing)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func aMissingStoreIsNotCreatedByReaders() async throws {
        try await TestStore.with(backend) { test in
            let error = await #expect(throws: StoreError.self) {
                let store = try StoreLocation(parsing: test.location).open(logger: .init(label: "test"), createIfMissing: false)
                defer { Task { await store.close() } }
                try await store.prepare(createIfMissing: false)
            }
            #expect(error?.kind == .missingStore)
            #expect(error?.message.contains("selinon-migrate import creates a store, as a service's prepare(createIfMissing: true) does") == true,
                    "\(error?.message ?? "")")
        }
    }

    func insertIsAllOrNothing() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flows = try Self.newFlows(InflightFlows.messages(count: 4))
            try await store.insert(Array(flows[0..<2]))

            let duplicate = await #expect(throws: StoreError.self) { try await store.insert([flows[2], flows[1]]) }
            #expect(duplicate?.kind == .duplicateFlow)
            let twice = await #expect(throws: StoreError.self) { try await store.insert([flows[3], flows[3]]) }
            #expect(twice?.kind == .duplicateFlow)
            #expect(twice?.flowID == flows[3].id)
            // An id with U+0000 inside: PostgreSQL text cannot hold it, and SQLite would keep only what comes before it.
            var truncated = flows[3]
            truncated.id = flows[0].id + "\u{0}tenant"
            let nul = await #expect(throws: StoreError.self) { try await store.insert([flows[3], truncated]) }
            #expect(nul?.kind == .invalidState)
            #expect(nul?.message.hasPrefix("flow id '\(flows[0].id)\\0tenant' contains U+0000, which a store cannot keep") == true,
                    "\(nul?.message ?? "")")
            // A version above what PostgreSQL's column holds is refused by every backend, before anything is written.
            var far = flows[3]
            far.migrationVersion = NewFlow.maximumMigrationVersion + 1
            let tooLarge = await #expect(throws: StoreError.self) { try await store.insert([flows[2], far]) }
            #expect(tooLarge?.kind == .invalidState && tooLarge?.flowID == far.id)
            #expect(tooLarge?.message.contains("migration_version 2147483648 is more than a store keeps") == true, "\(tooLarge?.message ?? "")")
            far.migrationVersion = -1
            let negative = await #expect(throws: StoreError.self) { try await store.insert([far]) }
            #expect(negative?.message.contains("migration_version -1 is negative") == true, "\(negative?.message ?? "")")

            #expect(try await Self.snapshot(store).keys.sorted() == [flows[0].id, flows[1].id])
            let stored = try #require(try await store.flow(id: flows[0].id))
            #expect(stored.message == flows[0].message)
            #expect(stored.revision == 1 && stored.migrationVersion == 0 && stored.status == .running)
            await store.close()
        }
    }

    /// A rerun of an import skips the flows it stored already, and only those that are unchanged.
    func insertCanSkipIdenticalFlows() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flows = try Self.newFlows(InflightFlows.messages(count: 5))
            try await store.insert(Array(flows[0..<2]))

            #expect(try await store.insert([flows[0], flows[2], flows[1]], existing: .skipIdentical) == 2)
            #expect(try await Self.snapshot(store).keys.sorted() == flows[0..<3].map(\.id))

            var changed = flows[1]
            changed.message += Array(" ".utf8)
            let differing = await #expect(throws: StoreError.self) {
                try await store.insert([flows[3], changed], existing: .skipIdentical)
            }
            #expect(differing?.kind == .duplicateFlow && differing?.flowID == flows[1].id)
            #expect(differing?.message.contains("with a different message") == true)

            var failed = flows[2]
            failed.status = .failed
            let otherStatus = await #expect(throws: StoreError.self) {
                try await store.insert([failed, flows[4]], existing: .skipIdentical)
            }
            #expect(otherStatus?.message.contains("with status running, not failed") == true)

            #expect(try await Self.snapshot(store).keys.sorted() == flows[0..<3].map(\.id))
            #expect(try await store.flow(id: flows[1].id)?.message == flows[1].message)
            await store.close()
        }
    }

    /// One id given twice in the same batch is refused, and nothing of the batch is written —
    /// also when identical flows already in the store would be skipped (a rerun of an import):
    /// the second copy is a mistake in the batch, not a flow stored before.
    func aFlowGivenTwiceInOneBatchIsRefusedWhenSkippingIdenticalFlows() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flows = try Self.newFlows(InflightFlows.messages(count: 2))
            let twice = await #expect(throws: StoreError.self) {
                try await store.insert([flows[0], flows[1], flows[0]], existing: .skipIdentical)
            }
            #expect(twice?.kind == .duplicateFlow && twice?.flowID == flows[0].id)
            #expect(twice?.message == "flow id '\(flows[0].id)' appears twice", "\(twice?.message ?? "")")
            #expect(try await Self.snapshot(store).isEmpty)
            await store.close()
        }
    }

    /// Two imports of the same lines at once: every flow is added once, and neither fails.
    func concurrentIdenticalImportsBothSucceed() async throws {
        try await TestStore.with(backend) { test in
            let flows = try Self.newFlows(InflightFlows.messages(count: 400))
            let first = try await test.open(), second = try await test.open()
            async let skippedByFirst = Self.insertInBatches(flows, into: first)
            async let skippedBySecond = Self.insertInBatches(flows, into: second)
            let skipped = try await skippedByFirst + skippedBySecond
            #expect(skipped == flows.count, "each flow added by exactly one of them")
            #expect(try await Self.snapshot(first).count == flows.count)
            await first.close()
            await second.close()
        }
    }

    private static func insertInBatches(_ flows: [NewFlow], into store: any FlowStateStore) async throws -> Int {
        var skipped = 0
        for start in stride(from: 0, to: flows.count, by: 50) {
            skipped += try await store.insert(Array(flows[start..<min(start + 50, flows.count)]), existing: .skipIdentical)
        }
        return skipped
    }

    /// Export reads one moment of the store: a flow added, changed or pushed to a later page
    /// while the pages are read is seen as it was when reading began.
    func everyFlowComesFromOneSnapshot() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let originals = try Self.newFlows(InflightFlows.messages(count: 30))
            try await store.insert(originals)
            let writer = try await test.open()
            var seen: [StoredFlow] = [], pages: [Int] = []
            try await store.forEachFlow(pageSize: 7) { page in
                if pages.isEmpty {
                    // Written (and committed) between the first page and the rest.
                    try await writer.insert(Self.newFlows([InflightFlows.withID("flow-0000015b", originals[15].message)]))
                    let last = try #require(originals.last)
                    let revision = try await writer.save(FlowUpdate(id: last.id, expectedRevision: 1, message: Array("{}".utf8),
                                                                    migrationVersion: 3, status: .failed))
                    #expect(revision == 2)
                }
                pages.append(page.count)
                seen += page
            }
            #expect(pages == [7, 7, 7, 7, 2])
            #expect(seen.map(\.id) == originals.map(\.id))
            let messagesAsImported = seen.map(\.message) == originals.map(\.message)
            #expect(messagesAsImported)
            #expect(seen.allSatisfy { $0.revision == 1 && $0.status == .running })
            #expect(try await Self.snapshot(store).count == 31)  // a new read sees the writes
            await writer.close()
            await store.close()
        }
    }

    func writesAreCompareAndSwap() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            let created = try await dispatcher.create(message: InflightFlows.messages(count: 1)[0])
            let loaded = try #require(try await dispatcher.load(flowID: created.id))
            let changed = Array(String(decoding: loaded.flow.message, as: UTF8.self)
                .replacingOccurrences(of: #""retried_count": 0"#, with: #""retried_count": 1"#).utf8)
            let saved = try await dispatcher.save(loaded.flow, message: changed)
            #expect(saved.revision == loaded.flow.revision + 1)

            // A second writer that loaded before the save loses, and learns it.
            let stale = await #expect(throws: StoreError.self) { try await dispatcher.save(loaded.flow, message: loaded.flow.message) }
            #expect(stale?.kind == .conflict)
            #expect(try await store.flow(id: created.id)?.message == changed)

            // The batch write skips a stale row (and its event) and writes the rest.
            let other = try await dispatcher.create(message: InflightFlows.withID("other", loaded.flow.message))
            let conflicts = try await store.commit(
                [FlowUpdate(id: created.id, expectedRevision: loaded.flow.revision, message: Array("{}".utf8), migrationVersion: 9, status: .failed),
                 FlowUpdate(id: other.id, expectedRevision: other.revision, message: other.message, migrationVersion: 3, status: .running)],
                events: [MigrationEvent(flowID: created.id, fromVersion: 3, toVersion: 9, outcome: "fail", strategy: "FAIL", taints: Array("[]".utf8), recordedAt: Date()),
                         MigrationEvent(flowID: other.id, fromVersion: 3, toVersion: 3, outcome: "migrated", strategy: nil, taints: Array("[]".utf8), recordedAt: Date())])
            #expect(conflicts == [created.id])
            #expect(try await store.flow(id: created.id)?.message == changed)
            #expect(try await store.events(flowID: created.id).map(\.outcome) == ["migrated"])  // from load
            #expect(try await store.events(flowID: other.id).map(\.outcome) == ["migrated"])
            await store.close()
        }
    }

    // MARK: - apply --store

    func sweepGivesWhatTheStreamMigratorGives() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let messages = try InflightFlows.messages(count: 300)
            try await store.insert(try Self.newFlows(messages))
            let migrator = try Self.migrator()
            let progress = ProgressLog()
            let report = try await MigrationSweep(store: store, migrator: migrator, batchSize: 7).run(progress: progress.append)

            let flows = try await Self.snapshot(store)
            #expect(flows.count == messages.count)
            var expectedTotals: [String: Int] = [:]
            var expectedRetryExamples: [String: [String]] = [:]
            var mixedStrategies = 0
            let byID = try Self.newFlows(messages).sorted { $0.id < $1.id }
            for flow in byID {
                let (id, message) = (flow.id, flow.message)
                var expected: [UInt8] = []
                let line = message.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &expected) }
                if line.outcome == .retry, let name = line.flowName, expectedRetryExamples[name, default: []].count < 5 {
                    expectedRetryExamples[name, default: []].append(id)
                }
                let flow = try #require(flows[id])
                let events = try await store.events(flowID: id)
                expectedTotals[line.outcome.rawValue, default: 0] += 1
                switch line.outcome {
                case .migrated, .retry:
                    #expect(flow.message == expected)
                    #expect(flow.migrationVersion == 3)
                    #expect(flow.status == (line.outcome == .retry ? .retryRequested : .running))
                    if line.outcome == .retry, expectedRetryExamples[line.flowName ?? ""]?.first == id {
                        // The dispatcher that wakes it up next learns that the sweep reset it.
                        let loaded = try await DispatcherStore(store: store, migrator: migrator).load(flowID: id)
                        #expect(loaded?.outcome == .retry && loaded?.flow == flow)
                    }
                case .fail:
                    #expect(flow.message == message)
                    #expect(flow.migrationVersion == 0)
                    #expect(flow.status == .failed)
                default:
                    Issue.record("unexpected outcome \(line.outcome) for \(id)")
                }
                #expect(events.map(\.outcome) == [line.outcome.rawValue])
                #expect(events.first.map { ($0.fromVersion, $0.toVersion) } ?? (-1, -1) == (0, 3))
                #expect(events.first?.taints == JSONWriter.compact(.array(line.taints.map(\.jsonValue))))
                // The event names the strategy that decided: the most severe, not the first taint's.
                let strongest: String? = line.taints.map(\.strategy).max()?.rawValue
                #expect(events.first?.strategy == strongest)
                if line.taints.first?.strategy.rawValue != strongest { mixedStrategies += 1 }
            }
            #expect(mixedStrategies > 0, "flows whose first taint is not the most severe")
            for outcome in [SweepReport.Outcome.migrated, .retry, .fail] {
                #expect(report.total(outcome) == expectedTotals[outcome.rawValue, default: 0])
            }
            #expect(report.total(.retry) > 0 && report.total(.fail) > 0 && report.tainted.values.reduce(0, +) > 0)
            // Examples: the first five flows (by id) per flow and outcome, with their taints,
            // although each batch of seven is counted on its own.
            let retryExamples = report.examples.compactMapValues { $0[.retry] }
            #expect(!retryExamples.isEmpty && retryExamples.values.allSatisfy { $0.allSatisfy { !$0.taints.isEmpty } })
            #expect(retryExamples.mapValues { $0.map(\.flowID) } == expectedRetryExamples)
            // Progress: after every batch (the last one again when the total was counted after
            // it); the total, once counted, is every flow, and it is known at the end.
            var steps = progress.steps
            if steps.count > 1 && steps[steps.count - 1].processed == steps[steps.count - 2].processed { steps.removeLast() }
            #expect(steps.map(\.processed) == Array(stride(from: 7, to: messages.count, by: 7)) + [messages.count])
            #expect(steps.allSatisfy { $0.total == nil || $0.total == messages.count })
            #expect(progress.steps.last?.total == messages.count)

            // Running it again changes nothing.
            let againProgress = ProgressLog()
            let again = try await MigrationSweep(store: store, migrator: migrator, batchSize: 7).run(progress: againProgress.append)
            #expect(againProgress.steps.map { [$0.processed, $0.total ?? -1] } == [[0, 0]], "nothing to do, and a total saying so")
            #expect(try await Self.snapshot(store) == flows)
            #expect(again.total(.migrated) + again.total(.retry) + again.total(.fail) == 0)
            #expect(again.total(.upToDate) + again.total(.alreadyFailed) == messages.count)
            #expect(try await store.events(flowID: "flow-0000000").count == 1)
            await store.close()
        }
    }

    /// Flows an earlier sweep failed are below the latest version but not pending: the next
    /// sweep counts them as already failed, and not also as changed by another process.
    func flowsAnEarlierSweepFailedAreNotChangedElsewhere() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let messages = try InflightFlows.messages(count: 14)
            try await store.insert(try Self.newFlows(messages))
            let migrator = try Self.migrator()
            let first = try await MigrationSweep(store: store, migrator: migrator, batchSize: 5).run()
            #expect(first.total(.fail) == 1 && first.changedElsewhere == 0, "\(first.jsonValue)")
            let failed = try await Self.snapshot(store).values.filter { $0.status == .failed }
            #expect(failed.count == 1 && failed.allSatisfy { $0.migrationVersion == 0 })

            let again = try await MigrationSweep(store: store, migrator: migrator, batchSize: 5).run()
            #expect(again.changedElsewhere == 0, "\(again.jsonValue)")
            #expect(again.total(.alreadyFailed) == 1 && again.total(.upToDate) == messages.count - 1, "\(again.counts)")
            #expect(SweepReport.Outcome.allCases.map(again.total).reduce(0, +) + again.changedElsewhere == messages.count)
            await store.close()
        }
    }

    func countsComeFromTheSnapshot() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flows = try Self.newFlows(try InflightFlows.messages(count: 20))
            try await store.insert(flows)
            let counting = try await store.statusCountsSnapshot()
            // Written after the snapshot: not counted.
            #expect(try await store.commit([FlowUpdate(id: flows[0].id, expectedRevision: 1, message: flows[0].message,
                                                        migrationVersion: 3, status: .running)], events: []).isEmpty)
            let counted = try await counting.value.counts
            #expect(counted.reduce(0) { $0 + $1.count } == 20)
            #expect(counted.allSatisfy { $0.migrationVersion == 0 })
            #expect(try await store.statusCounts().counts.contains { $0.migrationVersion == 3 && $0.count == 1 })
            await store.close()
        }
    }

    func dryRunReportsWithoutWriting() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 60)))
            let before = try await Self.snapshot(store)
            let migrator = try Self.migrator()
            let dry = try await MigrationSweep(store: store, migrator: migrator, batchSize: 16, dryRun: true).run()
            #expect(try await Self.snapshot(store) == before)
            #expect(try await store.events(flowID: "flow-0000000").isEmpty)
            let real = try await MigrationSweep(store: store, migrator: migrator, batchSize: 16).run()
            #expect(dry.counts == real.counts)
            #expect(dry.dryRun && !real.dryRun)
            await store.close()
        }
    }

    func skewAndInvalidFlowsAreLeftAlone() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let template = try InflightFlows.templates()[0]
            let text = String(decoding: template, as: UTF8.self)
            let newer = Array(text.replacingOccurrences(of: #""migration_version": 0"#, with: #""migration_version": 7"#).utf8)
            let invalid = Array(text.replacingOccurrences(of: #""waiting_edges": [1]"#, with: #""waiting_edges": [99]"#).utf8)
            #expect(newer != template && invalid != template)
            try await store.insert([try NewFlow(message: InflightFlows.withID("newer", newer)),
                                    try NewFlow(message: InflightFlows.withID("invalid", invalid))])
            let before = try await Self.snapshot(store)
            let report = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
            #expect(try await Self.snapshot(store) == before)
            #expect(report.total(.skew) == 1 && report.total(.invalid) == 1)
            let examples = report.examples["package_analysis_flow"] ?? [:]
            #expect(examples[.skew]?.map(\.flowID) == ["newer"])
            #expect(examples[.invalid]?.first?.error?.contains("edge 99") == true)

            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            #expect(try await dispatcher.load(flowID: "newer")?.outcome == .skew)
            let error = await #expect(throws: StoreError.self) { try await dispatcher.load(flowID: "invalid") }
            #expect(error?.kind == .invalidState)
            #expect(try await Self.snapshot(store) == before)
            await store.close()
        }
    }

    /// A failed flow above the latest version (imported from a deployment with newer migrations,
    /// which failed it) is skew — only that deployment knows its migrations — not already failed.
    func aFailedFlowNewerThanTheMigrationsIsSkew() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let migrator = try Self.migrator()
            let latest = migrator.migrator.chain.latestVersion
            let text = String(decoding: try InflightFlows.templates()[0], as: UTF8.self)
            let newer = Array(text.replacingOccurrences(of: #""migration_version": 0"#, with: #""migration_version": \#(latest + 1)"#).utf8)
            var failed = try NewFlow(message: InflightFlows.withID("failed-newer", newer))
            failed.status = .failed
            #expect(failed.migrationVersion == latest + 1)
            try await store.insert([failed])
            let before = try await Self.snapshot(store)
            let report = try await MigrationSweep(store: store, migrator: migrator).run()
            #expect(report.total(.skew) == 1 && report.total(.alreadyFailed) == 0, "\(report.counts)")
            #expect(report.examples["package_analysis_flow"]?[.skew]?.map(\.flowID) == ["failed-newer"])
            #expect(try await Self.snapshot(store) == before)
            await store.close()
        }
    }

    /// A row whose columns disagree with its message (edited by hand) is selected by the columns
    /// but would be migrated by the message: it is invalid, named, and left alone.
    func columnsThatDisagreeWithTheMessageAreInvalid() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let template = try InflightFlows.templates()[0]
            #expect(String(decoding: template, as: UTF8.self).contains(#""migration_version": 0"#))
            try await store.insert([try NewFlow(message: InflightFlows.withID("version", template)),
                                    try NewFlow(message: InflightFlows.withID("name", template)),
                                    try NewFlow(message: InflightFlows.withID("message", template))])
            try await test.execute("UPDATE flows SET migration_version = 1 WHERE flow_id = 'version'")
            try await test.execute("UPDATE flows SET flow_name = 'reporting_flow' WHERE flow_id = 'name'")
            // The message's flow name edited instead: its state does not fit that flow, but the
            // disagreement with the row is what is named.
            try await test.execute(#"UPDATE flows SET message = replace(message, '"flow_name": "package_analysis_flow"', "#
                + #"'"flow_name": "reporting_flow"') WHERE flow_id = 'message'"#)
            let before = try await Self.snapshot(store)
            let report = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
            #expect(try await Self.snapshot(store) == before)
            #expect(report.total(.invalid) == 3, "\(report.counts)")
            let errors = report.examples.values.flatMap { $0[.invalid] ?? [] }.compactMap(\.error).sorted()
            #expect(errors.count == 3 && errors[0].hasPrefix("flow 'message' is stored as a 'package_analysis_flow' flow, and its message is of 'reporting_flow'")
                    && errors[1].hasPrefix("flow 'name' is stored as a 'reporting_flow' flow, and its message is of 'package_analysis_flow'")
                    && errors[2].hasPrefix("flow 'version' is stored at migration version 1, and its message is at 0"), "\(errors)")
            #expect(errors.allSatisfy { $0.contains("changed outside selinon-migrate") })
            // With SQL that selects the row as printed.
            #expect(errors[2].contains("or delete it (DELETE FROM flows WHERE flow_id = 'version') and import its corrected line"), "\(errors[2])")

            // The member `export` adds for a failed flow belongs in its line, never in a stored message.
            let withStatus = String(decoding: try InflightFlows.withID("status", template), as: UTF8.self)
                .replacingOccurrences(of: #""flow_name":"#, with: #""selinon_migrate_status": "failed", "flow_name":"#)
            try await store.insert([NewFlow(id: "status", flowName: "package_analysis_flow", message: Array(withStatus.utf8), migrationVersion: 0)])
            let statusReport = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
            let statusError = statusReport.examples.values.flatMap { $0[.invalid] ?? [] }.first { $0.flowID == "status" }?.error
            #expect(statusError?.hasPrefix("flow 'status' has selinon_migrate_status in its stored message") == true, "\(statusReport.examples)")
            #expect(try await store.flow(id: "status")?.message == Array(withStatus.utf8))

            // Another flow's message pasted into a row (another dispatcher_id): invalid, left alone;
            // the same id spelled with an escape is the row's, and migrates.
            try await store.insert([try NewFlow(message: InflightFlows.withID("pasted", template)),
                                    try NewFlow(message: InflightFlows.withID("escaped", template))])
            try await test.execute(#"UPDATE flows SET message = replace(message, '"dispatcher_id": "pasted"', "#
                + #"'"dispatcher_id": "other-id"') WHERE flow_id = 'pasted'"#)
            try await test.execute(#"UPDATE flows SET message = replace(message, '"dispatcher_id": "escaped"', "#
                + #"'"dispatcher_id": "\u0065scaped"') WHERE flow_id = 'escaped'"#)
            let pastedBefore = try await store.flow(id: "pasted")?.message
            let identityReport = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
            let identityErrors = identityReport.examples.values.flatMap { $0[.invalid] ?? [] }.filter { $0.flowID == "pasted" }.compactMap(\.error)
            #expect(identityErrors.first?.hasPrefix("flow 'pasted' has the dispatcher_id 'other-id' in its message: the row was changed "
                + "outside selinon-migrate") == true, "\(identityReport.examples)")
            #expect(try await store.flow(id: "pasted")?.message == pastedBefore)
            #expect(try await store.flow(id: "escaped")?.migrationVersion == 3)
            await store.close()
        }
    }

    /// A sweep that stops (here: a write the database refuses) still says what the batches it
    /// committed before did: those flows were migrated, restarted or failed.
    func aSweepThatStopsReportsWhatItCommitted() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 60)))
            let ids = try await Self.snapshot(store).keys.sorted()
            switch backend {
            case .sqlite:
                try await test.execute("""
                    CREATE TRIGGER refuse BEFORE UPDATE ON flows WHEN OLD.flow_id = '\(ids[45])'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
            case .postgres:
                // Checked on writes only (NOT VALID): the row as it is stays.
                try await test.execute("ALTER TABLE flows ADD CONSTRAINT refused_by_the_test CHECK (flow_id <> '\(ids[45])') NOT VALID")
            }
            let error = await #expect(throws: StoreError.self) {
                try await MigrationSweep(store: store, migrator: try Self.migrator(), batchSize: 10).run()
            }
            #expect(error?.message.contains(backend == .sqlite ? "refused by the test" : "refused_by_the_test") == true, "\(error?.message ?? "")")
            let completed = try #require(error?.completedSweep)
            #expect(completed.stoppedBy == error?.message)
            #expect([SweepReport.Outcome.migrated, .retry, .fail, .invalid].map(completed.total).reduce(0, +) == 40, "\(completed.counts)")
            #expect(completed.jsonValue["stopped_by"]?.stringValue == error?.message)
            await store.close()
        }
    }

    /// The counts come in the order of the names' code points on both backends, whatever the
    /// database's collation (a PostgreSQL database made with an ICU locale sorts `_under` before
    /// `a_b` and `beta` before `Beta`), so that `status` prints the same on both.
    func countsAreInCodePointOrderWhateverTheCollation() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let names = ["Zeta_flow", "alpha_flow", "_under", "Beta", "beta", "a-b", "a_b", "ab", "é_flow"]
            let template = try InflightFlows.templates()[0]
            let name = try NewFlow(message: template).flowName
            try await store.insert(try names.enumerated().map { index, flowName in
                let message = String(decoding: try InflightFlows.withID("flow-\(index)", template), as: UTF8.self)
                    .replacingOccurrences(of: "\"\(name)\"", with: "\"\(flowName)\"")
                return try NewFlow(message: Array(message.utf8))
            })
            if backend == .postgres {
                // A language's collation on the column, as a database created with one gives it.
                let found = try await test.firstValue("SELECT collname::text FROM pg_collation WHERE collname IN ('en-x-icu', 'en_US.utf8', 'en_US') "
                    + "ORDER BY collname LIMIT 1")
                let collation = try #require(found, "no language collation in this PostgreSQL")
                try await test.execute("ALTER TABLE flows ALTER COLUMN flow_name TYPE text COLLATE \"\(collation)\"")
            }
            let counted = try await store.statusCounts().counts.map(\.flowName)
            #expect(counted == names.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }, "\(counted)")
        }
    }

    /// A row changed outside the tool (SQLite keeps any type in any column; any backend keeps an
    /// unknown status) is never read as zeros (a text revision would make every compare-and-swap
    /// fail) or as `running`: reading it is an error that names it, and the counts and the sweep
    /// name it and leave it alone — one such row keeps no other flow from its migration.
    func rowsChangedByHandAreNamedAndLeftAlone() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 12)))
            let ids = try await Self.snapshot(store).keys.sorted()
            // Values of the columns' types the tool never writes: a negative version, a revision
            // that the next write would take past the largest integer, no message (a blank line,
            // which import skips: exported, the flow would be lost on its way back).
            var edits: [(column: String, value: String)] = [("status", "'weird'"), ("migration_version", "-1"), ("revision", "9223372036854775807"),
                                                            ("message", "''"), ("message", "'  '")]
            if backend == .sqlite {
                edits += [("migration_version", "'abc'"), ("revision", "'x'"), ("flow_name", "x'ff00'"), ("updated_at", "'noon'"),
                          ("message", "CAST(message AS BLOB)")]
            }
            // One flow per edit, each the only one edited while it is checked.
            for (index, (id, edit)) in zip(ids, edits).enumerated() {
                let before = try #require(try await store.flow(id: id))
                let eventsBefore = try await store.events(flowID: id)
                try await test.execute("UPDATE flows SET \(edit.column) = \(edit.value) WHERE flow_id = '\(id)'")
                let read = await #expect(throws: StoreError.self, "\(edit)") { _ = try await store.flow(id: id) }
                #expect(read?.kind == .damaged && read?.flowID == id, "\(edit)")
                #expect(read?.message.contains("flow '\(id)' has \(edit.column) ") == true, "\(read?.message ?? "")")

                let counts = try await store.statusCounts()
                #expect(counts.damagedTotal == 1 && counts.damaged.map(\.flowID) == [id], "\(edit): \(counts)")
                #expect(counts.damaged.first?.error == read, "\(edit)")
                #expect(counts.counts.reduce(0) { $0 + $1.count } == ids.count - index - 1, "\(edit): \(counts.counts)")

                let report = try await MigrationSweep(store: store, migrator: try Self.migrator(), batchSize: 2).run()
                let invalid = report.examples.values.compactMap { $0[.invalid] }.joined()
                #expect(report.total(.invalid) == 1 && invalid.map(\.flowID) == [id], "\(edit): \(report.counts)")
                #expect(invalid.first?.error == counts.damaged.first?.problem, "\(edit)")
                #expect(invalid.first?.error?.hasPrefix("flow '\(id)' has \(edit.column) ") == true, "\(invalid.first?.error ?? "")")
                if index == 0 {
                    // The sweep went on past the edited row: every other flow was migrated (or restarted, or failed).
                    let done = [SweepReport.Outcome.migrated, .retry, .fail].map(report.total).reduce(0, +)
                    #expect(done == ids.count - 1, "\(report.counts)")
                }
                #expect(try await store.events(flowID: id) == eventsBefore, "\(edit)")

                // Put back as it was, the row is exactly as before: the sweep did not touch it.
                let value = switch edit.column {
                case "status": "'\(before.status.rawValue)'"
                case "migration_version": "\(before.migrationVersion)"
                case "revision": "\(before.revision)"
                case "flow_name": "'\(before.flowName)'"
                case "message": "'\(String(decoding: before.message, as: UTF8.self).replacingOccurrences(of: "'", with: "''"))'"
                default: "\(before.updatedAt.timeIntervalSince1970)"
                }
                try await test.execute("UPDATE flows SET \(edit.column) = \(value) WHERE flow_id = '\(id)'")
                #expect(try await store.flow(id: id) == before, "\(edit)")
                try await test.execute("DELETE FROM flows WHERE flow_id = '\(id)'")
            }
            // A flow the edits left, put back below the latest version so that sweeps select it.
            let last = try #require(ids.last)

            // An id with a line break and a terminal escape sequence is shown escaped, and the SQL
            // of the fix selects it as it is.
            let controlID = "ctl\n\u{1B}[2K"
            try await store.insert([try NewFlow(message: InflightFlows.withID(#"ctl\n\u001b[2K"#, try InflightFlows.templates()[0]))])
            try await test.execute("UPDATE flows SET status = 'weird' WHERE flow_id LIKE 'ctl%'")
            let listed = try #require(try await store.statusCounts().damaged.first)
            #expect(listed.flowID == controlID)
            #expect(listed.problem.hasPrefix(#"flow 'ctl\u{A}\u{1B}[2K' has status 'weird'"#), "\(listed.problem)")
            #expect(!listed.problem.contains("\n") && !listed.problem.contains("\u{1B}") && !listed.error.message.contains("\u{1B}"))
            let delete = try #require(listed.problem.firstRange(of: "DELETE FROM flows WHERE ").map { listed.problem[$0.lowerBound...].dropLast() })
            try await test.execute(String(delete))
            #expect(try await store.statusCounts().damagedTotal == 0, "\(delete)")
            if backend == .postgres {
                // A column changed by hand to hold what the store cannot read (NULL, another type)
                // names its row and column, not only the driver's "PostgresDecodingError"; export,
                // which must copy every flow, stops there.
                try await test.execute("ALTER TABLE flows ALTER COLUMN message DROP NOT NULL")
                try await test.execute("UPDATE flows SET message = NULL, migration_version = 0 WHERE flow_id = '\(last)'")
                let expected = "flow '\(last)' has message NULL, expected text"
                for (what, operation) in [
                    ("read", { _ = try await store.flow(id: last) }),
                    ("export", { try await store.forEachFlow(pageSize: 2) { _ in } }),
                ] as [(String, () async throws -> Void)] {
                    let error = await #expect(throws: StoreError.self, "\(what)") { try await operation() }
                    #expect(error?.kind == .damaged, "\(what)")
                    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
                }
                let report = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
                let invalid = report.examples.values.compactMap { $0[.invalid] }.joined()
                #expect(invalid.map(\.flowID) == [last] && invalid.first?.error?.contains(expected) == true, "\(report.examples)")
                #expect(try await store.statusCounts().damaged.map(\.problem) == invalid.compactMap(\.error))
                // A NULL flow name too: counted apart, under a name that says so, not a decoding failure.
                try await test.execute("ALTER TABLE flows ALTER COLUMN flow_name DROP NOT NULL")
                try await test.execute("UPDATE flows SET message = '{}', flow_name = NULL WHERE flow_id = '\(last)'")
                let counted = try await store.statusCounts()
                #expect(counted.damagedPerFlowName == [DamagedFlowRow.unreadableFlowName: 1], "\(counted)")
                #expect(counted.damaged.first?.problem.hasPrefix("flow '\(last)' has flow_name NULL") == true, "\(counted.damaged)")
                let nameReport = try await MigrationSweep(store: store, migrator: try Self.migrator()).run()
                #expect(nameReport.counts[DamagedFlowRow.unreadableFlowName]?[.invalid] == 1 && nameReport.countingError == nil,
                        "\(nameReport.counts)")
                try await test.execute("DELETE FROM flows WHERE flow_id = '\(last)'")
                // A column type changed by hand stops every command at open, a dry run too.
                try await test.execute("ALTER TABLE flows ALTER COLUMN message TYPE jsonb USING message::jsonb")
                let opened = await #expect(throws: StoreError.self) { let other = try await test.open(); await other.close() }
                #expect(opened?.message.contains("column message is jsonb, not text; change it back (ALTER TABLE flows ALTER COLUMN "
                                                 + "message TYPE text)") == true, "\(opened?.message ?? "")")
                try await test.execute("ALTER TABLE flows ALTER COLUMN message TYPE text")
                // So does a primary key dropped by hand: a flow could be stored, and migrated, twice.
                try await test.execute("ALTER TABLE flows DROP CONSTRAINT flows_pkey")
                let unkeyed = await #expect(throws: StoreError.self) { let other = try await test.open(); await other.close() }
                #expect(unkeyed?.kind == .damaged)
                #expect(unkeyed?.message.contains("flow_id is no longer its primary key") == true, "\(unkeyed?.message ?? "")")
                try await test.execute("ALTER TABLE flows ADD PRIMARY KEY (flow_id)")
                let keyedAgain = try await test.open()
                await keyedAgain.close()
            }
            if backend == .sqlite {
                // An id that is not UTF-8 text (or not text) reads back repaired: paging by id would
                // start again before it forever. Export refuses it, the sweep names it as a damaged
                // row and goes on; both give SQL that finds it. (A blob of UTF-8 bytes reads as that
                // text, but sorts after every text id.)
                try await test.execute("UPDATE flows SET migration_version = 0 WHERE flow_id = '\(last)'")
                for (value, hex) in [("CAST(x'FF61' AS TEXT)", "FF61"), ("x'FF00'", "FF00"), ("CAST('id' AS BLOB)", "6964")] {
                    try await test.execute("UPDATE flows SET flow_id = \(value) WHERE flow_id = '\(last)'")
                    let error = await #expect(throws: StoreError.self, "\(value): export") { try await store.forEachFlow(pageSize: 2) { _ in } }
                    #expect(error?.kind == .damaged, "\(value): export")
                    #expect(error?.message.contains("WHERE hex(flow_id) = '\(hex)'") == true, "\(error?.message ?? "")")
                    let report = try await MigrationSweep(store: store, migrator: try Self.migrator(), dryRun: true).run()
                    let invalid = report.examples.values.flatMap { $0[.invalid] ?? [] }
                    #expect(invalid.count == 1 && invalid.first?.error?.contains("WHERE hex(flow_id) = '\(hex)'") == true, "\(value): \(invalid)")
                    try await test.execute("UPDATE flows SET flow_id = '\(last)' WHERE hex(flow_id) = '\(hex)'")
                }
            }
            await store.close()
        }
    }

    // MARK: - Dispatcher API

    /// A flow that ended is removed with compare-and-swap (its events stay); calls against the
    /// API — a size below 1, any call after `close()` — are `misuse`, not database errors.
    func finishedFlowsAreRemovedAndMisuseIsRefused() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            let messages = try InflightFlows.messages(count: 3)
            let created = try await dispatcher.create(message: messages[0])
            let loaded = try #require(try await dispatcher.load(flowID: created.id))
            try await dispatcher.finish(loaded.flow)
            #expect(try await store.flow(id: created.id) == nil)
            #expect(try await store.events(flowID: created.id).count == 1, "the record of its migration stays")
            let gone = await #expect(throws: StoreError.self) { try await dispatcher.finish(loaded.flow) }
            #expect(gone?.kind == .conflict && gone?.flowID == created.id)

            // Changed since it was loaded: not removed.
            let other = try await dispatcher.create(message: messages[1])
            let first = try #require(try await dispatcher.load(flowID: other.id)).flow
            _ = try await dispatcher.save(first, message: first.message, status: first.status)
            let overtaken = await #expect(throws: StoreError.self) { try await dispatcher.finish(first) }
            #expect(overtaken?.kind == .conflict)
            #expect(try await store.flow(id: other.id) != nil)

            let migrator = try Self.migrator()
            for (name, call) in [("limit", { () async throws(StoreError) in _ = try await store.flows(aboveVersion: 0, limit: 0) }),
                                 ("limit", { () async throws(StoreError) in _ = try await store.pending(belowVersion: 9, after: nil, limit: -1) }),
                                 ("batchSize", { () async throws(StoreError) in
                                     _ = try await MigrationSweep(store: store, migrator: migrator, batchSize: 0).run() }),
                                 // (A negative count of attempts trapped on its range.)
                                 ("conflictAttempts", { () async throws(StoreError) in
                                     var sweep = MigrationSweep(store: store, migrator: migrator)
                                     sweep.conflictAttempts = -1
                                     _ = try await sweep.run() }),
                                 ("conflictAttempts", { () async throws(StoreError) in
                                     var loading = DispatcherStore(store: store, migrator: migrator)
                                     loading.conflictAttempts = 0
                                     _ = try await loading.load(flowID: other.id) })] {
                let error = await #expect(throws: StoreError.self) { try await call() }
                #expect(error?.kind == .misuse && error?.message.hasPrefix("\(name) must be at least 1") == true, "\(error?.message ?? "")")
            }
            let page = await #expect(throws: StoreError.self) { try await store.forEachFlow(pageSize: 0) { _ in } }
            #expect(page?.kind == .misuse)

            await store.close()
            await store.close()
            let closed = await #expect(throws: StoreError.self) { try await store.flow(id: other.id) }
            #expect(closed?.kind == .misuse && closed?.message.contains("was closed") == true, "\(closed?.message ?? "")")
            let insert = await #expect(throws: StoreError.self) { try await store.insert([try NewFlow(message: messages[2])]) }
            #expect(insert?.kind == .misuse)
        }
    }

    /// A dispatcher saves a flow's state only under that flow's id: a message whose
    /// dispatcher_id is another flow's (a state mixed up between two flows) is refused, naming
    /// that id, and the stored flow stays as it was.
    func aMessageOfAnotherFlowIsNotSavedUnderThisOne() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            let template = try InflightFlows.templates()[0]
            let created = try await dispatcher.create(message: InflightFlows.withID("flow-a", template))
            let loaded = try #require(try await dispatcher.load(flowID: created.id)).flow
            let otherFlows = try InflightFlows.withID("flow-b", loaded.message)
            let error = await #expect(throws: StoreError.self) { try await dispatcher.save(loaded, message: otherFlows) }
            #expect(error?.kind == .invalidState && error?.flowID == "flow-a")
            #expect(error?.message == "flow 'flow-a': the message's dispatcher_id is 'flow-b'", "\(error?.message ?? "")")
            let stored = try #require(try await store.flow(id: "flow-a"))
            #expect(stored == loaded && stored.revision == loaded.revision && stored.message == loaded.message)
            #expect(try await store.flow(id: "flow-b") == nil)
            await store.close()
        }
    }

    /// Closing a store under calls that are running: each ends as it would have, or as
    /// `misuse` saying the store was closed — never as a database failure, which would send an
    /// operator after a fault the shutdown made up.
    func closingUnderRunningCallsSaysItWasClosed() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            var ids: [String] = []
            for message in try InflightFlows.messages(count: 4) { ids.append(try await dispatcher.create(message: message).id) }
            let flowIDs = ids
            let calls = Task {
                await withTaskGroup(of: String.self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            do {
                                _ = try await dispatcher.load(flowID: flowIDs[index % flowIDs.count])
                                return "done"
                            } catch let error as StoreError {
                                return "\(error.kind): \(error.message)"
                            } catch {
                                return "not a StoreError: \(error)"
                            }
                        }
                    }
                    var outcomes: [String: Int] = [:]
                    for await outcome in group { outcomes[outcome, default: 0] += 1 }
                    return outcomes
                }
            }
            try await Task.sleep(for: .milliseconds(5))
            await store.close()
            let outcomes = await calls.value
            for (outcome, count) in outcomes {
                #expect(outcome == "done" || (outcome.hasPrefix("misuse: the store ") && outcome.contains("was closed")),
                        "\(count) × \(outcome)")
            }
            #expect(outcomes.values.reduce(0, +) == 200)
        }
    }

    func loadMigratesOnReadOnce() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let dispatcher = DispatcherStore(store: store, migrator: try Self.migrator())
            var outcomes: [LineReport.Outcome: Int] = [:]
            for message in try InflightFlows.messages(count: 14) {
                let created = try await dispatcher.create(message: message)
                let loaded = try #require(try await dispatcher.load(flowID: created.id))
                outcomes[loaded.outcome, default: 0] += 1
                let events = try await store.events(flowID: created.id)
                #expect(events.map(\.outcome) == [loaded.outcome.rawValue])
                #expect(try await store.flow(id: created.id) == loaded.flow)
                let again = try #require(try await dispatcher.load(flowID: created.id))
                // A flow reset for a restart is still to be restarted until a step saves it (the
                // dispatcher that loaded it first may have stopped before it restarted it).
                #expect(again.outcome == (loaded.outcome == .fail ? .alreadyFailed : loaded.outcome == .retry ? .retry : .upToDate))
                #expect(again.flow == loaded.flow && again.taints.isEmpty)
                if loaded.outcome == .retry {
                    let restarted = try await dispatcher.save(again.flow, message: again.flow.message)
                    #expect(restarted.status == .running)
                    #expect(try await dispatcher.load(flowID: created.id)?.outcome == .upToDate)
                    #expect(try await store.events(flowID: created.id).count == 1)
                    continue
                }
                if loaded.outcome == .fail {
                    // A step on a state its migration failed would run it again: only when asked.
                    let revived = await #expect(throws: StoreError.self) { try await dispatcher.save(loaded.flow, message: loaded.flow.message) }
                    #expect(revived?.kind == .invalidState && revived?.message.contains("save it with status: .running") == true)
                    #expect(try await store.flow(id: created.id)?.status == .failed)
                }
                #expect(try await store.events(flowID: created.id).count == 1)
            }
            #expect(outcomes[.migrated, default: 0] > 0 && outcomes[.retry, default: 0] > 0 && outcomes[.fail, default: 0] > 0)
            #expect(try await dispatcher.load(flowID: "no-such-flow") == nil)
            // Reset for a restart at an older version (an older deployment's apply): migrated on
            // load, and still a flow to restart.
            let reset = #"{"dispatcher_id": "reset-1", "flow_name": "reporting_flow", "migration_version": 1, "state": null, "#
                + #""selinon_migrate_status": "retry_requested"}"#
            try await store.insert([try NewFlow(message: Array(reset.utf8))])
            let restartable = try #require(try await dispatcher.load(flowID: "reset-1"))
            #expect(restartable.outcome == .retry && restartable.flow.migrationVersion == 3, "\(restartable)")

            let flow = try #require(try await dispatcher.load(flowID: "flow-0000000")).flow
            let wrongFlow = Array(String(decoding: flow.message, as: UTF8.self)
                .replacingOccurrences(of: flow.flowName, with: "another_flow").utf8)
            let error = await #expect(throws: StoreError.self) { try await dispatcher.save(flow, message: wrongFlow) }
            #expect(error?.kind == .invalidState)
            let noID = await #expect(throws: StoreError.self) { try await dispatcher.create(message: Array(#"{"flow_name": "x"}"#.utf8)) }
            #expect(noID?.kind == .invalidState)
            // A state that does not fit its flow, or a version this migrator does not know, is not
            // stored: every load would refuse the one, and the other only a newer worker may run.
            let template = String(decoding: try InflightFlows.templates()[0], as: UTF8.self)
            let unfit = try InflightFlows.withID("unfit", Array(template
                .replacingOccurrences(of: #""waiting_edges": ["#, with: #""waiting_edges": [999, "#).utf8))
            let refused = await #expect(throws: StoreError.self) { try await dispatcher.create(message: unfit) }
            #expect(refused?.kind == .invalidState && refused?.message.contains("999") == true, "\(refused?.message ?? "")")
            let future = try InflightFlows.withID("future", Array(template
                .replacingOccurrences(of: #""migration_version": 0"#, with: #""migration_version": 40"#).utf8))
            let newer = await #expect(throws: StoreError.self) { try await dispatcher.create(message: future) }
            #expect(newer?.kind == .invalidState && newer?.message.contains("newer than this migrator's latest (3)") == true,
                    "\(newer?.message ?? "")")
            #expect(try await store.flow(id: "unfit") == nil)
            #expect(try await store.flow(id: "future") == nil)
            let current = try #require(try await dispatcher.load(flowID: "flow-0000000")).flow
            let ahead = Array(String(decoding: current.message, as: UTF8.self)
                .replacingOccurrences(of: #""migration_version": 3"#, with: #""migration_version": 2000000000"#).utf8)
            let aheadRefused = await #expect(throws: StoreError.self) { try await dispatcher.save(current, message: ahead) }
            #expect(aheadRefused?.kind == .invalidState && aheadRefused?.message.contains("newer than this migrator's latest") == true)

            // A message built before load migrated the flow would move it back: refused, the flow kept.
            let original = try InflightFlows.messages(count: 1)[0]
            let migrated = try #require(try await dispatcher.load(flowID: "flow-0000000")).flow
            #expect(migrated.migrationVersion > 0)
            let stale = await #expect(throws: StoreError.self) { try await dispatcher.save(migrated, message: original) }
            #expect(stale?.kind == .invalidState && stale?.flowID == "flow-0000000")
            #expect(stale?.message.contains("saving it would undo the migration") == true, "\(stale?.message ?? "")")
            #expect(try await store.flow(id: "flow-0000000") == migrated)
            // A save from a load that another save overtook: a conflict that names its flow.
            _ = try await dispatcher.save(migrated, message: migrated.message)
            let overtaken = await #expect(throws: StoreError.self) { try await dispatcher.save(migrated, message: migrated.message) }
            #expect(overtaken?.kind == .conflict && overtaken?.flowID == "flow-0000000")
            // Loggers print localizedDescription: the same words as description.
            #expect(overtaken?.localizedDescription == overtaken?.description)
            await store.close()
        }
    }
}

/// The progress a sweep reported, in order.
final class ProgressLog: Sendable {
    private let log = Mutex<[MigrationSweep.Progress]>([])

    func append(_ step: MigrationSweep.Progress) {
        log.withLock { $0.append(step) }
    }

    var steps: [MigrationSweep.Progress] { log.withLock { $0 } }
}
