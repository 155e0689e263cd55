import Foundation
import Testing
import TestSupport

/// `selinon-migrate validate`, run as a user runs it.
struct ValidateCommandTests {
    static let root = Fixtures.repositoryRoot
    static let diagnosticsDirectory = root.appendingPathComponent("Tests/FlowConfigTests/Fixtures/diagnostics")
    static let exampleVersions: [String] = {
        let examples = root.appendingPathComponent("examples")
        let deployments = (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []
        return deployments.sorted().flatMap { deployment in
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: examples.appendingPathComponent(deployment).path)) ?? []
            return versions.filter { $0.hasPrefix("v") }.sorted().map { "examples/\(deployment)/\($0)" }
        }
    }()
    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: diagnosticsDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".yml") }.sorted()
    }()

    @Test func everyExampleVersionIsValidWithoutWarnings() throws {
        #expect(Self.exampleVersions.count >= 4)
        let runner = try CommandRunner()
        for version in Self.exampleVersions {
            let result = try runner.run(["validate", "-n", "\(version)/nodes.yml", "-f", "\(version)/flows"], in: Self.root)
            #expect(result.status == 0, "\(version): \(result.standardError)")
            #expect(result.standardError.isEmpty, "\(version): \(result.standardError)")
            #expect(result.standardOutput.hasPrefix("\(version)/nodes.yml: valid — "))
            #expect(result.standardOutput.hasSuffix(", 0 warnings\n"))
        }
    }

    @Test(arguments: fixtures)
    func invalidFixturePrintsItsDiagnosticsAndExitsOne(_ fixture: String) throws {
        let golden = try String(contentsOf: Self.diagnosticsDirectory.appendingPathComponent(
            String(fixture.dropLast(4)) + ".expected"), encoding: .utf8)
        let result = try CommandRunner().run(["validate", "-n", fixture, "-f", fixture], in: Self.diagnosticsDirectory)
        #expect(result.standardError == golden)
        let hasErrors = golden.contains(": error: ")
        #expect(result.status == (hasErrors ? 1 : 0))
        #expect(result.standardOutput.hasPrefix(fixture + (hasErrors ? ": invalid (" : ": valid — ")))
    }

    /// Below a few dozen open files the Swift runtime traps part way through a command: a soft
    /// limit is raised to the hard one, and a hard limit that is too low refused before anything
    /// is done, with the fix.
    @Test func aLowOpenFileLimitIsRaisedOrRefused() throws {
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        let binary = try CommandRunner().executable.path
        let version = try #require(Self.exampleVersions.first)
        func validate(under limit: String) throws -> (status: Int32, standardError: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit \(limit) && exec \"$0\" \"$@\"", binary,
                                 "validate", "-n", "\(version)/nodes.yml", "-f", "\(version)/flows"]
            process.currentDirectoryURL = Self.root
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            let said = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: said, as: UTF8.self))
        }
        let refused = try validate(under: "-n 40")
        #expect(refused.status == 2)
        #expect(refused.standardError == "error: the open-file limit is 40 (ulimit -n), and selinon-migrate needs at least 64 (threads, "
                + "pipes, the store's files and connections); nothing was done\n  hint: raise it (ulimit -n 1024) and run again\n")
        if limit.rlim_max >= 64 {
            let raised = try validate(under: "-Sn 40")
            #expect(raised.status == 0, "the soft limit is raised to the hard one: \(raised.standardError)")
        }
    }

    /// `$SELINON_NODES_DEFINITION` names the configuration whose `global.migration_dir` is the
    /// default `-m` of `verify`, `analyze` and `review` alike: a stale `./migrations` next to it
    /// is not the directory checked.
    @Test func theNodesFileOfTheEnvironmentNamesTheMigrationDirectoryForEveryCommand() throws {
        let directory = try TemporaryDirectory()
        let version = Self.root.appendingPathComponent("examples/package-analysis/v4")
        let nodes = try String(contentsOf: version.appendingPathComponent("nodes.yml"), encoding: .utf8)
        #expect(nodes.contains("  migration_dir: migrations\n"))
        _ = try directory.write(nodes.replacingOccurrences(of: "  migration_dir: migrations\n", with: "  migration_dir: othermig\n"),
                                to: "nodes.yml")
        try FileManager.default.copyItem(atPath: version.appendingPathComponent("flows").path, toPath: directory.path("flows"))
        try FileManager.default.copyItem(atPath: Self.root.appendingPathComponent("migrations").path, toPath: directory.path("othermig"))
        try FileManager.default.createDirectory(atPath: directory.path("migrations"), withIntermediateDirectories: false)
        let runner = try CommandRunner()
        let environment = ["SELINON_NODES_DEFINITION": "nodes.yml", "SELINON_FLOW_DEFINITIONS": "flows"]
        let verify = try runner.run(["verify"], in: directory.url, environment: environment)
        #expect(verify.status == 0 && verify.standardOutput.contains("othermig"), "\(verify.standardOutput)\(verify.standardError)")
        let old = Self.root.appendingPathComponent("examples/package-analysis/v3").path
        let analyze = try runner.run(["analyze", "-N", old + "/nodes.yml", "-F", old + "/flows"], in: directory.url, environment: environment)
        #expect(analyze.status == 0, "\(analyze.standardError)")
        #expect(analyze.standardOutput.hasPrefix("migration 3:\n"), "the newest of othermig: \(analyze.standardOutput.prefix(300))")
    }

    /// Colour only on a terminal (a pseudo-terminal from `script` here), not for `TERM=dumb`,
    /// and not when `NO_COLOR` is set to anything but the empty string (no-color.org).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")),
          arguments: [("", "xterm", true), ("1", "xterm", false), ("", "dumb", false)])
    func diagnosticsAreColouredOnlyOnATerminalThatAllowsIt(noColor: String, term: String, coloured: Bool) throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["validate", "-n", "missing.yml", "-f", "missing"],
                                             shellScript: "NO_COLOR='\(noColor)' TERM=\(term) exec script -qec \"$0 $*\" /dev/null",
                                             in: directory.url)
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("missing.yml"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("\u{1B}[") == coloured, "\(result.standardOutput)")
    }

    @Test func summaryCountsInTheRightNumber() throws {
        let directory = try TemporaryDirectory()
        try directory.write("""
            tasks:
              - name: Fetch
                import: tasks
            flows: [ingest]
            flow-definitions:
              - name: ingest
                edges:
                  - from:
                    to: Fetch
            """, to: "config.yml")
        let result = try CommandRunner().run(["validate", "-n", "config.yml", "-f", "config.yml"], in: directory.url)
        #expect(result.standardOutput == "config.yml: valid — 1 task, 1 flow, 1 edge, 0 warnings\n", "\(result.standardError)")
        // A file name with a line break stays on the summary's one line, as in its diagnostics.
        let odd = "cfg\nnodes.yml:1:1: error: fake.yml"
        try FileManager.default.copyItem(atPath: directory.path("config.yml"), toPath: directory.path(odd))
        let escaped = try CommandRunner().run(["validate", "-n", odd, "-f", odd], in: directory.url)
        #expect(escaped.standardOutput == "cfg\\u{A}nodes.yml:1:1: error: fake.yml: valid — 1 task, 1 flow, 1 edge, 0 warnings\n",
                "\(escaped.standardOutput)\(escaped.standardError)")
    }

    @Test(arguments: [
        (["validate", "-n", "", "-f", "flows"], "-n/--nodes-definition is empty"),
        (["validate", "-n", "nodes.yml", "-f", "flows", "--max-file-size", "9999999999G"], "'9999999999G' is too large a size"),
        (["validate", "-n", "nodes.yml", "-f", "flows", "--max-file-size", "0"],
         "'0' is not a size: give a positive number of bytes, optionally with K, M or G (64M)"),
        (["validate", "-n", "nodes.yml", "-f", "flows", "--max-file-size=-5M"], "'-5M' is not a size"),
        (["validate", "-n", "nodes.yml", "-f", "flows", "--max-file-size", "-5"], "'-5' is not a size"),
        (["simulate", "-n", "nodes.yml", "-f", "flows", "--seed", "-1"], "'-1' is not a seed: give a whole number from 0 to 18446744073709551615"),
        (["validate", "-n", "nodes.yml", "-f", ""], "-f/--flow-definitions is empty"),
        (["generate", "-N", "", "-F", "old", "-n", "nodes.yml", "-f", "flows"], "-N/--old-nodes-definition is empty"),
        (["diff", "-N", "old.yml", "-F", "", "-n", "nodes.yml", "-f", "flows"], "-F/--old-flow-definitions is empty"),
        (["verify", "-m", ""], "-m/--migration-dir is empty"),
        (["rehash", "-m", ""], "-m/--migration-dir is empty"),
        (["review", "-m", ""], "-m/--migration-dir is empty"),
        (["analyze", "-m", ""], "-m/--migration-dir is empty"),
        (["apply", "-m", "", "--input", "-"], "-m/--migration-dir is empty"),
        (["status", "-m", ""], "-m/--migration-dir is empty"),
        (["check", "-m", ""], "-m/--migration-dir is empty"),
        (["history", "-m", ""], "-m/--migration-dir is empty"),
        (["rebase", "--onto", "main", "-m", ""], "-m/--migration-dir is empty"),
        (["apply", "-m", "migrations", "--input", ""], "--input needs a file name ('-' for standard input)"),
        (["import", "--input", "", "--store", "sqlite:flows.sqlite"], "--input needs a file name ('-' for standard input)"),
        (["export", "--output", ""], "--output needs a file name ('-' for standard output)"),
        (["review", "--output-dir", ""], "--output-dir needs a directory name"),
    ])
    func aBadPathOptionIsAUsageError(_ arguments: [String], _ message: String) throws {
        let result = try CommandRunner().run(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test func jsonFormatListsDiagnosticsForTools() throws {
        let result = try CommandRunner().run(
            ["validate", "-n", "edge-unknown-node.yml", "-f", "edge-unknown-node.yml", "--format", "json"],
            in: Self.diagnosticsDirectory)
        #expect(result.status == 1)
        #expect(result.standardError.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["code"] as? String == "unknown-node")
        #expect(diagnostics.first?["line"] as? Int == 15)
        #expect(diagnostics.first?["column"] as? Int == 13)
        #expect(diagnostics.first?["hint"] as? String == "did you mean 'Parse'?")
        #expect((report["summary"] as? [String: Any])?["errors"] as? Int == 1)
        // The configuration did not load: its counts are unknown, not zero.
        #expect((report["summary"] as? [String: Any]).map { Set($0.keys) } == ["errors", "warnings"], "\(report)")
    }

    @Test func environmentVariablesNameTheConfiguration() throws {
        let version = try #require(Self.exampleVersions.first)
        let result = try CommandRunner().run(["validate"], in: Self.root, environment: [
            "SELINON_NODES_DEFINITION": "\(version)/nodes.yml",
            "SELINON_FLOW_DEFINITIONS": "\(version)/flows/ingest.yml:\(version)/flows/analysis.yml:\(version)/flows/reporting.yml",
        ])
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func missingNodesFileIsAUsageError() throws {
        let result = try CommandRunner().run(["validate", "-f", "flows"], in: Self.root)
        #expect(result.status == 64)
        #expect(result.standardError.contains("Missing the nodes file: pass -n/--nodes-definition or set SELINON_NODES_DEFINITION."))
    }

    @Test func nonexistentFilesAreInputErrors() throws {
        let result = try CommandRunner().run(["validate", "-n", "missing/nodes.yml", "-f", "missing/flows"], in: Self.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("missing/nodes.yml: error: nodes file not found: no such file"))
    }

    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func filesTheUserMayNotReadSaySoWithTheFix() throws {
        let directory = try TemporaryDirectory()
        let v1 = Self.root.appendingPathComponent("examples/package-analysis/v1")
        try FileManager.default.copyItem(at: v1, to: directory.url.appendingPathComponent("v1"))
        chmod(directory.url.path, 0o755)
        chmod(directory.path("v1/nodes.yml"), 0o600)
        let result = try #require(try CommandRunner().runAsNobody(["validate", "-n", "v1/nodes.yml", "-f", "v1/flows"], in: directory.url))
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("v1/nodes.yml: error: cannot read the nodes file: Permission denied\n"
            + "  hint: run as a user who may read it (workers must read it too), or fix its permissions"), "\(result.standardError)")
    }

    @Test func warningsAsErrorsTurnsWarningsIntoFailure() throws {
        let fixture = "unused-task-and-storage.yml"
        let plain = try CommandRunner().run(["validate", "-n", fixture, "-f", fixture], in: Self.diagnosticsDirectory)
        #expect(plain.status == 0)
        #expect(plain.standardOutput.hasSuffix("2 warnings\n"), "\(plain.standardOutput)")
        let strict = try CommandRunner().run(["validate", "-n", fixture, "-f", fixture, "--warnings-as-errors"],
                                             in: Self.diagnosticsDirectory)
        #expect(strict.status == 1)
        // The summary says why it failed, and not "valid".
        #expect(strict.standardOutput.hasSuffix(": invalid under --warnings-as-errors — 3 tasks, 1 flow, 2 edges, 2 warnings\n"), "\(strict.standardOutput)")
        // In JSON, `valid` is the outcome: false, with warnings_as_errors saying why.
        let strictJSON = try CommandRunner().run(["validate", "-n", fixture, "-f", fixture, "--warnings-as-errors", "--format", "json"],
                                                 in: Self.diagnosticsDirectory)
        #expect(strictJSON.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(strictJSON.standardOutput.utf8)) as? [String: Any])
        #expect(document["valid"] as? Bool == false && document["warnings_as_errors"] as? Bool == true, "\(document)")
        #expect(document["failed_on_warnings"] == nil)
        // (It loaded: its counts are there.)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["tasks"] as? Int ?? 0 > 0 && summary["flows"] as? Int ?? 0 > 0 && summary["edges"] as? Int ?? 0 > 0, "\(summary)")
    }

    @Test func everySubcommandNamesItself() throws {
        // A subcommand without commandName makes every start of the tool slower (see SelinonMigrate.swift).
        let commands = Fixtures.repositoryRoot.appendingPathComponent("Sources/selinon-migrate/Commands")
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: commands.path) where file.hasSuffix(".swift") {
            let source = try String(contentsOf: commands.appendingPathComponent(file), encoding: .utf8)
            guard source.contains("CommandConfiguration(") else { continue }
            #expect(source.contains("CommandConfiguration(\n            commandName: \""), "\(file) sets no commandName")
            checked += 1
        }
        #expect(checked >= 16, "every subcommand's file was looked at")
    }

    @Test(arguments: [["--help"], ["validate", "--help"], ["check", "--help"], ["history", "--help"]])
    func helpTextMatchesItsGolden(_ arguments: [String]) throws {
        let result = try CommandRunner().run(arguments, environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        let name = arguments.dropLast().joined(separator: "-")
        Snapshot.assertMatches(result.standardOutput,
                               golden: Snapshot.directory().appendingPathComponent("Snapshots/help\(name.isEmpty ? "" : "-" + name).txt").path)
    }

    @Test func equallyCloseSuggestionsDoNotChangeBetweenRuns() throws {
        // Three tasks one edit away from "Q", held in a set whose order changes with every
        // process: the suggestion must not.
        let directory = try TemporaryDirectory()
        try directory.write("""
            tasks:
              - {name: C, import: app.tasks}
              - {name: A, import: app.tasks}
              - {name: B, import: app.tasks}
            flows: [main_flow]
            """, to: "nodes.yml")
        try directory.write("""
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: A}
                  - {from: A, to: Q}
            """, to: "flows.yml")
        let runner = try CommandRunner()
        for _ in 0..<6 {
            let result = try runner.run(["validate", "-n", "nodes.yml", "-f", "flows.yml"], in: directory.url)
            #expect(result.status == 1)
            #expect(result.standardError.contains("hint: did you mean 'A'?"), "\(result.standardError)")
        }
    }
}
