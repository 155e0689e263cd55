import Foundation

/// Why one dispatcher message or state cannot be migrated. The message is reported and passed
/// on unchanged; other messages are not affected.
public struct StateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of problem.
    public enum Kind: String, Sendable, Equatable {
        /// Not JSON, or not a JSON object.
        case malformed = "malformed"
        /// A key holds the wrong type of value.
        case wrongType = "wrong-type"
        /// A required key (`flow_name`) is missing.
        case missingKey = "missing-key"
        /// An edge index is negative, or beyond the flow's edges at the state's version.
        case edgeIndexOutOfRange = "edge-index-out-of-range"
        /// An edge index appears twice in a list that is a set.
        case duplicateEntry = "duplicate-entry"
        /// A member holds a value it cannot take: an unknown store status, a version beyond 64 bits.
        case invalidValue = "invalid-value"
        /// The message names a flow the configuration of its version did not have.
        case unknownFlow = "unknown-flow"
        /// A store's record of the message disagrees with the message itself (its flow name or
        /// migration version columns): changed outside the store's API.
        case inconsistentRecord = "inconsistent-record"
        /// A migration would give the state one edge twice: its file moves an edge to an index
        /// that another edge keeps (a file edited by hand; selinon-migrate's own files with
        /// `_meta.edge_counts` are refused when they load instead).
        case inconsistentMigration = "inconsistent-migration"
    }

    /// The class of problem, for callers that react differently to each.
    public var kind: Kind
    /// What is wrong, naming the key: "state.waiting_edges[2] is 41, but flow 'ingest' has 12 edges at version 3".
    public var message: String

    /// An error of `kind`; `message` names the key that is wrong and why.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension StateError: LocalizedError {
    public var errorDescription: String? { description }
}
