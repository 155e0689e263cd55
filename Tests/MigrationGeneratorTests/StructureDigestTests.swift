import Crypto
import FlowConfig
import FlowMigration
import MigrationGenerator
import Testing

/// `StructureDigest` writes its JSON text directly; these tests hold it to the digest of the
/// JSON value it stands for, which migration files already record in `_meta.digests`.
struct StructureDigestTests {
    static let nodes = """
tasks:
  - name: Fetch
    import: app.tasks
  - name: Parse
    import: app.tasks
  - name: Zebra
    import: app.tasks
  - name: store
    import: app.tasks
flows:
  - flow_b
  - flow_a
  - flow_c
"""

    static let flows = """
flow-definitions:
  - name: flow_b
    edges:
      - from:
        to: Fetch
      - from: Fetch
        to: [store, Parse, Zebra]
        condition:
          or:
            - name: argsFieldEqual
              args: {value: [1, 2.5, true, null, "tab\\there \\"q\\" é 😀"], key: mode}
            - not:
                name: argsFieldExist
                args: {key: b}
      - from: [Zebra, Parse, store]
        to: flow_a
  - name: flow_a
    edges:
      - from:
        to: [Parse, Fetch]
      - from: [Parse, Fetch]
        to: store
        condition: {name: argsFieldEqual, args: {key: x, value: 1.0e+3}}
  - name: flow_c
    edges:
      - from: ''
        to: Fetch
"""

    static func configuration(nodes: String = nodes, flows: String = flows) throws -> Configuration {
        try ConfigurationLoader().load(ConfigurationFiles(
            nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
            flows: [.init(path: "flows.yml", contents: Array(flows.utf8))])).get()
    }

    /// The digest as the JSON value describes it: `{flow: [{"condition", "from", "to"}]}`,
    /// names sorted and distinct, compact JSON with sorted keys, SHA-256.
    static func referenceDigest(of configuration: Configuration) -> String {
        var flows: [String: JSONValue] = [:]
        for (name, flow) in configuration.flows {
            flows[name] = .array(flow.edges.map { edge in
                .object([
                    "condition": edge.conditionValue.jsonValue,
                    "from": .array(Set(edge.from).sorted().map(JSONValue.string)),
                    "to": .array(Set(edge.to).sorted().map(JSONValue.string)),
                ])
            })
        }
        let hex = SHA256.hash(data: JSONWriter.compact(.object(flows))).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "sha256:" + hex.joined()
    }

    @Test func matchesTheDigestOfTheJSONValueItDescribes() throws {
        let configuration = try Self.configuration()
        let digest = StructureDigest.digest(of: configuration)
        #expect(digest == Self.referenceDigest(of: configuration))
        #expect(digest.count == "sha256:".count + 64)
    }

    @Test func changesWithAnEdgeAndNotWithLayout() throws {
        let configuration = try Self.configuration()
        let relaidOut = try Self.configuration(flows: "# the same flows, another layout\n" + Self.flows.replacingOccurrences(of: "to: [store, Parse, Zebra]", with: "to: [Zebra, Parse, store]"))
        #expect(StructureDigest.digest(of: relaidOut) == StructureDigest.digest(of: configuration))
        let changed = try Self.configuration(flows: Self.flows.replacingOccurrences(of: "value: 1.0e+3", with: "value: 1.0e+4"))
        #expect(StructureDigest.digest(of: changed) != StructureDigest.digest(of: configuration))
        #expect(StructureDigest.digest(of: changed) == Self.referenceDigest(of: changed))
    }

    @Test func aConfigurationWithoutFlowsHasTheDigestOfAnEmptyObject() throws {
        let empty = try ConfigurationLoader(options: .init(checksConsistency: false)).load(ConfigurationFiles(
            nodes: .init(path: "nodes.yml", contents: Array("tasks: []\nflows: []\n".utf8)), flows: [])).get()
        #expect(StructureDigest.digest(of: empty) == Self.referenceDigest(of: empty))
    }
}
