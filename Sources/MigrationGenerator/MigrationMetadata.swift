import FlowConfig
import FlowMigration
import Foundation

/// What a generated migration records in `_meta` (Selinon ignores the key at runtime): Selinon's
/// own fields (`datetime`, `host`, `user`) plus the tool, where each configuration came from,
/// the structure digests of both and the warnings shown when it was generated.
public struct MigrationMetadata: Sendable {
    public var toolVersion: String
    /// Where the old and new configurations came from ("HEAD~1", "working tree", file names).
    public var oldSource: String
    public var newSource: String
    public var oldDigest: String
    public var newDigest: String
    public var warnings: [MigrationWarning]
    /// Edges per flow in the old and new configuration; lets the runtime reject states whose
    /// edge indices do not fit their flow.
    public var edgeCounts: [String: (old: Int?, new: Int?)]
    public var date: Date
    public var host: String
    public var user: String?

    /// Edge counts of every flow of two configurations, for ``edgeCounts``.
    public static func edgeCounts(old: Configuration, new: Configuration) -> [String: (old: Int?, new: Int?)] {
        var counts: [String: (old: Int?, new: Int?)] = [:]
        for name in Set(old.flows.keys).union(new.flows.keys) {
            counts[name] = (old.flows[name]?.edges.count, new.flows[name]?.edges.count)
        }
        return counts
    }

    public init(toolVersion: String, oldSource: String, newSource: String, oldDigest: String, newDigest: String,
                warnings: [MigrationWarning], edgeCounts: [String: (old: Int?, new: Int?)], date: Date, host: String,
                user: String?) {
        self.toolVersion = toolVersion
        self.oldSource = oldSource
        self.newSource = newSource
        self.oldDigest = oldDigest
        self.newDigest = newDigest
        self.warnings = warnings
        self.edgeCounts = edgeCounts
        self.date = date
        self.host = host
        self.user = user
    }

    /// The `_meta` object.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "tool": .object(["name": .string("selinon-migrate"), "version": .string(toolVersion)]),
            "old": .string(oldSource),
            "new": .string(newSource),
            "digests": .object(["old": .string(oldDigest), "new": .string(newDigest)]),
            "datetime": .string(Self.selinonDateFormat(date)),
            "host": .string(host),
            "user": user.map(JSONValue.string) ?? .null,
            "edge_counts": .object(edgeCounts.mapValues { counts in
                var sides: [String: JSONValue] = [:]
                if let old = counts.old { sides["old"] = .number(JSONNumber(old)) }
                if let new = counts.new { sides["new"] = .number(JSONNumber(new)) }
                return .object(sides)
            }),
        ]
        if !warnings.isEmpty {
            members["warnings"] = .array(warnings.map { .string($0.message) })
        }
        return .object(members)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, as Selinon writes `str(datetime.utcnow())`.
    static func selinonDateFormat(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) "
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad((parts.nanosecond ?? 0) / 1000, 6))"
    }
}
