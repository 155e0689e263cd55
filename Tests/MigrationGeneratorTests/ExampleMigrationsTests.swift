import FlowConfig
import FlowMigration
import Foundation
import MigrationGenerator
import Testing
import TestSupport

/// `migrations/N.json` are generated from `examples/package-analysis/vN → vN+1`; regenerating
/// them must give the same bytes (apart from `_meta`, which records date and host).
struct ExampleMigrationsTests {
    static let root = Fixtures.repositoryRoot

    static func configuration(_ version: Int) throws -> Configuration {
        let directory = root.appendingPathComponent("examples/package-analysis/v\(version)")
        let source = FileSystemConfigurationSource(nodesFile: directory.appendingPathComponent("nodes.yml").path,
                                                   flowPaths: [directory.appendingPathComponent("flows").path])
        return try ConfigurationLoader().load(from: source).get()
    }

    @Test(arguments: [1, 2, 3])
    func committedMigrationMatchesARegeneration(_ version: Int) throws {
        let directory = try MigrationDirectory.load(from: Self.root.appendingPathComponent("migrations").path)
        let committed = directory.files[version - 1]
        #expect(committed.migration.selinonJSON() == committed.bytes, "\(version).json is in canonical form")

        let old = try Self.configuration(version), new = try Self.configuration(version + 1)
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: committed.migration.strategy)
        var withoutMeta = committed.migration
        withoutMeta.metadata = nil
        #expect(plan.migration.selinonJSON() == withoutMeta.selinonJSON())
        #expect(committed.migration.metadata?["digests"]?["old"] == .string(StructureDigest.digest(of: old)))
        #expect(committed.migration.metadata?["digests"]?["new"] == .string(StructureDigest.digest(of: new)))
    }

    @Test func digestIgnoresFormattingAndSeesEdges() throws {
        let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\n"
        let inline = "flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: B, condition: {name: alwaysTrue}}]}]"
        let anchored = """
            # the same flow, formatted differently and with an anchor
            flow-definitions:
              - name: f
                edges:
                  - from: null
                    to: [A]
                  - from: [A]
                    to: B
                    condition: &c
                      name: alwaysTrue
            """
        func digest(_ flows: String) throws -> String {
            let files = ConfigurationFiles(nodes: .init(path: "n.yml", contents: Array(nodes.utf8)),
                                           flows: [.init(path: "f.yml", contents: Array(flows.utf8))])
            return StructureDigest.digest(of: try ConfigurationLoader().load(files).get())
        }
        #expect(try digest(inline) == digest(anchored))
        #expect(try digest(inline) != digest(inline.replacingOccurrences(of: "to: B", with: "to: [A, B]")))
        #expect(try digest(inline).hasPrefix("sha256:"))
    }
}
