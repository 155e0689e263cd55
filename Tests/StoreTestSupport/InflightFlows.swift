import Foundation
import TestSupport

/// Plausible in-flight flows of the example configuration at its first version: the messages
/// of `examples/package-analysis/inflight-v1.jsonl` (every outcome of `migrations/` appears among
/// them: migrated, tainted, retry, fail), repeated with fresh ids.
public enum InflightFlows {
    /// The example's messages, one per line.
    public static func templates() throws -> [[UInt8]] {
        let url = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/inflight-v1.jsonl")
        return try Data(contentsOf: url).split(separator: UInt8(ascii: "\n")).map(Array.init)
    }

    /// The migration directory of the example (versions 1…3).
    public static var migrationDirectory: String {
        Fixtures.repositoryRoot.appendingPathComponent("migrations").path
    }

    /// `count` messages cycling through the templates, with ids `flow-0000000`, `flow-0000001`, … (in id order).
    public static func messages(count: Int) throws -> [[UInt8]] {
        let templates = try templates()
        return try (0..<count).map { index in
            try withID(String(format: "flow-%07d", index), templates[index % templates.count])
        }
    }

    /// `message` with its `dispatcher_id` replaced by `id`.
    public static func withID(_ id: String, _ message: [UInt8]) throws -> [UInt8] {
        let key = Array(#""dispatcher_id": ""#.utf8)
        guard let start = message.firstRange(of: key)?.upperBound,
              let end = message[start...].firstIndex(of: UInt8(ascii: "\"")) else {
            throw FixtureError.missing("dispatcher_id in an example message")
        }
        var result = message
        result.replaceSubrange(start..<end, with: Array(id.utf8))
        return result
    }
}
