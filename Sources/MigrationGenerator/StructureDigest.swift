import Crypto
import FlowConfig
import FlowMigration

/// A SHA-256 digest of what migrations depend on in a configuration — every flow's edges
/// (sources, destinations, condition) by flow name — independent of formatting, comments,
/// anchors and file layout. Two configurations with the same digest need no migration between
/// them.
public enum StructureDigest {
    /// `sha256:` followed by 64 hexadecimal digits.
    public static func digest(of configuration: Configuration) -> String {
        var flows: [String: JSONValue] = [:]
        for (name, flow) in configuration.flows {
            flows[name] = .array(flow.edges.map { edge in
                let normalized = NormalizedEdge(edge)
                return .object([
                    "from": .array(normalized.from.map(JSONValue.string)),
                    "to": .array(normalized.to.map(JSONValue.string)),
                    "condition": normalized.condition,
                ])
            })
        }
        let bytes = JSONWriter.compact(.object(flows))
        return "sha256:" + SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
