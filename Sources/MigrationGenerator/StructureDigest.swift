import Crypto
import FlowConfig
import FlowMigration

/// A SHA-256 digest of what migrations depend on in a configuration — every flow's edges
/// (sources, destinations, condition) by flow name — independent of formatting, comments,
/// anchors and file layout. Two configurations with the same digest need no migration between
/// them.
public enum StructureDigest {
    /// `sha256:` followed by 64 hexadecimal digits.
    ///
    /// The digest is of compact JSON with sorted keys: an object from flow name to the list of
    /// its edges, each `{"condition": …, "from": […], "to": […]}` with sorted, distinct names.
    /// The text is written directly, each flow's part on every core, and hashed in order.
    public static func digest(of configuration: Configuration) -> String {
        let names = configuration.flows.keys.sorted(by: JSONWriter.utf8Precedes)
        let parts = names.concurrentMap { name in flowText(name: name, flow: configuration.flows[name]!) }
        var hash = SHA256()
        hash.update(data: [UInt8(ascii: "{")])
        for (position, part) in parts.enumerated() {
            if position > 0 { hash.update(data: [UInt8(ascii: ",")]) }
            hash.update(data: part)
        }
        hash.update(data: [UInt8(ascii: "}")])
        return "sha256:" + hash.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// `"name":[{"condition":…,"from":[…],"to":[…]},…]`
    private static func flowText(name: String, flow: FlowDefinition) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(64 * flow.edges.count + 16)
        JSONWriter.writeString(name, into: &text)
        text.append(contentsOf: ":[".utf8)
        // By index: iterating the edges would copy each one.
        for index in flow.edges.indices {
            text.append(contentsOf: index == 0 ? #"{"condition":"#.utf8 : #",{"condition":"#.utf8)
            if flow.edges[index].condition == nil {
                text.append(contentsOf: alwaysTrueText)
            } else {
                JSONWriter.appendCompact(flow.edges[index].conditionValue.jsonValue, to: &text)
            }
            text.append(contentsOf: #","from":"#.utf8)
            appendNames(NormalizedEdge.sortedUnique(flow.edges[index].from), to: &text)
            text.append(contentsOf: #","to":"#.utf8)
            appendNames(NormalizedEdge.sortedUnique(flow.edges[index].to), to: &text)
            text.append(UInt8(ascii: "}"))
        }
        text.append(UInt8(ascii: "]"))
        return text
    }

    private static func appendNames(_ names: [String], to text: inout [UInt8]) {
        text.append(UInt8(ascii: "["))
        for (position, name) in names.enumerated() {
            if position > 0 { text.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(name, into: &text)
        }
        text.append(UInt8(ascii: "]"))
    }

    /// The condition of every edge without one (most of them), written once.
    private static let alwaysTrueText = JSONWriter.compact(Edge.alwaysTrueCondition.jsonValue)
}
