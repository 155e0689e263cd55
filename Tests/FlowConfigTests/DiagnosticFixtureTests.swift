import FlowConfig
import Foundation
import Testing
import TestSupport

/// Each `Fixtures/diagnostics/<case>.yml` is a combined nodes-and-flows file with one problem;
/// `<case>.expected` holds every diagnostic the loader must report for it, exactly.
struct DiagnosticFixtureTests {
    static let directory = Snapshot.directory().appendingPathComponent("Fixtures/diagnostics")

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yml") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// Loads a fixture as both the nodes file and the only flow file, as `selinon-cli` allows.
    static func diagnostics(of name: String) throws -> [ConfigDiagnostic] {
        let contents = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name + ".yml")))
        let file = ConfigurationFiles.File(path: name + ".yml", contents: contents)
        return ConfigurationLoader().load(ConfigurationFiles(nodes: file, flows: [file])).diagnostics
    }

    static func rendered(_ diagnostics: [ConfigDiagnostic]) -> String {
        diagnostics.map(\.description).joined(separator: "\n") + "\n"
    }

    @Test func coversAtLeastFortyInvalidConfigurations() throws {
        let invalid = try Self.fixtures.filter { try Self.diagnostics(of: $0).contains { $0.severity == .error } }
        #expect(invalid.count >= 40)
        #expect(Self.fixtures.count >= 80)
    }

    @Test(arguments: fixtures)
    func reportsExactlyTheExpectedDiagnostics(_ name: String) throws {
        let diagnostics = try Self.diagnostics(of: name)
        #expect(!diagnostics.isEmpty, "fixture \(name) must produce at least one diagnostic")
        Snapshot.assertMatches(Self.rendered(diagnostics),
                               golden: Self.directory.appendingPathComponent(name + ".expected").path)
    }

    @Test(arguments: fixtures)
    func everyDiagnosticPointsIntoTheFileWithAHintOrSelfExplainingMessage(_ name: String) throws {
        for diagnostic in try Self.diagnostics(of: name) {
            #expect(diagnostic.location.file == name + ".yml")
            #expect(diagnostic.location.line > 0, "\(diagnostic) has no line")
            #expect(!diagnostic.message.isEmpty)
        }
    }
}
