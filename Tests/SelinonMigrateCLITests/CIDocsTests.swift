import Foundation
import Testing
import TestSupport

/// The commands in `docs/ci/` work as written, in a repository laid out as they assume.
struct CIDocsTests {
    static let docs = Fixtures.repositoryRoot.appendingPathComponent("docs/ci")

    /// Every `selinon-migrate …` command of a file, as arguments, with the base branch replaced
    /// by `base` and shell redirections dropped.
    static func commands(in file: String, base: String) throws -> [[String]] {
        let text = try String(contentsOf: docs.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> [String]? in
            var command = line.trimmingCharacters(in: .whitespaces)
            if command.hasPrefix("entry: ") { command.removeFirst("entry: ".count) }
            guard command.hasPrefix("selinon-migrate ") else { return nil }
            if let redirect = command.range(of: " > ") { command = String(command[..<redirect.lowerBound]) }
            command = command.replacingOccurrences(of: "\"origin/$BASE_REF\"", with: base)
            return Array(command.split(separator: " ").dropFirst().map(String.init))
        }
    }

    @Test func theWorkflowReviewsAndChecksAPullRequest() throws {
        let fixture = try ReviewCommandTests.pullRequest()
        let commands = try Self.commands(in: "selinon-migrate.yml", base: "HEAD")
        #expect(commands.map(\.first) == ["review", "check"])
        let runner = try CommandRunner()
        let review = try runner.run(commands[0], in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardOutput.hasPrefix("### Migration 2"))
        // The branch adds migration 2 with the YAML change: check passes; without it, it fails.
        let passing = try runner.run(commands[1], in: fixture.root)
        #expect(passing.status == 0, "\(passing.standardError)")
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("migrations/2.json"))
        let failing = try runner.run(commands[1], in: fixture.root)
        #expect(failing.status == 1)
    }

    @Test func thePreCommitHookRefusesAYAMLChangeWithoutItsMigration() throws {
        let commands = try Self.commands(in: "pre-commit-config.yaml", base: "HEAD")
        #expect(commands.count == 1)
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        #expect(try runner.run(commands[0], in: fixture.root).status == 0, "nothing changed yet")
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(commands[0], in: fixture.root).status == 1, "the YAML changed, no migration")
        #expect(try runner.run(["generate"] + GitCommandTests.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "config")
        #expect(try runner.run(commands[0], in: fixture.root).status == 1, "the migration is not staged")
        try fixture.git("add", "migrations")
        #expect(try runner.run(commands[0], in: fixture.root).status == 0, "the migration is staged")
    }
}
