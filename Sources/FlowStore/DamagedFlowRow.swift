/// A flow row holding a value selinon-migrate never writes there — an unknown status, a
/// negative version, a revision out of range, or in SQLite (which keeps any type in any column)
/// a value of another type — changed by hand. `apply` reports it as invalid and leaves it alone,
/// and `status` names it: one such row holds up no other flow.
public struct DamagedFlowRow: Sendable, Equatable {
    /// The row's `flow_id`.
    public var flowID: String
    /// The row's `flow_name`, when it is text.
    public var flowName: String?
    /// The flow name reports count the row under: its own, or a stand-in when it is not text.
    public var reportedFlowName: String { flowName ?? Self.unreadableFlowName }
    /// What reports call the flow name of a row whose `flow_name` is not text.
    public static let unreadableFlowName = "(flow name not text)"
    /// The row's `migration_version`, when it is an integer.
    public var migrationVersion: Int?
    /// What the row holds, where, and the fix, for a list of rows (`status`, `apply`'s report).
    public var problem: String
    /// The same as a `damaged` error that also names the store.
    public var error: StoreError
}

/// One page of ``FlowStateStore/pending(belowVersion:after:limit:)``: the flows to migrate and
/// the damaged rows among them, in id order.
public struct PendingFlows: Sendable {
    /// The readable flows below the version that are not failed.
    public var flows: [StoredFlow]
    /// Rows changed by hand, whatever their version and status.
    public var damaged: [DamagedFlowRow]
    /// The last id the page read (of a flow or a damaged row): where the next page starts.
    /// `nil` when the page read no row to continue after — there are no more flows.
    public var lastID: String?

    /// A page of `flows` and `damaged` rows that ends at `lastID`.
    public init(flows: [StoredFlow], damaged: [DamagedFlowRow], lastID: String?) {
        self.flows = flows
        self.damaged = damaged
        self.lastID = lastID
    }
}

/// What ``FlowStateStore/statusCounts()`` finds: flows per flow name, version and status, and
/// the rows changed by hand that could not be counted.
public struct FlowCounts: Sendable, Equatable {
    /// The readable flows, per flow name, version and status.
    public var counts: [StatusCount]
    /// Up to ``listedDamagedRows`` damaged rows, in id order.
    public var damaged: [DamagedFlowRow]
    /// Every damaged row (none of them is in ``counts``), per flow name as ``DamagedFlowRow/reportedFlowName`` gives it.
    public var damagedPerFlowName: [String: Int]

    /// How many damaged rows a count lists.
    public static let listedDamagedRows = 20

    /// Counts of readable flows, with the damaged rows listed and counted apart.
    public init(counts: [StatusCount], damaged: [DamagedFlowRow] = [], damagedPerFlowName: [String: Int] = [:]) {
        self.counts = counts
        self.damaged = damaged
        self.damagedPerFlowName = damagedPerFlowName
    }

    /// Every damaged row.
    public var damagedTotal: Int { damagedPerFlowName.values.reduce(0, +) }
}

/// What a flow row's columns hold beyond their types: the values the tool writes there. A row
/// holding anything else was changed by hand (and a revision at the largest integer would
/// overflow on the next write).
enum FlowColumns {
    static let expectedVersion = "a migration version (an integer from 0)"
    static let expectedRevision = "a revision (an integer from 1 to 9223372036854775806)"

    /// The SQL condition of the rows whose version or revision is out of range.
    static let outOfRange = "migration_version < 0 OR revision < 1 OR revision = 9223372036854775807"

    /// The column out of range in a row, with its value, if one is.
    static func problem(version: Int, revision: Int) -> (column: String, value: String, expected: String)? {
        if version < 0 { return ("migration_version", String(version), expectedVersion) }
        if revision < 1 || revision == Int.max { return ("revision", String(revision), expectedRevision) }
        return nil
    }

    static let expectedMessage = "a dispatcher message (a JSON object)"

    /// Whether a stored message is empty or white space only — no message at all, and a line
    /// `import` skips, so an export of it would lose the flow on its way back.
    static func isBlank(_ message: [UInt8]) -> Bool {
        message.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// The SQL condition of a blank message (``isBlank(_:)``): `trim` is `trim` (SQLite) or
    /// `btrim` (PostgreSQL), `whiteSpace` the characters as an SQL string. The first characters
    /// are tested first: a message of any length is copied whole only when they are blank.
    static func blankMessage(trim: String, whiteSpace: String) -> String {
        "(CASE WHEN \(trim)(substr(message, 1, 16), \(whiteSpace)) = '' THEN \(trim)(message, \(whiteSpace)) = '' ELSE 1 = 0 END)"
    }
}
