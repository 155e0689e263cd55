import _ConnectionPoolModule
import FlowMigration
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A PostgreSQL store, for deployments where many machines share the in-flight flows. Batches
/// are written with one statement each (`unnest` of arrays), compare-and-swap included.
///
/// Every query passes `logger:` — postgres-nio has an older overload without it that neither
/// binds nor awaits.
public final class PostgresFlowStore: FlowStateStore {
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    /// One plain connection made first, so an unreachable server or a refused login is reported
    /// at once, with its reason (the pool would retry for a minute).
    private let probe: PostgresConnection.Configuration
    /// The location without the password, for messages.
    public let displayLocation: String
    /// Bounds every operation: a connection that drops mid-query must not leave it waiting for ever.
    private let deadline: AnswerDeadline
    /// Set by `close`: what is asked afterwards is refused as ``StoreError/Kind/misuse``.
    private let isClosed = Mutex(false)
    /// How many connections the pool may hold: after a restart or a failover, every one of them
    /// may be over without the pool having heard (``onFreshSession(_:)``).
    private let maximumConnections: Int

    /// How long an operation may go without an answer by default: long enough for a count over
    /// millions of flows or a wait for a row lock, short enough for a deploy step to notice.
    public static let defaultAnswerTimeout = Duration.seconds(300)

    /// How often a batch that a deadlock or a serialization failure rolled back is tried.
    static let transientFailureAttempts = 5

    /// `statement`, run again (after a short, growing pause) when a deadlock (40P01) or a
    /// serialization failure (40001) rolled it back — the server's way of saying "try again".
    private static func retryingTransientFailures<T>(_ statement: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await statement()
            } catch let error as PSQLError where attempt < transientFailureAttempts && ["40P01", "40001"].contains(error.serverInfo?[.sqlState]) {
                try await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
    }

    /// Connects to `configuration` (connections are opened lazily by the pool); `probe` is the
    /// same server for the first, direct connection that ``prepare(createIfMissing:)`` makes.
    /// An operation that hears nothing from the server for `answerTimeout` fails (`unavailable`).
    public init(configuration: PostgresClient.Configuration, probe: PostgresConnection.Configuration, displayLocation: String,
                logger: Logger, answerTimeout: Duration = PostgresFlowStore.defaultAnswerTimeout) {
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        self.probe = probe
        self.displayLocation = displayLocation
        maximumConnections = configuration.options.maximumConnections
        deadline = AnswerDeadline(timeout: answerTimeout)
        runTask = Task { await client.run() }
    }

    deinit {
        runTask.cancel()
    }

    /// Closes the connections; after a dropped connection, gives up waiting for them after a few
    /// seconds (postgres-nio may never finish closing one).
    public func close() async {
        isClosed.withLock { $0 = true }
        runTask.cancel()
        _ = try? await AnswerDeadline(timeout: .seconds(5)).run { [runTask] in await runTask.value }
    }

    public func prepare(createIfMissing: Bool) async throws(StoreError) {
        let location = displayLocation
        try await perform { [probe] logger in
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try await connection.close()
        }
        // A read-only look first: a store that is ready is used without writing, so that a role
        // that may only read (or a standby) can run status and export.
        let readyAsItIs = try await perform { [self] logger in
            try await self.reading { connection in
                !(try await Self.needsWriting(connection, location: location, createIfMissing: createIfMissing, logger: logger))
            }
        }
        if readyAsItIs { return }
        try await perform { [self] logger in
            try await self.inTransaction("BEGIN") { connection in try await self.bounded {
                // One tool at a time creates or upgrades the schema.
                try await connection.query("SELECT pg_advisory_xact_lock(734823914)", logger: logger)
                guard try await Self.needsWriting(connection, location: location, createIfMissing: createIfMissing, logger: logger) else { return }
                try await connection.query("CREATE TABLE IF NOT EXISTS selinon_migrate_schema (version INTEGER NOT NULL)", logger: logger)
                var found = 0
                for try await version in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM selinon_migrate_schema",
                                                                      logger: logger).decode(Int.self) {
                    found = version
                }
                if found < 1 {
                    try await connection.query("""
                        CREATE TABLE flows (
                            flow_id TEXT COLLATE "C" PRIMARY KEY,
                            flow_name TEXT NOT NULL,
                            message TEXT NOT NULL,
                            migration_version INTEGER NOT NULL,
                            status TEXT NOT NULL,
                            revision BIGINT NOT NULL,
                            created_at DOUBLE PRECISION NOT NULL,
                            updated_at DOUBLE PRECISION NOT NULL
                        )
                        """, logger: logger)
                    try await connection.query(PostgresQuery(unsafeSQL: Self.createEventsTable), logger: logger)
                    try await connection.query("INSERT INTO selinon_migrate_schema (version) VALUES (1)", logger: logger)
                }
            } }
        }
    }

    /// The statement that creates the event log (also the way back when it was dropped by hand).
    private static let createEventsTable = StoreSchema.createEventsTable(id: "BIGSERIAL", time: "DOUBLE PRECISION")

    /// The type of each column of `flows`, as PostgreSQL names it (`format_type`).
    private static let flowColumnTypes = Dictionary(uniqueKeysWithValues: StoreSchema.columns.first { $0.table == "flows" }!.columns)

    /// Whether `prepare` has to create or upgrade the schema, from what the database holds.
    private static func needsWriting(_ connection: PostgresConnection, location: String, createIfMissing: Bool,
                                     logger: Logger) async throws -> Bool {
        // The tables as the statement's snapshot has them, from pg_class itself: `to_regclass` looks
        // each name up in the session's catalog cache, which can hold one table of a creation that
        // commits meanwhile and not the next (or, after the schema lock, still miss tables another
        // writer made since this transaction began) — a store being made read as a damaged one.
        var hasSchema = false, hasFlows = false, hasEvents = false
        for try await name in try await connection.query("""
            SELECT c.relname::text FROM pg_class c
            WHERE c.relname IN ('selinon_migrate_schema', 'flows', 'migration_events') AND pg_table_is_visible(c.oid)
            """, logger: logger).decode(String.self) {
            switch name {
            case "selinon_migrate_schema": hasSchema = true
            case "flows": hasFlows = true
            default: hasEvents = true
            }
        }
        if !hasSchema && hasFlows != hasEvents {
            // A store's tables without the one that says their version are a damaged store; one
            // of them alone is another application's.
            let (table, other) = hasFlows ? ("flows", "migration_events") : ("migration_events", "flows")
            throw StoreError(.notAStore, "the database of \(location) has a table '\(table)' of something else (no selinon_migrate_schema, "
                + "no \(other)); give the store a database (or a search_path schema) of its own")
        }
        // Each table's columns (a table of something else, or one changed by hand, is not read).
        var columns: [String: [String: String]] = [:]
        if hasSchema || hasFlows || hasEvents {
            for try await (table, column, type) in try await connection.query("""
                SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relname IN ('selinon_migrate_schema', 'flows', 'migration_events') AND pg_table_is_visible(c.oid)
                    AND a.attnum > 0 AND NOT a.attisdropped
                """, logger: logger).decode((String, String, String).self) {
                columns[table, default: [:]][column] = type
            }
        }
        if !hasSchema, let foreign = StoreSchema.foreignTablesError(location: location, found: columns.mapValues { Set($0.keys) }) {
            throw foreign
        }
        if hasSchema, !["integer", "bigint", "smallint"].contains(columns["selinon_migrate_schema"]?["version"] ?? "") {
            throw StoreError(.notAStore, "the database of \(location) has a table 'selinon_migrate_schema' of something else (no integer "
                + "column version); give the store a database (or a search_path schema) of its own")
        }
        var version: Int?
        if hasSchema {
            for try await found in try await connection.query("SELECT MAX(version) FROM selinon_migrate_schema", logger: logger)
                .decode(Int?.self) {
                version = found
            }
        }
        if hasSchema && (version ?? 0) <= StoreSchema.version {
            // (A newer tool's schema is said to be one.) Columns dropped or their types changed by
            // hand would fail the first write only (a dry run would pass).
            if let missing = StoreSchema.missingColumnError(location: location, found: columns.mapValues { Set($0.keys) }) { throw missing }
            for (column, type) in columns["flows"] ?? [:] {
                guard let expected = flowColumnTypes[column], expected != type else { continue }
                throw StoreError(.damaged, "the table 'flows' of \(location) was changed outside selinon-migrate: column \(column) is "
                    + "\(type), not \(expected); change it back (ALTER TABLE flows ALTER COLUMN \(column) TYPE \(expected)), then run again")
            }
            // Without its primary key a flow could be stored twice, and a sweep would migrate each copy.
            if hasFlows {
                var keyed = true
                for try await found in try await connection.query("""
                    SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = (SELECT c.oid FROM pg_class c WHERE c.relname = 'flows' AND pg_table_is_visible(c.oid))
                            AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1
                            AND i.indpred IS NULL AND a.attname = 'flow_id')
                    """, logger: logger).decode(Bool.self) {
                    keyed = found
                }
                guard keyed else {
                    throw StoreError(.damaged, "the table 'flows' of \(location) was changed outside selinon-migrate: flow_id is no "
                        + "longer its primary key, so a flow may be stored twice; keep one row of each id that is (SELECT flow_id FROM "
                        + "flows GROUP BY flow_id HAVING COUNT(*) > 1), then ALTER TABLE flows ADD PRIMARY KEY (flow_id) and run again")
                }
            }
        }
        return try StoreSchema.needsWriting(location: location, hasSchemaTable: hasSchema, hasFlowsTable: hasFlows, hasEventsTable: hasEvents,
                                            version: version, createIfMissing: createIfMissing, eventsTableSQL: Self.createEventsTable)
    }

    @discardableResult
    public func insert(_ flows: [NewFlow], existing: ExistingFlows) async throws(StoreError) -> Int {
        try NewFlow.checkInsertable(flows)
        guard !flows.isEmpty else { return 0 }
        let now = Date().timeIntervalSince1970
        return try await perform { [self] logger in
            try await self.inTransaction("BEGIN") { connection in
                var stored: [[UInt8]: StoredFlow] = [:]
                let ids = flows.map(\.id)
                for flow in try await self.bounded({ try await Self.flows(connection.query(
                    "\(unescaped: Self.columns) FROM flows WHERE flow_id = ANY(\(ids))", logger: logger)) }) {
                    stored[flow.id.idBytes] = flow
                }
                for flow in flows where stored[flow.id.idBytes] != nil {
                    try flow.checkSkippable(besides: stored[flow.id.idBytes], existing: existing)
                }
                let added = flows.filter { stored[$0.id.idBytes] == nil }
                guard !added.isEmpty else { return flows.count }
                let addedIDs = added.map(\.id), names = added.map(\.flowName)
                let messages = added.map { String(decoding: $0.message, as: UTF8.self) }
                let versions = added.map(\.migrationVersion), statuses = added.map(\.status.rawValue)
                // A flow another transaction added since the look above is not inserted, and is judged as if it had been seen.
                let inserted = try await self.bounded {
                    var inserted = Set<[UInt8]>()
                    for try await id in try await connection.query("""
                        INSERT INTO flows (flow_id, flow_name, message, migration_version, status, revision, created_at, updated_at)
                        SELECT id, name, message, version, status, 1, \(now), \(now)
                        FROM unnest(\(addedIDs)::text[], \(names)::text[], \(messages)::text[], \(versions)::int[], \(statuses)::text[])
                            AS input(id, name, message, version, status)
                        ON CONFLICT (flow_id) DO NOTHING RETURNING flow_id
                        """, logger: logger).decode(String.self) {
                        inserted.insert(id.idBytes)
                    }
                    return inserted
                }
                let raced = added.filter { !inserted.contains($0.id.idBytes) }
                if !raced.isEmpty {
                    let racedIDs = raced.map(\.id)
                    for flow in try await self.bounded({ try await Self.flows(connection.query(
                        "\(unescaped: Self.columns) FROM flows WHERE flow_id = ANY(\(racedIDs))", logger: logger)) }) {
                        stored[flow.id.idBytes] = flow
                    }
                    for flow in raced { try flow.checkSkippable(besides: stored[flow.id.idBytes], existing: existing) }
                }
                return flows.count - inserted.count
            }
        }
    }

    public func flow(id: String) async throws(StoreError) -> StoredFlow? {
        try await perform { [self] logger in
            try await self.reading { connection in
                try await Self.flows(connection.query("\(unescaped: Self.columns) FROM flows WHERE flow_id = \(id)", logger: logger)).first
            }
        }
    }

    public func save(_ update: FlowUpdate) async throws(StoreError) -> Int? {
        let conflicts = try await commit([update], events: [])
        return conflicts.isEmpty ? update.expectedRevision + 1 : nil
    }

    /// In a transaction of its own, as ``commit(_:events:)``: bounded on the server too, so a
    /// removal given up on (a lock held past the answer timeout) is rolled back, never done after
    /// the caller was told it failed.
    public func remove(id: String, expectedRevision: Int) async throws(StoreError) -> Bool {
        try await perform { [self] logger in
            try await Self.retryingTransientFailures {
                try await self.inTransaction("BEGIN") { connection in
                    try await self.bounded {
                        var removed = false
                        for try await _ in try await connection.query(
                            "DELETE FROM flows WHERE flow_id = \(id) AND revision = \(expectedRevision) RETURNING flow_id", logger: logger) {
                            removed = true
                        }
                        return removed
                    }
                }
            }
        }
    }

    public func pending(belowVersion version: Int, after cursor: String?, limit: Int) async throws(StoreError) -> PendingFlows {
        try StoreError.checkSize(limit, "limit")
        let after = cursor ?? ""
        let rows = try await perform { [self] logger in
            try await self.reading { connection in
                try await Self.rows(connection.query("""
                    \(unescaped: Self.columns) FROM flows
                    WHERE (migration_version < \(version) AND status <> 'failed' OR \(unescaped: Self.damagedRow))
                    AND flow_id > \(after) ORDER BY flow_id LIMIT \(limit)
                    """, logger: logger))
            }
        }
        return PendingFlows(flows: rows.flows, damaged: rows.edited.map(damagedRow), lastID: rows.lastID)
    }

    /// The SQL condition of a row that `rows` sets apart as changed by hand: an unknown status, a
    /// version or revision out of range, a blank message, or NULL in a column it reads (made
    /// nullable by hand: a NULL makes the other tests unknown, never true, so it is tested on its own).
    private static let damagedRow = "flow_name IS NULL OR message IS NULL OR migration_version IS NULL OR status IS NULL "
        + "OR revision IS NULL OR updated_at IS NULL OR status NOT IN (\(FlowStatus.expected)) OR \(FlowColumns.outOfRange) "
        + "OR \(FlowColumns.blankMessage(trim: "btrim", whiteSpace: "E' \\t\\n\\r'"))"

    /// The damaged row of an edited one that `rows` sets apart.
    private func damagedRow(_ row: EditedRowRead) -> DamagedFlowRow {
        DamagedFlowRow(flowID: row.edited.flowID, flowName: row.flowName, migrationVersion: row.migrationVersion, problem: row.edited.problem,
                       error: row.edited.storeError(store: displayLocation))
    }

    public func commit(_ updates: [FlowUpdate], events: [MigrationEvent]) async throws(StoreError) -> [String] {
        guard !updates.isEmpty || !events.isEmpty else { return [] }
        let ids = updates.map(\.id), revisions = updates.map(\.expectedRevision), times = updates.map(\.updatedAt.timeIntervalSince1970)
        let messages = updates.map { String(decoding: $0.message, as: UTF8.self) }
        let versions = updates.map(\.migrationVersion), statuses = updates.map(\.status.rawValue)
        let eventIDs = events.map(\.flowID), from = events.map(\.fromVersion), to = events.map(\.toVersion)
        let outcomes = events.map(\.outcome), strategies = events.map { $0.strategy ?? "" }
        let taints = events.map { String(decoding: $0.taints, as: UTF8.self) }
        let recordedTimes = events.map(\.recordedAt.timeIntervalSince1970)
        // One statement: the compare-and-swap update, then the events of the flows it wrote (and of
        // flows it was not asked to write) — in a transaction of its own, which bounds it on the
        // server too (``inTransaction(_:_:)``) and is never committed once given up on. A deadlock
        // with a dispatcher (or a serialization failure) rolls it back whole: it is tried again, as
        // a dispatcher would, rather than stop the sweep.
        let written = try await perform { [self] logger in
            try await Self.retryingTransientFailures {
                try await self.inTransaction("BEGIN") { connection in
                    try await self.bounded {
                        var written = Set<[UInt8]>()
                        let rows = try await connection.query("""
                            WITH input AS (
                                SELECT * FROM unnest(\(ids)::text[], \(revisions)::bigint[], \(messages)::text[], \(versions)::int[],
                                                     \(statuses)::text[], \(times)::float8[])
                                    AS input(id, revision, message, version, status, updated_at)
                            ), updated AS (
                                UPDATE flows AS flow SET message = input.message, migration_version = input.version, status = input.status,
                                    revision = flow.revision + 1, updated_at = input.updated_at
                                FROM input
                                WHERE flow.flow_id = input.id AND flow.revision = input.revision
                                RETURNING flow.flow_id
                            ), recorded AS (
                                INSERT INTO migration_events (flow_id, from_version, to_version, outcome, strategy, taints, recorded_at)
                                SELECT event.id, event.from_version, event.to_version, event.outcome, NULLIF(event.strategy, ''), event.taints,
                                       event.recorded_at
                                FROM unnest(\(eventIDs)::text[], \(from)::int[], \(to)::int[], \(outcomes)::text[], \(strategies)::text[],
                                            \(taints)::text[], \(recordedTimes)::float8[])
                                    AS event(id, from_version, to_version, outcome, strategy, taints, recorded_at)
                                WHERE event.id IN (SELECT flow_id FROM updated) OR event.id NOT IN (SELECT id FROM input)
                            )
                            SELECT flow_id FROM updated
                            """, logger: logger)
                        for try await id in rows.decode(String.self) { written.insert(id.idBytes) }
                        return written
                    }
                }
            }
        }
        return ids.filter { !written.contains($0.idBytes) }
    }

    public func flows(aboveVersion version: Int, limit: Int) async throws(StoreError) -> [StoredFlow] {
        try StoreError.checkSize(limit, "limit")
        return try await perform { [self] logger in
            try await self.reading { connection in
                try await Self.flows(connection.query("""
                    \(unescaped: Self.columns) FROM flows WHERE migration_version > \(version) ORDER BY flow_id LIMIT \(limit)
                    """, logger: logger))
            }
        }
    }

    /// Pages of one repeatable-read, read-only transaction; each query is bounded by the deadline.
    /// `page` is called from the task that holds the connection, one page at a time while the
    /// caller waits (as ``withPooledConnection(_:)`` runs its body), never concurrently with the
    /// caller: a closure isolated to the caller's actor runs there.
    public nonisolated(nonsending) func forEachFlow(pageSize: Int, _ page: @escaping ([StoredFlow]) async throws -> Void) async throws {
        try StoreError.checkSize(pageSize, "pageSize")
        nonisolated(unsafe) let page = page
        try await forEachFlow(pageSize: pageSize, inTransactionCalling: page)
    }

    private func forEachFlow(pageSize: Int, inTransactionCalling page: @escaping ([StoredFlow]) async throws -> Void) async throws {
        /// What `page` threw, told apart from the store's errors.
        struct PageError: Error { let error: any Error }
        do {
            try await inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") { connection in
                var cursor = ""
                while true {
                    let after = cursor
                    let flows = try await bounded { [logger] in
                        try await Self.flows(connection.query("""
                            \(unescaped: Self.columns) FROM flows WHERE flow_id > \(after) ORDER BY flow_id LIMIT \(pageSize)
                            """, logger: logger))
                    }
                    guard let last = flows.last else { return }
                    do {
                        try await page(flows)
                    } catch {
                        throw PageError(error: error)
                    }
                    cursor = last.id
                }
            }
        } catch let error as PageError {
            throw error.error
        } catch {
            throw storeError(error)
        }
    }

    /// In a read-only transaction, so that the server ends the count when the store gives up
    /// on it (its statement_timeout): a count waiting for a lock (a table locked by hand) would
    /// otherwise wait on after the command, holding a connection, one more for every `status`.
    public func statusCounts() async throws(StoreError) -> FlowCounts {
        try await perform { [self] logger in
            try await self.inTransaction("BEGIN READ ONLY") { connection in
                try await self.bounded { try await self.statusCounts(connection, logger: logger) }
            }
        }
    }

    /// A repeatable-read transaction's snapshot is fixed by its first query.
    public func statusCountsSnapshot() async throws(StoreError) -> Task<FlowCounts, any Error> {
        try await SnapshotCounting.start { [logger] snapshotFixed in
            do {
                return try await self.inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") { [logger] connection in
                    try await self.bounded {
                        for try await _ in try await connection.query("SELECT 1 FROM flows LIMIT 1", logger: logger) {}
                    }
                    snapshotFixed()
                    return try await self.bounded { try await self.statusCounts(connection, logger: logger) }
                }
            } catch {
                throw self.storeError(error)
            }
        }
    }

    /// The counts leave out exactly the rows `pending` returns as damaged, so that a sweep
    /// counts each row once. (Each query's rows are all read before the next is sent: one sent
    /// earlier would wait behind the one before, which waits for it.)
    private func statusCounts(_ connection: PostgresConnection, logger: Logger) async throws -> FlowCounts {
        var counts: [StatusCount] = []
        let rows = try await connection.query("""
            SELECT flow_name, migration_version, status, COUNT(*) FROM flows WHERE NOT (\(unescaped: Self.damagedRow))
            GROUP BY flow_name, migration_version, status ORDER BY flow_name COLLATE "C", migration_version, status COLLATE "C"
            """, logger: logger)
        for try await (name, version, status, count) in rows.decode((String, Int, String, Int).self) {
            // The condition leaves only known statuses.
            guard let known = FlowStatus(rawValue: status) else { continue }
            counts.append(StatusCount(flowName: name, migrationVersion: version, status: known, count: count))
        }
        var perFlowName: [String: Int] = [:]
        let damagedRows = try await connection.query("""
            SELECT COALESCE(flow_name, \(DamagedFlowRow.unreadableFlowName)), COUNT(*) FROM flows WHERE \(unescaped: Self.damagedRow) GROUP BY 1
            """, logger: logger)
        for try await (name, count) in damagedRows.decode((String, Int).self) { perFlowName[name, default: 0] += count }
        var damaged: [DamagedFlowRow] = []
        if !perFlowName.isEmpty {
            damaged = try await Self.rows(connection.query("""
                \(unescaped: Self.columns) FROM flows WHERE \(unescaped: Self.damagedRow) ORDER BY flow_id LIMIT \(FlowCounts.listedDamagedRows)
                """, logger: logger)).edited.map(damagedRow)
        }
        return FlowCounts(counts: counts, damaged: damaged, damagedPerFlowName: perFlowName)
    }

    public func events(flowID: String) async throws(StoreError) -> [MigrationEvent] {
        try await perform { [self] logger in
            try await self.reading { connection in
                var events: [MigrationEvent] = []
                let rows = try await connection.query("""
                    SELECT flow_id, from_version, to_version, outcome, strategy, taints, recorded_at FROM migration_events
                    WHERE flow_id = \(flowID) ORDER BY id
                    """, logger: logger)
                for try await (id, from, to, outcome, strategy, taints, time) in rows.decode((String, Int, Int, String, String?, String, Double).self) {
                    events.append(MigrationEvent(flowID: id, fromVersion: from, toVersion: to, outcome: outcome, strategy: strategy,
                                                 taints: Array(taints.utf8), recordedAt: Date(timeIntervalSince1970: time)))
                }
                return events
            }
        }
    }

    // MARK: - Helpers

    private static let columns = "SELECT flow_id, flow_name, message, migration_version, status, revision, updated_at"

    /// The flows of `rows`; a row changed by hand is an error, which names it.
    private static func flows(_ rows: PostgresRowSequence) async throws -> [StoredFlow] {
        let read = try await Self.rows(rows)
        // Every row is read before an edited one is reported: the connection is left with no query running.
        if let edited = read.edited.first?.edited { throw edited }
        return read.flows
    }

    /// A row changed by hand, with what could be read of its flow name and version.
    private typealias EditedRowRead = (edited: EditedRow, flowName: String?, migrationVersion: Int?)

    /// The flows of `rows`, and the rows changed by hand apart.
    private static func rows(_ rows: PostgresRowSequence) async throws -> (flows: [StoredFlow], edited: [EditedRowRead], lastID: String?) {
        var result: [StoredFlow] = []
        var editedRows: [EditedRowRead] = []
        var lastID: String?
        for try await row in rows {
            var edited: EditedRow?
            // Cell by cell (in `columns` order): a value of another type, or NULL, in a column
            // changed by hand names its row and column, not only "PostgresDecodingError".
            let cells = row.makeRandomAccess()
            let id = (try? cells[0].decode(String.self)) ?? "?"
            lastID = id
            // Made only for a row that is refused: most rows are not.
            func selector() -> String? {
                guard PrintableText.hasInvisibleCharacters(id) else { return nil }
                return "flow_id = convert_from(decode('\(Array(id.utf8).map { String(format: "%02X", $0) }.joined())', 'hex'), 'UTF8')"
            }
            defer { if let edited { editedRows.append((edited, try? cells[1].decode(String.self), try? cells[3].decode(Int.self))) } }
            func cell<Value: PostgresDecodable>(_ index: Int, _ type: Value.Type, expected: String) -> Value? {
                do {
                    return try cells[index].decode(Value.self)
                } catch {
                    let found = cells[index].bytes == nil ? "NULL" : "a value of type \(cells[index].dataType)"
                    if edited == nil {
                        edited = EditedRow(flowID: id, column: cells[index].columnName, value: found, expected: expected, selector: selector())
                    }
                    return nil
                }
            }
            guard let _ = cell(0, String.self, expected: "text"), let name = cell(1, String.self, expected: "text"),
                  let message = cell(2, String.self, expected: "text (the dispatcher message as JSON)"),
                  let version = cell(3, Int.self, expected: FlowColumns.expectedVersion),
                  let status = cell(4, String.self, expected: FlowStatus.expected),
                  let revision = cell(5, Int.self, expected: FlowColumns.expectedRevision),
                  let updated = cell(6, Double.self, expected: "a time (seconds since 1970)") else { continue }
            guard let known = FlowStatus(rawValue: status) else {
                edited = EditedRow(flowID: id, column: "status", value: "'\(PrintableText.escaped(status))'", expected: FlowStatus.expected,
                                   selector: selector())
                continue
            }
            if let problem = FlowColumns.problem(version: version, revision: revision) {
                edited = EditedRow(flowID: id, column: problem.column, value: problem.value, expected: problem.expected, selector: selector())
                continue
            }
            let bytes = Array(message.utf8)
            if FlowColumns.isBlank(bytes) {
                edited = EditedRow(flowID: id, column: "message", value: "'\(PrintableText.escaped(message))'", expected: FlowColumns.expectedMessage,
                                   selector: selector())
                continue
            }
            result.append(StoredFlow(id: id, flowName: name, message: bytes, migrationVersion: version,
                                     status: known, revision: revision,
                                     updatedAt: Date(timeIntervalSince1970: updated)))
        }
        return (result, editedRows, lastID)
    }

    private func checkOpen() throws(StoreError) {
        if isClosed.withLock({ $0 }) { throw StoreError.closed(displayLocation) }
    }

    private func perform<T: Sendable>(_ body: @escaping @Sendable (Logger) async throws -> T) async throws(StoreError) -> T {
        try checkOpen()
        let commit = CommitInFlight()
        do {
            // (Its statements are each watched for their connection closing: ``bounded(_:)``.)
            return try await Self.$commitInFlight.withValue(commit) {
                try await deadline.run { [logger] in try await body(logger) }
            }
        } catch {
            let failure = storeError(error)
            // A COMMIT sent and not answered (no answer within the deadline, a connection lost) may yet
            // have been carried out: no one can tell the caller it was not.
            guard commit.isSent.withLock({ $0 }), failure.kind == .unavailable else {
                // Otherwise, connections closed under a running call: that, not a lost connection, is what happened.
                if isClosed.withLock({ $0 }) && (failure.kind == .unavailable || failure.kind == .database) {
                    throw StoreError.closed(displayLocation)
                }
                throw failure
            }
            let ended = (error as? PSQLError).flatMap { $0.serverInfo?[.message] }
            let why = (error as? AnswerDeadline.NoAnswer).map { "none within \($0.timeout.components.seconds) s: the server or the network stalled" }
                ?? ended.map { "the server ended the session instead: \($0)" }
                ?? failure.message.replacingOccurrences(of: "PostgreSQL store \(displayLocation): ", with: "")
            var inDoubt = StoreError(.unavailable, "PostgreSQL store \(displayLocation): the last transaction's COMMIT was sent and got no "
                + "answer (\(why)). It is in doubt: the server may still carry it out, whole, or not at all; what is reported "
                + "here leaves it out. Run the command again once the server answers: what that transaction wrote is then found "
                + "in the store (apply finds the flows it migrated up to date, each with its migration event; import with "
                + "--skip-identical skips the flows it stored)")
            inDoubt.isCommitInDoubt = true
            throw inDoubt
        }
    }

    /// Whether the operation's transaction has sent its COMMIT and not had an answer from the
    /// server: set by ``inTransaction(_:_:)`` in the task of ``perform(_:)``, which reads it when the
    /// operation fails.
    private final class CommitInFlight: Sendable {
        let isSent = Mutex(false)
    }

    @TaskLocal private static var commitInFlight: CommitInFlight?

    /// The connection the running code holds from the pool (``onFreshSession(_:)`` sets it), which
    /// ``bounded(_:)`` watches: one the server ended mid-statement fails the statement at once,
    /// where postgres-nio would wait for an answer that cannot come.
    @TaskLocal private static var leasedConnection: PostgresConnection?

    /// The session of a connection from the pool ended before the work on it changed anything: a
    /// transaction's BEGIN, or a read, found it over. Most often the server (or a network device
    /// between) ended it while it sat idle — a restart, a failover, `pg_terminate_backend`, an
    /// idle timeout — and the pool had not yet heard; the work is tried again on another.
    private struct EndedSession: Error {
        let error: any Error
    }

    /// `read` — statements that change nothing — on a connection from the pool (``onFreshSession(_:)``),
    /// under the store's deadline and watched; a read whose session ends under it is read again on
    /// another connection: repeating it is harmless.
    private func reading<T: Sendable>(_ read: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await onFreshSession { connection in
            do {
                return try await bounded { try await read(connection) }
            } catch where Self.isSessionEnd(error) {
                throw EndedSession(error: error)
            }
        }
    }

    /// Runs `body` in a transaction of its own (`begin`: the BEGIN statement) on one connection,
    /// each statement under the store's deadline (``bounded(_:)``, which `body` uses too) and
    /// watched for its connection closing. After a statement that got no answer, no ROLLBACK is
    /// sent — it would wait on the same dead (or busy) connection: the connection is closed
    /// instead (``onFreshSession(_:)``), and the server rolls the transaction back.
    private func inTransaction<T: Sendable>(_ begin: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try checkOpen()
        return try await onFreshSession { connection in try await transaction(begin, on: connection, body) }
    }

    /// `body` on a connection from the pool, watched by ``bounded(_:)``; when `body` finds the
    /// session over before it changed anything (``EndedSession``), on another
    /// one — as often as the pool may hold connections that are over, plus one, with a short pause
    /// that lets the pool hear of the ones closed. A connection on which a statement got no answer
    /// is closed, so that the pool never hands it out still busy (or inside a transaction).
    private func onFreshSession<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withPooledConnection { connection in
                    do {
                        return try await Self.$leasedConnection.withValue(connection) { try await body(connection) }
                    } catch let error as AnswerDeadline.NoAnswer {
                        // Closing a dropped connection may never finish either: not waited for long.
                        _ = try? await AnswerDeadline(timeout: .seconds(5)).run { try await connection.close() }
                        throw error
                    }
                }
            } catch let ended as EndedSession {
                guard attempt <= maximumConnections else { throw ended.error }
                logger.debug("a pooled connection's session had ended; trying another", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(20 * attempt))
                attempt += 1
            }
        }
    }

    /// Whether `error` says the connection's session is over (ended by the server, or closed).
    private static func isSessionEnd(_ error: any Error) -> Bool {
        if error is AnswerDeadline.ConnectionLost || error is EndedSession { return true }
        guard let error = error as? PSQLError else { return false }
        if let state = error.serverInfo?[.sqlState] { return state.hasPrefix("57P") || state == "08006" }
        return connectionLossCodes.contains(error.code)
    }

    /// The transaction of ``inTransaction(_:_:)`` on `connection`, rolled back on an error while
    /// the connection is open and its session goes on; a BEGIN that finds the session over is
    /// ``EndedSession``.
    private func transaction<T: Sendable>(_ begin: String, on connection: PostgresConnection,
                                          _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            do {
                _ = try await bounded { [logger] in try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger) }
            } catch where Self.isSessionEnd(error) {
                throw EndedSession(error: error)
            }
            return try await transactionBegun(begin, on: connection, body)
        } catch {
            // (After a statement got no answer, ``onFreshSession(_:)`` closes the connection instead.)
            if !(error is AnswerDeadline.NoAnswer) && !Self.isSessionEnd(error) && !connection.isClosed {
                // (Watched: a connection that closes meanwhile does not keep the caller waiting.)
                _ = try? await deadline.run(isLost: { connection.isClosed }) { [logger] in
                    try await connection.query("ROLLBACK", logger: logger)
                }
            }
            throw error
        }
    }

    /// The rest of ``transaction(_:on:_:)``, after its BEGIN: the bound, `body`, COMMIT.
    private func transactionBegun<T: Sendable>(_ begin: String, on connection: PostgresConnection,
                                               _ body: (PostgresConnection) async throws -> T) async throws -> T {
        // The server ends a statement the tool has stopped waiting for: without it, a batch given
        // up on (a lock held past --store-timeout) would go on waiting, holding its row locks, and
        // commit after the tool had said it stopped. (For this transaction only: a pooler such as
        // PgBouncer hands the connection on.)
        let milliseconds = deadline.timeout.components.seconds * 1_000 + deadline.timeout.components.attoseconds / 1_000_000_000_000_000
        _ = try await bounded { [logger] in
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(milliseconds)"), logger: logger)
        }
        let value = try await body(connection)
        // Given up on meanwhile (the deadline of the whole operation passed while a statement
        // waited, say for a lock that has just gone): rolled back, never committed after the
        // caller was told it stopped.
        try Task.checkCancellation()
        // (A read-only transaction's COMMIT in doubt changes nothing.)
        if !begin.hasSuffix("READ ONLY") { Self.commitInFlight?.isSent.withLock { $0 = true } }
        do {
            _ = try await bounded { [logger] in try await connection.query("COMMIT", logger: logger) }
        } catch let error as PSQLError where error.serverInfo != nil && !Self.isSessionEnd(error) {
            // The server's answer: the transaction was rolled back (a serialization failure). (Not
            // an answer that ends the session — an administrator, a shutdown: a COMMIT that waited for
            // synchronous replication is answered so, having committed locally. It stays in doubt.)
            Self.commitInFlight?.isSent.withLock { $0 = false }
            throw error
        }
        Self.commitInFlight?.isSent.withLock { $0 = false }
        return value
    }

    /// postgres-nio's codes for a connection that failed or was closed: the server's answer, if
    /// any, never arrived.
    static let connectionLossCodes: [PSQLError.Code] = [.connectionError, .serverClosedConnection, .clientClosedConnection,
                                                         .unexpectedBackendMessage]

    /// The pool handed out no connection within the deadline.
    private struct NoPooledConnection: Error {
        let timeout: Duration
    }

    /// Whether a connection has come from the pool; shared by ``withPooledConnection(_:)``'s two tasks.
    private final class LeaseFlag: Sendable {
        let isLeased = Mutex(false)
    }

    /// `body` on a connection from the pool, given up on (``NoPooledConnection``) when the pool
    /// hands out none within the deadline: while the server is down, it goes on trying to open one
    /// for up to a minute, and a read over the whole store is not inside a deadline of its own.
    /// `body` itself is not bounded here — its statements are, one by one. It runs in a task of its
    /// own while the caller waits, never concurrently with the caller, so it need not be `Sendable`.
    private func withPooledConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let lease = LeaseFlag()
        // The group waits for both of its tasks before it returns: `body` does not outlive the call.
        return try await withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { [client] in
                    try await client.withConnection { connection in
                        lease.isLeased.withLock { $0 = true }
                        return try await body(connection)
                    }
                }
                group.addTask { [timeout = deadline.timeout] in
                    try await Task.sleep(for: timeout)
                    if !lease.isLeased.withLock({ $0 }) { throw NoPooledConnection(timeout: timeout) }
                    return nil
                }
                // The first error ends the group, cancelling the other task (a lease still waited
                // for is withdrawn from the pool); the watch returns nothing once a connection came.
                while let finished = try await group.next() {
                    if let value = finished {
                        group.cancelAll()
                        return value
                    }
                }
                preconditionFailure("the task that runs the body returns a value or throws")
            }
        }
    }

    /// One statement (or a few) under the store's deadline, failed at once when the connection
    /// it runs on (``onFreshSession(_:)``) closes meanwhile.
    private func bounded<T: Sendable>(_ statement: @escaping @Sendable () async throws -> T) async throws -> T {
        var isLost: (@Sendable () -> Bool)?
        if let connection = Self.leasedConnection { isLost = { connection.isClosed } }
        return try await deadline.run(isLost: isLost, statement)
    }

    /// What a postgres-nio error means for the caller.
    private func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? EditedRow { return error.storeError(store: displayLocation) }
        if let error = error as? EndedSession { return storeError(error.error) }
        if error is AnswerDeadline.ConnectionLost {
            return StoreError(.unavailable, "PostgreSQL store \(displayLocation): the connection to the server closed while a statement "
                + "waited for its answer (the server ended the session — a restart, a failover, an administrator, or its "
                + "idle_in_transaction_session_timeout while the command waited on its reader, as an export into a slow pipe does — or "
                + "the network dropped it; the server's log says which); the server rolls back a transaction it did not commit, whole")
        }
        if let error = error as? AnswerDeadline.NoAnswer {
            return StoreError(.unavailable, "PostgreSQL store \(displayLocation): no answer from the server within \(error.timeout.components.seconds) s: "
                + "the connection may have dropped, or the work needs longer than --store-timeout allows (a lock another "
                + "session holds on the store's tables, a very large batch); "
                + "the server commits or rolls back a transaction whole, never in part")
        }
        if let error = error as? NoPooledConnection {
            return StoreError(.unavailable, "PostgreSQL store \(displayLocation): no connection to the server could be opened within "
                + "\(error.timeout.components.seconds) s (is it down, or restarting? are the host and port right?); nothing was read "
                + "or written: run again once it answers")
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return storeError(inner) }
            return StoreError(.database, "PostgreSQL store \(displayLocation): \(String(reflecting: error))")
        }
        if let error = error as? PSQLError {
            if error.serverInfo?[.sqlState] == "23505" {
                return StoreError(.duplicateFlow, "a flow id is already in the store (\(error.serverInfo?[.detail] ?? "unique violation"))")
            }
            if error.serverInfo?[.sqlState] == "42501" {
                let message = error.serverInfo?[.message] ?? "permission denied"
                // Creating the store's tables (its first import) needs the schema's CREATE, not the tables' grants.
                let needed = message.contains("for schema")
                    ? "creating the store's tables needs CREATE on the schema (GRANT CREATE ON SCHEMA … TO the role), or create the "
                        + "store once as a role that has it and GRANT this one its tables"
                    : "every command needs SELECT on selinon_migrate_schema, flows and migration_events; apply and import also "
                        + "INSERT and UPDATE on flows and migration_events and USAGE on migration_events_id_seq (GRANT them, or connect "
                        + "as the store's owner)"
                return StoreError(.database, "PostgreSQL store \(displayLocation): \(message) — \(needed); the statement was rolled back whole")
            }
            // A statement_timeout: --store-timeout's within a transaction of this tool, the role's or database's own
            // elsewhere (or a pg_cancel_backend): the statement was ended, nothing of it kept.
            if error.serverInfo?[.sqlState] == "57014" {
                return StoreError(.unavailable, "PostgreSQL store \(displayLocation): \(error.serverInfo?[.message] ?? "statement canceled") "
                    + "— the server ended a statement that ran longer than its statement_timeout allows: --store-timeout's in this "
                    + "tool's transactions, otherwise the one set for the role or database (SHOW statement_timeout; ALTER ROLE … SET "
                    + "statement_timeout), which may be shorter (a lock another session holds on the store's tables, a very large "
                    + "batch); it was rolled back whole")
            }
            // The server ended the session (an administrator, a shutdown, a crash of another backend)
            // or the connection failed: whatever the transaction wrote was rolled back (a COMMIT already
            // sent is in doubt: ``perform(_:)`` says so); run again later.
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") || state == "08006" {
                return StoreError(.unavailable, "PostgreSQL store \(displayLocation): \(error.serverInfo?[.message] ?? state) (the server "
                    + "ended the session: it shut down or restarted, or an administrator ended it); the transaction under way was "
                    + "rolled back whole")
            }
            // read_only_sql_transaction: a standby, or default_transaction_read_only set for the database or role.
            if error.serverInfo?[.sqlState] == "25006" {
                return StoreError(.database, "PostgreSQL store \(displayLocation): \(error.serverInfo?[.message] ?? "read-only transaction") "
                    + "— the server takes only reads here: it is a standby (a replica; connect to the primary), or "
                    + "default_transaction_read_only is on for the database or role (SHOW default_transaction_read_only; "
                    + "ALTER DATABASE … SET default_transaction_read_only = off); nothing was written")
            }
            if error.serverInfo?[.sqlState] == "3D000" {
                return StoreError(.missingStore, "there is no store at \(displayLocation): \(error.serverInfo?[.message] ?? "no such database") "
                    + "on the server; check the location (import creates the tables of a store, not its database: CREATE DATABASE first)")
            }
            if let message = error.serverInfo?[.message] {
                return StoreError(.database, "PostgreSQL store \(displayLocation): \(message)")
            }
            // The server's own error, wrapped as the cause of a closed connection (a session an
            // administrator ended while it sat in the pool): read as that error.
            if let inner = error.underlying as? PSQLError, inner.serverInfo != nil { return storeError(inner) }
            var reason = error.underlying.map(Self.connectionFailure) ?? Self.words(for: error.code)
            // The socket's own path, which the location only implies (its directory and port).
            if let socket = probe.unixSocketPath, error.underlying is IOError {
                reason = "cannot connect to the socket \(socket): \(reason) (is the server running, with its socket in that directory "
                    + "— unix_socket_directories — and on that port?)"
            } else if let failure = error.underlying as? IOError, [ECONNRESET, EPIPE, ETIMEDOUT].contains(failure.errnoCode) {
                // An open connection that broke (a server stopped at once, a network fault): the bare errno says nothing of it.
                reason += " (the connection to the server broke: it shut down or restarted, or the network dropped the connection); "
                    + "the transaction under way was rolled back, what earlier ones wrote is kept: run again once the server answers"
            }
            return StoreError(Self.connectionLossCodes.contains(error.code) ? .unavailable : .database, "PostgreSQL store \(displayLocation): \(reason)")
        }
        if let error = error as? ConnectionPoolError, error == .poolShutdown {
            return StoreError(.misuse, "the store \(displayLocation) was closed while an operation on it was still running: close it "
                + "only once its operations have finished (what committed before is kept; the operation was not done)")
        }
        if let error = error as? ConnectionPoolError, error == .connectionCreationCircuitBreakerTripped {
            return StoreError(.unavailable, "PostgreSQL store \(displayLocation): no connection to the server could be opened for a while "
                + "(is it down, or restarting?); what earlier transactions wrote is kept: run again once it is back")
        }
        return StoreError(.unavailable, "PostgreSQL store \(displayLocation): \(error)")
    }

    /// What a postgres-nio error code means, when the error carries nothing more.
    private static func words(for code: PSQLError.Code) -> String {
        switch code {
        case .serverClosedConnection: return "the server closed the connection (it shut down or restarted; or, on a first "
            + "connection, it is no PostgreSQL server)"
        case .clientClosedConnection: return "the connection was closed"
        case .unexpectedBackendMessage: return "the server's answer is not PostgreSQL's protocol (is the port right?)"
        case .sslUnsupported: return "the server does not offer TLS"
        case .authMechanismRequiresPassword: return "the server asks for a password: set PGPASSWORD (or give it in the URL)"
        default: return "\(code)"
        }
    }

    /// Why a connection could not be made, in the system's words: "cannot connect to
    /// 127.0.0.1 port 5432: Connection refused", "cannot resolve db.example: …".
    private static func connectionFailure(_ error: any Error) -> String {
        func words(_ error: any Error) -> String {
            if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
            if let error = error as? SocketAddressError.UnknownHost { return error.errorDescription }
            if let error = error as? SocketAddressError, case .unknown = error { return "no such host" }
            if let error = error as? NIOSSLError, case .handshakeFailed(let reason) = error {
                return "\(reason)".contains("CERTIFICATE_VERIFY_FAILED")
                    ? "the TLS handshake failed: the server's certificate could not be verified (CERTIFICATE_VERIFY_FAILED); if a private "
                        + "certificate authority signed it, give its certificate with &sslrootcert=PATH"
                    : "the TLS handshake failed: \(reason)"
            }
            if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
                return "the TLS handshake failed: the server's certificate is not for the host name in the URL (\(error))"
            }
            if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
                return "no answer within \(timeout.nanoseconds / 1_000_000_000) s (is the port right? a firewall may drop the packets, "
                    + "or the server may be too busy to accept; --store-timeout sets how long to wait)"
            }
            // A PSQLError's own description hides everything ("Generic description to prevent accidental leakage").
            if let error = error as? PSQLError {
                return error.serverInfo?[.message] ?? error.underlying.map(words) ?? Self.words(for: error.code)
            }
            return "\(error)"
        }
        if let error = error as? NIOConnectionError {
            let attempts = error.connectionErrors.map { failure in
                "cannot connect to \(failure.target.ipAddress ?? error.host) port \(failure.target.port ?? error.port): \(words(failure.error))"
            }
            if !attempts.isEmpty { return attempts.joined(separator: "; ") }
            if let lookup = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve \(error.host): \(words(lookup))" }
            return "cannot connect to \(error.host) port \(error.port)"
        }
        return words(error)
    }
}
