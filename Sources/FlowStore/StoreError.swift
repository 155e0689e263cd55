import FlowMigration
import Foundation

/// Why a store operation failed. Nothing was written by a failed operation.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// The store location (`sqlite:…`, `postgres://…`) cannot be parsed.
        case invalidLocation
        /// The database cannot be reached or opened.
        case unavailable
        /// The location holds no store (and the operation does not create one).
        case missingStore
        /// The location holds something else: a directory, a file that is not SQLite, another
        /// application's database. Never touched.
        case notAStore
        /// The store was created by a newer selinon-migrate.
        case newerSchema
        /// A flow id that must be new exists already (or twice in the input).
        case duplicateFlow
        /// A compare-and-swap write found the flow changed (or gone) since it was read.
        case conflict
        /// A message is not a dispatcher message, or does not fit its record or flow.
        case invalidState
        /// The database reported an error.
        case database
        /// The store's file is damaged (SQLite finds it malformed): running again will not help.
        case damaged
        /// The store was used against its API: after ``FlowStateStore/close()``, or with a batch,
        /// page or limit below 1. A mistake of the calling code, not of the data or the database.
        case misuse
    }

    /// What kind of failure, to react to (retry a `conflict`, stop on `damaged`, …).
    public var kind: Kind
    /// The failure in words, for people: names the store, the flow and what to do.
    public var message: String
    /// The flow the error is about, when it is about one (a duplicate, a conflict).
    public var flowID: String?
    /// Whether the failed operation's COMMIT was sent and never answered (PostgreSQL): what it
    /// wrote may be in the store, whole, or not at all — a caller must not say either. Not part
    /// of the error's equality.
    public var isCommitInDoubt = false
    /// For a ``MigrationSweep`` that stopped: what the batches it had committed did (with
    /// ``SweepReport/stoppedBy`` set), so that the migrated, restarted and failed flows are
    /// reported all the same. Not part of the error's equality.
    public var completedSweep: SweepReport?

    /// An error of `kind`, with its `message` for people and the flow it is about, if any.
    public init(_ kind: Kind, _ message: String, flowID: String? = nil) {
        self.kind = kind
        self.message = message
        self.flowID = flowID
    }

    public var description: String { message }

    /// Equal when kind, message and flow id are: ``isCommitInDoubt`` and ``completedSweep`` are
    /// not compared.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.flowID == rhs.flowID
    }


    /// Whether the tool (not the input) failed: exit status 2 rather than 1 — also for a
    /// damaged database file (not a row changed by hand, which names its flow).
    package var isToolFailure: Bool { kind == .unavailable || kind == .database || kind == .misuse || (kind == .damaged && flowID == nil) }

    /// The error for an operation on a store after its `close()`.
    static func closed(_ location: String) -> StoreError {
        StoreError(.misuse, "the store \(location) was closed: open it again (StoreLocation.open) to use it")
    }

    /// Refuses a batch, page or limit below 1 (SQLite reads a negative `LIMIT` as none at all,
    /// and a page of 0 flows would end a read at once).
    static func checkSize(_ value: Int, _ name: String) throws(StoreError) {
        guard value >= 1 else { throw StoreError(.misuse, "\(name) must be at least 1, not \(value)") }
    }
}

/// A flow row holding a value the tool never writes there (changed by hand), found while reading
/// rows; the store turns it into a `damaged` ``StoreError`` that names the store, the row and the fix.
struct EditedRow: Error {
    var flowID: String
    var column: String
    /// The value as found, for the message (`'abc' (text)`).
    var value: String
    /// What the column must hold, in words.
    var expected: String
    /// The SQL condition that selects the row, when `flow_id = '…'` cannot: an id that is not
    /// text, or that holds control characters (which a terminal would act on, not show).
    var selector: String? = nil

    func storeError(store: String) -> StoreError {
        StoreError(.damaged, "the store \(store) has a row changed outside selinon-migrate: flow '\(shownID)' has \(column) \(value), "
                   + "expected \(expected); \(fix), then run again", flowID: flowID)
    }

    /// The row's problem and its fix, for a report that lists the row among others.
    var problem: String {
        "flow '\(shownID)' has \(column) \(value), expected \(expected): the row was changed outside selinon-migrate; \(fix)"
    }

    private var fix: String {
        let row = selector ?? "flow_id = '\(flowID.replacingOccurrences(of: "'", with: "''"))'"
        return "correct it (UPDATE flows SET \(column) = <the right value> WHERE \(row)) or delete the row (DELETE FROM flows WHERE \(row))"
    }

    private var shownID: String { PrintableText.escaped(flowID) }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension StoreError: LocalizedError {
    public var errorDescription: String? { description }
}
