import FlowMigration
import Foundation

/// One in-flight flow in a store: its dispatcher message, kept as the exact JSON text it was
/// given, with the columns migrations and reports select on.
public struct StoredFlow: Sendable, Equatable {
    /// The flow's id: the dispatcher task id (`dispatcher_id`).
    public var id: String
    /// `flow_name` of the message.
    public var flowName: String
    /// The dispatcher message, JSON text, byte for byte as imported or last migrated.
    public var message: [UInt8]
    /// The migration version the state conforms to.
    public var migrationVersion: Int
    /// Where the flow stands for migrations (the `status` column, kept apart from the message).
    public var status: FlowStatus
    /// Incremented by every write; writes state the revision they read (compare-and-swap).
    public var revision: Int
    /// When the record was last written.
    public var updatedAt: Date

    /// A record with every column given, as a store reads it back.
    public init(id: String, flowName: String, message: [UInt8], migrationVersion: Int, status: FlowStatus,
                revision: Int, updatedAt: Date) {
        self.id = id
        self.flowName = flowName
        self.message = message
        self.migrationVersion = migrationVersion
        self.status = status
        self.revision = revision
        self.updatedAt = updatedAt
    }
}

/// A new flow to add to a store (revision 1).
public struct NewFlow: Sendable, Equatable {
    /// The flow's id: the dispatcher task id (`dispatcher_id`), unique in the store and at most
    /// ``maximumIDBytes`` UTF-8 bytes.
    public var id: String
    /// `flow_name` of the message.
    public var flowName: String
    /// The dispatcher message, JSON text, stored byte for byte (without `selinon_migrate_status`).
    public var message: [UInt8]
    /// The message's `migration_version` (0 when it has none), from 0 to ``maximumMigrationVersion``.
    public var migrationVersion: Int
    /// The status the flow starts with: `running`, unless an exported line's
    /// `selinon_migrate_status` says otherwise.
    public var status: FlowStatus

    /// A flow to add; it is `running` unless `status` says otherwise.
    public init(id: String, flowName: String, message: [UInt8], migrationVersion: Int, status: FlowStatus = .running) {
        self.id = id
        self.flowName = flowName
        self.message = message
        self.migrationVersion = migrationVersion
        self.status = status
    }
}

extension NewFlow {
    /// The largest `migration_version` a store keeps: PostgreSQL's column is a 32-bit integer,
    /// and SQLite stores are held to the same bound so that flows move between the two (`export`,
    /// `import`). No migration directory comes near it.
    public static let maximumMigrationVersion = Int(Int32.max)

    /// Refuses a migration version outside `0…maximumMigrationVersion`.
    static func checkStorable(migrationVersion: Int, flowID: String?) throws(StoreError) {
        let prefix = flowID.map { "flow '\($0)': " } ?? ""
        if migrationVersion < 0 {
            throw StoreError(.invalidState, prefix + "migration_version \(migrationVersion) is negative; versions count migrations from 0",
                             flowID: flowID)
        }
        guard migrationVersion > maximumMigrationVersion else { return }
        throw StoreError(.invalidState, prefix + "migration_version \(migrationVersion) is more than a "
            + "store keeps (at most \(maximumMigrationVersion)); no migration directory has that many migrations, so the message was "
            + "made elsewhere: fix its migration_version", flowID: flowID)
    }

    /// The longest flow id a store keeps, in UTF-8 bytes: PostgreSQL's index of ids refuses
    /// entries above about 2,700 bytes, and both backends keep the same ids. (Selinon's dispatcher
    /// ids are Celery task ids: 36 characters.)
    public static let maximumIDBytes = 2_000

    /// Rejects a batch that gives one flow id twice, or a flow ``checkStorable()`` refuses.
    static func checkInsertable(_ flows: [NewFlow]) throws(StoreError) {
        var seen = Set<[UInt8]>()
        for flow in flows {
            try flow.checkStorable()
            if !seen.insert(flow.id.idBytes).inserted {
                throw StoreError(.duplicateFlow, "flow id '\(PrintableText.escaped(flow.id))' appears twice", flowID: flow.id)
            }
        }
    }

    /// Rejects an id or flow name that a store cannot keep (PostgreSQL text holds no U+0000,
    /// and SQLite's C strings would end there; ids longer than ``maximumIDBytes``), and a
    /// migration version above ``maximumMigrationVersion`` — what any store refuses, so that a
    /// caller can refuse it before it opens (or creates) one.
    package func checkStorable() throws(StoreError) {
        try Self.checkStorable(migrationVersion: migrationVersion, flowID: id)
        if id.utf8.count > Self.maximumIDBytes {
            throw StoreError(.invalidState, "flow id '\(PrintableText.escaped(String(id.prefix(40))))…' is \(id.utf8.count) bytes long, more than a store keeps "
                + "(\(Self.maximumIDBytes)); Selinon's dispatcher ids are 36 characters, so the message was made elsewhere: fix it",
                             flowID: id)
        }
        if id.utf8.contains(0) || flowName.utf8.contains(0) {
            let (what, value) = id.utf8.contains(0) ? ("flow id", id) : ("flow name", flowName)
            throw StoreError(.invalidState, "\(what) '\(value.debugDescription.dropFirst().dropLast())' contains U+0000, which a "
                + "store cannot keep; Selinon's dispatcher ids and flow names never do, so the message was made elsewhere: fix it",
                             flowID: id)
        }
    }

    /// Whether this flow may be left out because the store holds `stored` under its id.
    /// - Throws: ``StoreError`` `duplicateFlow` unless `existing` is
    ///   ``ExistingFlows/skipIdentical`` and `stored` has this flow's message and status.
    func checkSkippable(besides stored: StoredFlow?, existing: ExistingFlows) throws(StoreError) {
        var reason = "flow id '\(PrintableText.escaped(id))' is already in the store"
        if existing == .skipIdentical, let stored {
            if stored.message == message && stored.status == status { return }
            reason += stored.message == message
                ? " with status \(stored.status.rawValue), not \(status.rawValue)"
                : " with a different message (changed since it was imported, or another flow's line)"
            reason += ", so it is neither skipped nor overwritten"
        }
        throw StoreError(.duplicateFlow, reason, flowID: id)
    }
}

/// A write that succeeds only when the record still has `expectedRevision`.
public struct FlowUpdate: Sendable, Equatable {
    /// The id of the flow to write (`dispatcher_id`).
    public var id: String
    /// The revision the writer read; the write is skipped (a conflict) when the record has another.
    public var expectedRevision: Int
    /// The dispatcher message to store, JSON text, kept byte for byte.
    public var message: [UInt8]
    /// The migration version `message` conforms to.
    public var migrationVersion: Int
    /// The flow's status from this write on.
    public var status: FlowStatus
    /// The record's new `updatedAt`.
    public var updatedAt: Date

    /// A write of flow `id` from `expectedRevision`, stamped `updatedAt` (by default, now).
    public init(id: String, expectedRevision: Int, message: [UInt8], migrationVersion: Int, status: FlowStatus,
                updatedAt: Date = Date()) {
        self.id = id
        self.expectedRevision = expectedRevision
        self.message = message
        self.migrationVersion = migrationVersion
        self.status = status
        self.updatedAt = updatedAt
    }
}

/// One row of the append-only `migration_events` table: what a migration did to a flow.
public struct MigrationEvent: Sendable, Equatable {
    /// The migrated flow's id (`flow_id`); the event stays when the flow is removed.
    public var flowID: String
    /// The flow's migration version before the migration (`from_version`).
    public var fromVersion: Int
    /// The chain's latest version, which the migration ran to (`to_version`); for `fail`, the
    /// version whose migrations failed the flow (the flow itself keeps its version).
    public var toVersion: Int
    /// `migrated`, `retry` or `fail`.
    public var outcome: String
    /// The strategy that decided (the most severe among the taints), if any taint.
    public var strategy: String?
    /// The taints, as the JSON array `apply` reports.
    public var taints: [UInt8]
    /// When the migration was made (`recorded_at`; one time for a whole batch of a sweep).
    public var recordedAt: Date

    /// An event with every column given.
    public init(flowID: String, fromVersion: Int, toVersion: Int, outcome: String, strategy: String?, taints: [UInt8], recordedAt: Date) {
        self.flowID = flowID
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.outcome = outcome
        self.strategy = strategy
        self.taints = taints
        self.recordedAt = recordedAt
    }
}

/// Flows per flow name, migration version and status.
public struct StatusCount: Sendable, Equatable {
    /// The flows' `flow_name`.
    public var flowName: String
    /// The migration version they are at.
    public var migrationVersion: Int
    /// Their status.
    public var status: FlowStatus
    /// How many flows have this flow name, version and status (at least 1).
    public var count: Int

    /// A count of `count` flows of `flowName` at `migrationVersion` with `status`.
    public init(flowName: String, migrationVersion: Int, status: FlowStatus, count: Int) {
        self.flowName = flowName
        self.migrationVersion = migrationVersion
        self.status = status
        self.count = count
    }
}

extension String {
    /// A flow id as the stores compare it: byte for byte. (Swift's `String` equality also
    /// equates canonically equivalent Unicode — `café` written with `é` or with `e` and a
    /// combining accent — which SQLite, PostgreSQL and Selinon keep apart.)
    var idBytes: [UInt8] { Array(utf8) }
}
