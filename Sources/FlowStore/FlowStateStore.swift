import Foundation

/// Where in-flight flow states live while old and new workers run side by side.
///
/// Implementations: ``SQLiteFlowStore`` (embedded, the default) and ``PostgresFlowStore`` (one
/// store shared by many machines). Every write is a transaction; every change of a flow states
/// the revision it read and fails when the flow changed since (compare-and-swap), so nothing is
/// lost, half-written or overwritten. Schema versions are recorded; a store written by a newer
/// tool is refused.
public protocol FlowStateStore: Sendable {
    /// Checks the schema, creating or upgrading it.
    /// - Parameter createIfMissing: create the tables in a database that has none; when false,
    ///   such a database is an error (a mistyped location must not look like an empty store).
    /// - Throws: ``StoreError`` `newerSchema` when a newer tool created the store, `missingStore`
    ///   when it has no tables and `createIfMissing` is false.
    func prepare(createIfMissing: Bool) async throws(StoreError)

    /// Adds flows, all or none: a flow id that appears twice, or that exists and `existing` does
    /// not allow, rejects the whole call.
    /// - Returns: the number of flows skipped because the store holds them already (always 0
    ///   with ``ExistingFlows/reject``).
    @discardableResult
    func insert(_ flows: [NewFlow], existing: ExistingFlows) async throws(StoreError) -> Int

    /// The flow with `id`, if there is one.
    func flow(id: String) async throws(StoreError) -> StoredFlow?

    /// Writes one flow if it still has `update.expectedRevision`.
    /// - Returns: the new revision, or `nil` when the flow changed (or vanished) meanwhile.
    func save(_ update: FlowUpdate) async throws(StoreError) -> Int?

    /// Removes a flow that is no longer in flight (it ended) if it still has `expectedRevision`;
    /// its migration events stay, as the record of what was done to it.
    /// - Returns: whether it was removed; `false` when it changed (or vanished) meanwhile.
    func remove(id: String, expectedRevision: Int) async throws(StoreError) -> Bool

    /// Up to `limit` rows after `cursor`, ordered by id: the flows below `version` that are not
    /// failed, and every row changed by hand (as a ``DamagedFlowRow``, whatever its version), so
    /// that one such row is reported and stops nothing. A row whose id does not read back as the
    /// text it is, which no page could start after (SQLite keeps any bytes), is named in the page
    /// that reads past it — an id that is not text at all with the first page (`cursor` nil),
    /// beyond `limit`.
    func pending(belowVersion version: Int, after cursor: String?, limit: Int) async throws(StoreError) -> PendingFlows

    /// Writes `updates` and `events` in one transaction. An update whose flow changed since it
    /// was read is skipped, with the events of that flow, and its id returned; everything else is
    /// written.
    func commit(_ updates: [FlowUpdate], events: [MigrationEvent]) async throws(StoreError) -> [String]

    /// Flows above `version`, ordered by id (examples of skew in reports).
    func flows(aboveVersion version: Int, limit: Int) async throws(StoreError) -> [StoredFlow]

    /// Every flow, ordered by id, read in one snapshot of the store (for export): a write that
    /// commits while the flows are read is not seen, so the flows are exactly those of one
    /// moment. `page` gets up to `pageSize` flows at a time; the next page is read after it returns.
    /// The call runs on the caller's actor (`nonisolated(nonsending)`), so an actor — a
    /// `@MainActor` service, say — can pass a closure that changes its own state; `page` is never
    /// called concurrently with the caller nor with itself.
    /// - Throws: ``StoreError`` from the store, or what `page` throws.
    nonisolated(nonsending) func forEachFlow(pageSize: Int, _ page: @escaping ([StoredFlow]) async throws -> Void) async throws

    /// Flows per flow name, version and status, and the rows changed by hand that could not be
    /// counted (named, not an error).
    func statusCounts() async throws(StoreError) -> FlowCounts

    /// Starts counting flows per flow name, version and status in one snapshot of the store
    /// and returns once that snapshot is fixed: writes after the return are not counted, so a
    /// sweep can start writing while the counts are still being made.
    func statusCountsSnapshot() async throws(StoreError) -> Task<FlowCounts, any Error>

    /// The events of one flow, oldest first.
    func events(flowID: String) async throws(StoreError) -> [MigrationEvent]

    /// Releases connections. Calls made after it throw a ``StoreError`` of kind `misuse`; a call
    /// running as it closes ends as it would have (SQLite waits for it) or with that same error
    /// (PostgreSQL closes its connections under it; a COMMIT already sent is still reported as
    /// in doubt).
    func close() async
}

extension FlowStateStore {
    /// Adds flows, all or none: a flow id that exists (or appears twice) rejects the whole call.
    public func insert(_ flows: [NewFlow]) async throws(StoreError) {
        try await insert(flows, existing: .reject)
    }

    /// Counts first, then returns the finished counts: for stores whose counting query cannot
    /// tell when its snapshot is taken.
    public func statusCountsSnapshot() async throws(StoreError) -> Task<FlowCounts, any Error> {
        let counts = try await statusCounts()
        return Task { counts }
    }
}

/// What ``FlowStateStore/insert(_:existing:)`` does with a flow whose id the store holds already.
public enum ExistingFlows: Sendable, Equatable {
    /// The id is an error (`duplicateFlow`).
    case reject
    /// The flow is skipped when the stored one has the same message and status — a second
    /// import of the same lines, such as the rerun of an interrupted import — and is an error
    /// otherwise: a stored flow that differs is never overwritten or silently kept.
    case skipIdentical
}

/// Counting in a transaction of its own that tells when its snapshot is fixed.
enum SnapshotCounting {
    /// Starts `count`, which must call `snapshotFixed` once its first read has fixed its
    /// snapshot, and returns then; when `count` fails before, throws its error.
    static func start(_ count: @escaping @Sendable (_ snapshotFixed: @escaping @Sendable () -> Void) async throws -> FlowCounts)
        async throws(StoreError) -> Task<FlowCounts, any Error> {
        let (fixed, continuation) = AsyncStream<Void>.makeStream()
        let counting = Task {
            defer { continuation.finish() }
            return try await count { continuation.yield() }
        }
        for await _ in fixed { return counting }
        do {
            _ = try await counting.value
        } catch {
            throw error as? StoreError ?? StoreError(.database, "counting the flows failed: \(error)")
        }
        throw StoreError(.database, "counting the flows did not read the store")
    }
}

/// The schema version this tool writes and reads.
public enum StoreSchema {
    /// The schema version this tool writes (in `selinon_migrate_schema`), and the newest it reads: a
    /// store with a higher one is refused (``StoreError/Kind-swift.enum/newerSchema``).
    public static let version = 1

    static func missingStoreError(_ location: String) -> StoreError {
        StoreError(.missingStore, "there is no store at \(location): nothing was stored there yet (selinon-migrate import creates a "
            + "store, as a service's prepare(createIfMissing: true) does); check the location")
    }

    /// The tables of a store without the row that says their version (removed by hand).
    static func missingVersionError(_ location: String, found: String? = nil) -> StoreError {
        let what = found.map { "schema version \($0), which no selinon-migrate writes (selinon_migrate_schema was changed" }
            ?? "no schema version (selinon_migrate_schema was emptied or dropped"
        return StoreError(.damaged, "the store at \(location) has flows but \(what) by hand): restore it from a backup, or put its row "
            + "back: CREATE TABLE IF NOT EXISTS selinon_migrate_schema (version INTEGER NOT NULL); DELETE FROM selinon_migrate_schema; "
            + "INSERT INTO selinon_migrate_schema (version) VALUES (\(version))")
    }

    /// What `prepare` has to do, from what a read-only look found: nothing, or create or
    /// upgrade the schema (which writes).
    /// - Throws: `newerSchema`, `missingStore` (a reader finds no store), `damaged` (flows
    ///   without a schema version, a versioned store without one of its tables).
    /// - Parameter eventsTableSQL: the statement that creates the backend's `migration_events`,
    ///   given as the way back when that table was dropped.
    static func needsWriting(location: String, hasSchemaTable: Bool, hasFlowsTable: Bool, hasEventsTable: Bool, version: Int?,
                             createIfMissing: Bool, eventsTableSQL: String) throws(StoreError) -> Bool {
        if let version, version > Self.version { throw newerSchemaError(version, location: location) }
        if hasFlowsTable && (version ?? 0) < 1 { throw missingVersionError(location, found: version.map(String.init)) }
        if let version, version >= 1, !hasFlowsTable {
            throw StoreError(.damaged, "the store at \(location) has a schema version but no flows table (dropped by hand?): restore it "
                + "from a backup; to start an empty store instead, remove it (its file, or the table selinon_migrate_schema)")
        }
        if let version, version >= 1, !hasEventsTable {
            // Every migration writes its outcome there: a dry run would pass, the real run fail at its first batch.
            let statement = eventsTableSQL.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            throw StoreError(.damaged, "the store at \(location) has no migration_events table (dropped by hand?): restore the store "
                + "from a backup, or create the table again, empty — the record of earlier migration outcomes is lost, the flows are "
                + "not: \(statement)")
        }
        // No flows and no version: an empty store for a writer to make; nothing for a reader.
        if !createIfMissing && (version ?? 0) < 1 { throw missingStoreError(location) }
        return version != Self.version
    }

    /// The statement that creates the event log, with the backend's types for its key (`id`, an
    /// auto-incremented integer) and its time column.
    static func createEventsTable(id: String, time: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS migration_events (
            id \(id) PRIMARY KEY,
            flow_id TEXT NOT NULL,
            from_version INTEGER NOT NULL,
            to_version INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            strategy TEXT,
            taints TEXT NOT NULL,
            recorded_at \(time) NOT NULL
        )
        """
    }

    /// The columns of the store's tables, with their types as PostgreSQL names them.
    static let columns: [(table: String, columns: [(name: String, type: String)])] = [
        ("flows", [("flow_id", "text"), ("flow_name", "text"), ("message", "text"), ("migration_version", "integer"),
                   ("status", "text"), ("revision", "bigint"), ("created_at", "double precision"), ("updated_at", "double precision")]),
        ("migration_events", [("id", "bigint"), ("flow_id", "text"), ("from_version", "integer"), ("to_version", "integer"),
                              ("outcome", "text"), ("strategy", "text"), ("taints", "text"), ("recorded_at", "double precision")]),
    ]

    /// Tables named `flows` and `migration_events` without the schema table that are not a
    /// store's (another application's: they lack the columns that make a store's), given the
    /// columns each has — or `nil` when they are a store's, whose schema table was dropped.
    static func foreignTablesError(location: String, found: [String: Set<String>]) -> StoreError? {
        let identifying = ["flows": ["flow_id", "message", "migration_version"], "migration_events": ["flow_id", "to_version", "outcome"]]
        for (table, names) in identifying.sorted(by: { $0.key < $1.key }) {
            guard let present = found[table], let missing = names.first(where: { !present.contains($0) }) else { continue }
            return StoreError(.notAStore, "the database of \(location) has tables 'flows' and 'migration_events' of something else "
                + "(\(table) has no column \(missing), and there is no selinon_migrate_schema); give the store a database (or a "
                + "search_path schema) of its own")
        }
        return nil
    }

    /// The columns whose values a store can do without, as they are added back (what a compare
    /// and swap, a timestamp or the event log's detail holds); the others cannot be made up.
    static let recreatableColumns = [
        "flows.revision": "bigint NOT NULL DEFAULT 1", "flows.created_at": "double precision NOT NULL DEFAULT 0",
        "flows.updated_at": "double precision NOT NULL DEFAULT 0", "migration_events.strategy": "text",
        "migration_events.taints": "text NOT NULL DEFAULT '[]'", "migration_events.recorded_at": "double precision NOT NULL DEFAULT 0",
    ]

    /// A store table missing a column (dropped by hand), given the columns each table has;
    /// tables not in `found` are not judged.
    static func missingColumnError(location: String, found: [String: Set<String>]) -> StoreError? {
        for (table, expected) in columns {
            guard let present = found[table], let missing = expected.first(where: { !present.contains($0.name) }) else { continue }
            let way = recreatableColumns["\(table).\(missing.name)"].map { "restore the store from a backup, or add the column back "
                + "(ALTER TABLE \(table) ADD COLUMN \(missing.name) \($0))" } ?? "restore the store from a backup: its values cannot be made up"
            return StoreError(.damaged, "the table '\(table)' of \(location) was changed outside selinon-migrate: it has no column "
                + "\(missing.name) (dropped by hand?); \(way)")
        }
        return nil
    }

    static func newerSchemaError(_ found: Int, location: String) -> StoreError {
        StoreError(.newerSchema, "the store at \(location) was created by a newer selinon-migrate (schema version \(found); this tool knows "
            + "up to \(version)); upgrade selinon-migrate before using this store")
    }
}
