import FlowStore
import Foundation
import Testing
import TestSupport

/// `simulate` and `analyze`, run as a user runs them.
struct EngineCommandTests {
    static let v1 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1")
    static let configuration = ["-n", v1.appendingPathComponent("nodes.yml").path, "-f", v1.appendingPathComponent("flows").path]

    @Test func simulatedFlowsAreReproducibleDispatcherMessagesTheMigrationsAccept() throws {
        let runner = try CommandRunner()
        let first = try runner.run(["simulate", "--count", "60", "--seed", "3"] + Self.configuration)
        #expect(first.status == 0, "\(first.standardError)")
        let lines = first.standardOutput.split(separator: "\n").map { Array($0.utf8) }
        #expect(lines.count == 60)
        let flows = try lines.map { try NewFlow(message: $0) }
        #expect(Set(flows.map(\.id)).count == 60, "distinct dispatcher ids")
        #expect(Set(flows.map(\.flowName)).count > 3)
        #expect(try runner.run(["simulate", "--count", "60", "--seed", "3"] + Self.configuration).standardOutput == first.standardOutput)
        #expect(try runner.run(["simulate", "--count", "60", "--seed", "4"] + Self.configuration).standardOutput != first.standardOutput)
        // --flows is a set: its order does not change what a seed makes.
        let chosen = try runner.run(["simulate", "--count", "20", "--seed", "3", "--flows", "bulk_analysis_flow", "package_analysis_flow"]
                                    + Self.configuration)
        #expect(chosen.status == 0, "\(chosen.standardError)")
        #expect(Set(try chosen.standardOutput.split(separator: "\n").map { try NewFlow(message: Array($0.utf8)).flowName }).count == 2)
        let reordered = try runner.run(["simulate", "--count", "20", "--seed", "3", "--flows", "package_analysis_flow", "bulk_analysis_flow",
                                        "bulk_analysis_flow"] + Self.configuration)
        #expect(reordered.standardOutput == chosen.standardOutput)

        // Every simulated state fits the example's migrations: none is invalid.
        let report = try runner.run(["apply", "-m", Fixtures.repositoryRoot.appendingPathComponent("migrations").path, "--input", "-",
                                     "--dry-run"], input: Data(first.standardOutput.utf8))
        #expect(!report.standardOutput.contains("\"outcome\":\"invalid\""), "\(report.standardOutput.prefix(500))")
        #expect(report.standardOutput.split(separator: "\n").count == 60)
    }

    /// A flow that ends at once (its only start edge never fires) leaves nothing in flight: an
    /// error naming the flow, and no file or store that would pass for a set of in-flight states.
    @Test func aFlowThatNeverRunsIsAnErrorAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks: [{name: A, import: t}]\nflows: [f]\n", to: "nodes.yml")
        let flows = try directory.write("flow-definitions:\n  - {name: f, edges: [{from: , to: A, condition: {name: alwaysFalse}}]}\n",
                                        to: "flows.yml")
        for destination in [[], ["--output", directory.path("states.jsonl")], ["--store", "sqlite:" + directory.path("flows.sqlite")]] {
            let result = try CommandRunner().run(["simulate", "--count", "3", "-n", nodes, "-f", flows] + destination)
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardOutput.isEmpty)
            #expect(result.standardError == "error: no flow of f could be caught running in 60 attempts: each ended at once or never "
                    + "started (do its starting edges' conditions never hold?); nothing was written\n", "\(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("")).sorted() == ["flows.yml", "nodes.yml"])
        // Asked for with another flow that does run, it is named in a warning (its states are not
        // among those written), not left out in silence — whatever the count, since it cannot run.
        let both = try directory.write("flow-definitions:\n  - {name: f, edges: [{from: , to: A, condition: {name: alwaysFalse}}]}\n"
            + "  - {name: g, edges: [{from: , to: A}]}\n", to: "both.yml")
        let twoFlows = try directory.write("tasks: [{name: A, import: t}]\nflows: [f, g]\n", to: "both-nodes.yml")
        let mixed = try CommandRunner().run(["simulate", "--count", "100", "-n", twoFlows, "-f", both, "--flows", "f", "g",
                                             "--output", directory.path("mixed.jsonl")])
        #expect(mixed.status == 0, "\(mixed.standardError)")
        let never = "warning: flow f never runs: every starting edge has a condition that never holds (alwaysFalse) or starts nowait "
            + "nodes only, so the states written have none of it\n"
        #expect(mixed.standardError.contains(never), "\(mixed.standardError)")
        #expect(!mixed.standardError.contains("could be caught running"), "said once: \(mixed.standardError)")
        let small = try CommandRunner().run(["simulate", "--count", "2", "-n", twoFlows, "-f", both, "--output", directory.path("small.jsonl")])
        #expect(small.standardError.contains(never), "\(small.standardError)")
        // A flow merely unlucky in a small count (its starting condition may hold) is not named.
        let maybe = try directory.write("flow-definitions:\n  - {name: f, edges: [{from: , to: A, condition: {name: argsFieldExist, args: {key: x}}}]}\n"
            + "  - {name: g, edges: [{from: , to: A}]}\n", to: "maybe.yml")
        let unlucky = try CommandRunner().run(["simulate", "--count", "2", "--seed", "3", "-n", twoFlows, "-f", maybe, "--output", directory.path("maybe.jsonl")])
        #expect(unlucky.status == 0 && !unlucky.standardError.contains("warning:"), "\(unlucky.standardError)")
    }

    /// An invalid configuration stops `execute --format json` with the JSON document every
    /// command gives, naming it the `current` configuration as the README lists the roles.
    @Test func anInvalidConfigurationIsReportedAsTheCurrentOne() throws {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks: [{name: A, import: t}]\nflows: [f]\n", to: "nodes.yml")
        let flows = try directory.write("flow-definitions:\n  - {name: f, edges: [{from: , to: Missing}]}\n", to: "flows.yml")
        let result = try CommandRunner().run(["execute", "f", "--format", "json", "-n", nodes, "-f", flows])
        #expect(result.status == 1, "\(result.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
                                    "\(result.standardOutput)")
        #expect(document["error"] as? String == "invalid-configuration")
        #expect(document["configuration"] as? String == "current", "\(document)")
    }

    @Test func simulateFillsAStore() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let store = "sqlite:" + directory.path("flows.sqlite")
        // More than one batch of 500: the store gets them all, the same as the JSON lines.
        let simulated = try runner.run(["simulate", "--count", "1201", "--store", store] + Self.configuration)
        #expect(simulated.status == 0, "\(simulated.standardError)")
        #expect(simulated.standardError == "simulated 1201 in-flight flows of 6 flows into \(store), at migration version 0\n")
        let status = try runner.run(["status", "--store", store])
        #expect(status.standardOutput.hasPrefix("store \(store): 1201 flows"))
        let lines = try runner.run(["simulate", "--count", "1201"] + Self.configuration).standardOutput.split(separator: "\n")
        let exported = try runner.run(["export", "--store", store]).standardOutput.split(separator: "\n")
        #expect(Set(lines.map { try! NewFlow(message: Array($0.utf8)).id }) == Set(exported.map { try! NewFlow(message: Array($0.utf8)).id }))
        // Simulating the same flows again is refused as a whole: nothing half-written.
        let again = try runner.run(["simulate", "--count", "1201", "--store", store] + Self.configuration)
        #expect(again.status == 1, "already in the store: an input error, as for import")
        #expect(again.standardError.contains("(nothing was written)"), "\(again.standardError)")
        #expect(again.standardError.contains("hint: the flow ids follow from --seed (1 here): if an earlier run of this command stopped "
            + "part way, run it again with --skip-identical; to add flows, use another --seed, or another store"), "\(again.standardError)")
        // A run that stopped part way (here: the first 700 of the flows) is finished by the same
        // command with --skip-identical: the flows there are kept, the rest written.
        let partial = "sqlite:" + directory.path("partial.sqlite")
        #expect(try runner.run(["simulate", "--count", "700", "--store", partial] + Self.configuration).status == 0)
        let finished = try runner.run(["simulate", "--count", "1201", "--store", partial, "--skip-identical", "--store-timeout", "60"]
                                      + Self.configuration)
        #expect(finished.status == 0, "\(finished.standardError)")
        #expect(finished.standardError == "simulated 1201 in-flight flows of 6 flows into \(partial), at migration version 0 (700 "
                + "identical flows already in the store, skipped)\n",
                "\(finished.standardError)")
        let finishedLines = try runner.run(["export", "--store", partial]).standardOutput.split(separator: "\n")
        #expect(Set(finishedLines.map { try! NewFlow(message: Array($0.utf8)).id }) == Set(exported.map { try! NewFlow(message: Array($0.utf8)).id }))
        let withoutStore = try runner.run(["simulate", "--skip-identical"] + Self.configuration)
        #expect(withoutStore.status == 64 && withoutStore.standardError.contains("--skip-identical needs --store"), "\(withoutStore.standardError)")
        let timeoutWithoutStore = try runner.run(["simulate", "--store-timeout", "5"] + Self.configuration)
        #expect(timeoutWithoutStore.status == 64 && timeoutWithoutStore.standardError.contains("--store-timeout needs --store"),
                "\(timeoutWithoutStore.standardError)")
        let noTimeout = try runner.run(["simulate", "--store", partial, "--store-timeout", "0"] + Self.configuration)
        #expect(noTimeout.status == 64 && noTimeout.standardError.contains("--store-timeout must be at least 1 second"), "\(noTimeout.standardError)")
        // $SELINON_MIGRATE_STORE names a real store: simulate never writes there unless --store names it.
        let real = directory.path("real.sqlite")
        let unnamed = try runner.run(["simulate", "--count", "2"] + Self.configuration, environment: ["SELINON_MIGRATE_STORE": "sqlite:" + real])
        #expect(unnamed.status == 0 && unnamed.standardOutput.split(separator: "\n").count == 2, "\(unnamed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: real))
        // Both destinations at once, standard output included, is a usage error, not a silent choice.
        for output in ["-", directory.path("flows.jsonl")] {
            let both = try runner.run(["simulate", "--store", store, "--output", output] + Self.configuration)
            #expect(both.status == 64)
            #expect(both.standardError.contains("--store and --output exclude each other"))
        }
    }

    /// A run long enough to outlast a progress line's interval (5 s) says how far it is on
    /// standard error; interrupted, it says so and leaves no file, whole or partial.
    @Test func aLongSimulateShowsProgressAndAnInterruptLeavesNoFile() throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = try CommandRunner().executable
        process.arguments = ["simulate", "--count", "100000000", "--output", directory.path("flows.jsonl")] + Self.configuration
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        let standardError = Pipe()
        process.standardError = standardError
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var printed = ""
        let deadline = Date().addingTimeInterval(300)
        while !printed.contains("flows/s"), process.isRunning, Date() < deadline {
            printed += String(decoding: standardError.fileHandleForReading.availableData, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        printed += String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("/100000000 flows, "), "a line with how many of how many: \(printed)")
        #expect(printed.contains(" flows/s, ETA "), "\(printed)")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT, "it dies of the interrupt")
        #expect(printed.hasSuffix("interrupted: nothing was written to \(directory.path("flows.jsonl")) (files are written whole or not at all)\n"),
                "\(printed)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty, "no file and no temporary file")
    }

    @Test func simulateNeverWritesOverTheConfigurationOrLeavesAHalfFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Self.v1, to: directory.url.appendingPathComponent("v1"))
        let nodes = directory.path("v1/nodes.yml"), flowFile = directory.path("v1/flows/ingest.yml")
        let before = try Data(contentsOf: URL(fileURLWithPath: nodes))
        let runner = try CommandRunner()
        for output in [nodes, flowFile] {
            let refused = try runner.run(["simulate", "-n", nodes, "-f", directory.path("v1/flows"), "--output", output])
            #expect(refused.status == 64, "\(refused.standardError)")
            #expect(refused.standardError.contains("error: --output names the configuration file '\(output)'"), "\(refused.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: nodes)) == before)
        let empty = try runner.run(["simulate", "--output", ""] + Self.configuration, in: directory.url)
        #expect(empty.status == 64)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["v1"], "no temporary file left")
    }

    @Test func anArgumentThatIsNotUTF8IsRefusedNotReplaced() throws {
        // Swift would read "o\xff.jsonl" as "o\u{FFFD}.jsonl" and write that file instead.
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #""$0" simulate --count 1 -n "$1" -f "$2" --output "$(printf 'o\377.jsonl')""#,
                             try CommandRunner().executable.path, Self.configuration[1], Self.configuration[3]]
        process.currentDirectoryURL = directory.url
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64, "\(message)")
        #expect(message.contains("(\"o\\xFF.jsonl\") is not valid UTF-8; selinon-migrate reads paths and names as UTF-8"), "\(message)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty, "nothing written under another name")
    }

    /// The environment is read as UTF-8 too: a store or a `{VARIABLE}` of `migration_dir` in
    /// other bytes is refused, not replaced by a path of U+FFFD that workers would never read.
    @Test func anEnvironmentVariableThatIsNotUTF8IsRefusedNotReplaced() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let store = try runner.run(["status"], shellScript: #"SELINON_MIGRATE_STORE="sqlite:$(printf 's\377.sqlite')" exec "$0" "$@""#, in: directory.url)
        #expect(store.status == 64, "\(store.standardError)")
        #expect(store.standardError.hasPrefix("Error: environment variable SELINON_MIGRATE_STORE (\"sqlite:s\\xFF.sqlite\") is not valid UTF-8"),
                "\(store.standardError)")
        // Only where the variable is read: help, an explicit --store and a command without a store go on.
        for arguments in [["--help"], ["status", "--help"], ["status", "--store", "sqlite:other.sqlite"], ["validate"] + Self.configuration] {
            let other = try runner.run(arguments, shellScript: #"SELINON_MIGRATE_STORE="sqlite:$(printf 's\377.sqlite')" exec "$0" "$@""#, in: directory.url)
            #expect(!other.standardError.contains("is not valid UTF-8") && other.status != 64, "\(arguments): \(other.standardError)")
        }
        let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis")
        let nodes = try String(contentsOf: examples.appendingPathComponent("v2/nodes.yml"), encoding: .utf8)
        #expect(nodes.contains("  migration_dir: migrations\n"))
        try directory.write(nodes.replacingOccurrences(of: "  migration_dir: migrations\n", with: "  migration_dir: \"{MD}/migrations\"\n"), to: "nodes.yml")
        let generate = try runner.run(["generate", "-N", examples.appendingPathComponent("v1/nodes.yml").path, "-F", examples.appendingPathComponent("v1/flows").path,
                                       "-n", "nodes.yml", "-f", examples.appendingPathComponent("v2/flows").path],
                                      shellScript: #"MD="$(printf 'd\377')" exec "$0" "$@""#, in: directory.url)
        #expect(generate.status == 1, "\(generate.standardError)")
        #expect(generate.standardError.contains("error: cannot expand 'migration_dir' '{MD}/migrations': environment variable 'MD' holds bytes "
            + "that are not valid UTF-8"), "\(generate.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["nodes.yml"], "nothing written")
    }

    /// In a directory removed after the shell entered it, every relative path would fail for a
    /// misleading reason ("no such store", "cannot create the directory"): the command says so.
    @Test func aCurrentDirectoryThatNoLongerExistsIsNamed() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["validate"] + Self.configuration, shellScript: #"mkdir gone && cd gone && rmdir ../gone && exec "$0" "$@""#,
                                             in: directory.url)
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("error: the current directory no longer exists"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        let help = try CommandRunner().run(["validate", "--help"], shellScript: #"mkdir gone && cd gone && rmdir ../gone && exec "$0" "$@""#,
                                           in: directory.url)
        #expect(help.status == 0 && help.standardOutput.hasPrefix("OVERVIEW:"), "\(help.standardError)")
    }

    /// `-n/-f` without `--git` outside a repository: the configuration before the migration
    /// comes from the files `_meta` names, as without `-n/-f` (no git needed).
    @Test func analyzeWithTheConfigurationOutsideARepositoryNeedsNoGit() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("examples"), to: directory.url.appendingPathComponent("examples"))
        try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("migrations"), to: directory.url.appendingPathComponent("migrations"))
        let result = try CommandRunner().run(["analyze", "2", "-m", "migrations", "-n", "examples/package-analysis/v4/nodes.yml",
                                              "-f", "examples/package-analysis/v4/flows"], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("migrations 2…3:"), "\(result.standardOutput)")
        // --quiet (no progress display) changes nothing else, here and in review.
        let quiet = try CommandRunner().run(["analyze", "2", "-m", "migrations", "-n", "examples/package-analysis/v4/nodes.yml",
                                             "-f", "examples/package-analysis/v4/flows", "--quiet"], in: directory.url)
        #expect(quiet.status == 0 && quiet.standardOutput == result.standardOutput, "\(quiet.standardError)")
        let review = try CommandRunner().run(["review", "2", "-m", "migrations", "--quiet"], in: directory.url)
        #expect(review.status == 0 && review.standardOutput.hasPrefix("migration 2"), "\(review.standardError)")
    }

    /// Node names are legal with underscores, which Markdown reads as emphasis: the sentence is
    /// escaped as `review` escapes it.
    @Test func analyzeInMarkdownShowsNamesAsWritten() throws {
        let directory = try TemporaryDirectory()
        let nodes = """
            tasks:
              - {name: _Fetch_, import: mytasks}
              - {name: __Store__, import: mytasks}
              - {name: Notify, import: mytasks}
            flows: [main_flow]
            """
        try directory.write(nodes, to: "old/nodes.yml")
        try directory.write(nodes, to: "new/nodes.yml")
        try directory.write("""
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: _Fetch_}
                  - {from: _Fetch_, to: __Store__}
                  - {from: __Store__, to: Notify}
            """, to: "old/flows.yml")
        try directory.write("""
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: _Fetch_}
                  - {from: _Fetch_, to: Notify}
                  - {from: _Fetch_, to: __Store__}
            """, to: "new/flows.yml")
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-N", "old/nodes.yml", "-F", "old/flows.yml", "-n", "new/nodes.yml", "-f", "new/flows.yml",
                                        "-m", "m", "--tainted-flows", "RETRY"], in: directory.url)
        #expect(generated.status == 0, "\(generated.standardError)")
        let result = try runner.run(["analyze", "1", "-m", "m", "-N", "old/nodes.yml", "-F", "old/flows.yml", "--format", "markdown"],
                                    in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("(e.g. \\_Fetch\\_ finished; \\_\\_Store\\_\\_ running)"), "\(result.standardOutput)")
    }

    /// Under RETRY every reachable state is restarted, yet states still arm the added edge before
    /// the strategy restarts them: the review does not say that no state has its source running.
    @Test func aRetriedAnalysisStillKnowsWhichStatesArmAnEdge() throws {
        let directory = try TemporaryDirectory()
        try directory.write("tasks:\n  - {name: A, import: t}\n  - {name: B, import: t}\n  - {name: P, import: t}\n  - {name: Q, import: t}\n"
            + "flows: [f]\n", to: "nodes.yml")
        try directory.write("flow-definitions:\n  - name: f\n    edges:\n      - {from: , to: A}\n      - {from: , to: P}\n"
            + "      - {from: A, to: B}\n", to: "old.yml")
        try directory.write("flow-definitions:\n  - name: f\n    edges:\n      - {from: , to: A}\n      - {from: A, to: B}\n"
            + "      - {from: A, to: Q}\n      - {from: B, to: P}\n", to: "new.yml")
        let runner = try CommandRunner()
        #expect(try runner.run(["generate", "-N", "nodes.yml", "-F", "old.yml", "-n", "nodes.yml", "-f", "new.yml", "-m", "m", "-t", "RETRY"],
                               in: directory.url).status == 0)
        let reviewed = try runner.run(["review", "-m", "m", "-n", "nodes.yml", "-f", "new.yml"], in: directory.url)
        #expect(reviewed.standardOutput.contains("A flow in which A is running gets the new edge A → Q (new edge 2) armed: it runs when it "
            + "finishes.\n"), "\(reviewed.standardOutput)")
        #expect(!reviewed.standardOutput.contains("has A running"), "\(reviewed.standardOutput)")
    }

    /// A migration that removes a flow another one falls back to, leaving that one's edges as
    /// they were: analyze counts it too — a state running the fallback fails — as review does.
    @Test func analyzeCountsAFlowWhoseFallbackIsRemoved() throws {
        let directory = try TemporaryDirectory()
        try directory.write("tasks:\n  - {name: T0, import: t}\n  - {name: T1, import: t}\nflows: [main_flow, rescue_flow]\n", to: "old/nodes.yml")
        try directory.write("tasks:\n  - {name: T0, import: t}\n  - {name: T1, import: t}\nflows: [main_flow]\n", to: "new/nodes.yml")
        try directory.write("""
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: T1}
                failures:
                  - {nodes: T0, fallback: rescue_flow}
              - name: rescue_flow
                edges:
                  - {from: , to: T1}
            """, to: "old/flows.yml")
        try directory.write("""
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: T1}
                failures:
                  - {nodes: T0, fallback: T1}
            """, to: "new/flows.yml")
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-N", "old/nodes.yml", "-F", "old/flows.yml", "-n", "new/nodes.yml", "-f", "new/flows.yml",
                                        "-m", "m"], in: directory.url)
        #expect(generated.status == 0, "\(generated.standardError)")
        let analyzed = try runner.run(["analyze", "1", "-m", "m", "-N", "old/nodes.yml", "-F", "old/flows.yml"], in: directory.url)
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        #expect(analyzed.standardOutput.contains("  main_flow: ") && analyzed.standardOutput.contains("1 FAIL (e.g. rescue_flow running)"),
                "\(analyzed.standardOutput)")
        let reviewed = try runner.run(["review", "-m", "m", "-n", "new/nodes.yml", "-f", "new/flows.yml"], in: directory.url)
        #expect(reviewed.standardOutput.contains("A flow in which fallback rescue_flow (started when T0 failed) is still running FAILS — unless"),
                "\(reviewed.standardOutput)")
    }

    /// Option values are read whatever their case, as strategies are.
    @Test func optionValuesIgnoreCase() throws {
        let result = try CommandRunner().run(["analyze", "2", "-m", "migrations", "--fail-on", "FAIL", "--format", "JSON"],
                                             in: Fixtures.repositoryRoot)
        #expect(result.status == 0 || result.status == 1, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("{"), "\(result.standardOutput)")
    }

    /// The JSON carries the gate's verdict as the exit status gives it, and files that do not
    /// match migrations.sum (analysed as they are), so that a tool reading it alone is not misled.
    @Test func analyzeJSONSaysTheVerdictAndTheEditedFiles() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: migrations)
        let runner = try CommandRunner()
        // Migrations 2 and 3: RETRY in two flows, FAIL in two others (3 removes notification_flow).
        for (threshold, failing) in [("retry", ["licence_analysis_flow", "notification_flow", "package_analysis_flow", "reporting_flow"]),
                                     ("fail", ["notification_flow", "reporting_flow"])] {
            let gate = try runner.run(["analyze", "2", "-m", migrations, "--fail-on", threshold, "--format", "json"])
            #expect(gate.status == 1, "\(gate.standardError)")
            let verdict = try JSONSerialization.jsonObject(with: Data(gate.standardOutput.utf8)) as? [String: Any]
            #expect(verdict?["fail_on"] as? String == threshold && verdict?["failing_flows"] as? [String] == failing,
                    "\(gate.standardOutput)")
            #expect(verdict?["migration_directory_problems"] == nil)
        }
        let ungated = try runner.run(["analyze", "2", "-m", migrations, "--format", "json"])
        #expect(ungated.status == 0, "\(ungated.standardError)")
        #expect((try JSONSerialization.jsonObject(with: Data(ungated.standardOutput.utf8)) as? [String: Any])?["fail_on"] == nil)

        var text = try String(contentsOfFile: "\(migrations)/2.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"RETRY\"", with: "\"IGNORE\"")
        try text.write(toFile: "\(migrations)/2.json", atomically: true, encoding: .utf8)
        for command in ["analyze", "review"] {
            let edited = try runner.run([command, "2", "-m", migrations, "--format", "json"])
            #expect(edited.status == 0, "\(edited.standardError)")
            let document = try JSONSerialization.jsonObject(with: Data(edited.standardOutput.utf8)) as? [String: Any]
            let problems = document?["migration_directory_problems"] as? [[String: Any]]
            #expect(problems?.count == 1 && problems?.first?["kind"] as? String == "edited"
                    && problems?.first?["file"] as? String == "\(migrations)/2.json", "\(command): \(edited.standardOutput)")
        }
    }

    @Test func anEmptyMigrationDirectoryHasNothingToAnalyze() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("m"), withIntermediateDirectories: false)
        let runner = try CommandRunner()
        let nothing = try runner.run(["analyze", "-m", "m", "--fail-on", "retry"], in: directory.url)
        #expect(nothing.status == 0)
        #expect(nothing.standardOutput == "there are no migrations in m yet: nothing to analyze\n")
        // For tools: still one JSON document (the sentence goes to standard error, and into it as `note`).
        let json = try runner.run(["analyze", "-m", "m", "--format", "json"], in: directory.url)
        #expect(json.status == 0)
        #expect(json.standardOutput == "{\n  \"flows\": [],\n  \"note\": \"there are no migrations in m yet: nothing to analyze\"\n}\n",
                "\(json.standardOutput)")
        #expect(json.standardError == "note: there are no migrations in m yet: nothing to analyze\n")
        // A gate's verdict is there whatever there was to analyze.
        let gated = try runner.run(["analyze", "-m", "m", "--format", "json", "--fail-on", "retry"], in: directory.url)
        let verdict = try JSONSerialization.jsonObject(with: Data(gated.standardOutput.utf8)) as? [String: Any]
        #expect(verdict?["fail_on"] as? String == "retry" && verdict?["failing_flows"] as? [String] == [], "\(gated.standardOutput)")
        let named = try runner.run(["analyze", "2", "-m", "m"], in: directory.url)
        #expect(named.status == 1)
        #expect(named.standardError == "error: there is no migration 2 in m (it holds no migrations yet)\n")
    }

    @Test func negativeNumbersAreRefusedByName() throws {
        let runner = try CommandRunner()
        let count = try runner.run(["simulate", "--count", "-5"] + Self.configuration)
        #expect(count.status == 64)
        #expect(count.standardError.contains("--count must be at least 1."), "\(count.standardError)")
        let huge = try runner.run(["simulate", "--count", "9223372036854775807"] + Self.configuration)
        #expect(huge.status == 64)
        #expect(huge.standardError.contains("--count must be at most 100000000 (100 million)."), "\(huge.standardError)")
        let version = try runner.run(["simulate", "--migration-version", "-1"] + Self.configuration)
        #expect(version.standardError.contains("--migration-version must be 0 or more."))
        let states = try runner.run(["analyze", "--max-states", "-1", "-m", "migrations"], in: Fixtures.repositoryRoot)
        #expect(states.status == 64)
        #expect(states.standardError.contains("--max-states must be at least 1."))
        // Two sources for the configuration before the migration: a usage error, as in generate and diff.
        let both = try runner.run(["analyze", "-m", "migrations", "--git", "-N", "examples/package-analysis/v3/nodes.yml",
                                   "-F", "examples/package-analysis/v3/flows"], in: Fixtures.repositoryRoot)
        #expect(both.status == 64 && both.standardError.contains("it cannot be combined with -N/-F"), "\(both.standardError)")
        let tooFar = try runner.run(["simulate", "--migration-version", "2147483648", "--store", "sqlite:/nonexistent/x.sqlite"]
                                    + Self.configuration)
        #expect(tooFar.status == 64 && tooFar.standardError.contains("--migration-version must be at most 2147483647 with --store"),
                "\(tooFar.standardError)")
    }

    @Test func analyzeCountsEveryReachableStateAndGatesCI() throws {
        let runner = try CommandRunner()
        let result = try runner.run(["analyze", "2", "-m", "migrations"], in: Fixtures.repositoryRoot)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("migrations 2…3:\n"))
        #expect(result.standardOutput.contains("  licence_analysis_flow: 37 reachable states — 6 renumbered, 2 waiting edge dropped, 29 RETRY (e.g. "))
        #expect(result.standardOutput.contains("  notification_flow: 15 reachable states — 15 FAIL"))
        let gate = try runner.run(["analyze", "2", "-m", "migrations", "--fail-on", "retry"], in: Fixtures.repositoryRoot)
        #expect(gate.status == 1)
        #expect(gate.standardError.contains("come out RETRY or worse"))
        // The nodes file in the environment alone (no flows) does not make analyze load a current configuration.
        let fromEnvironment = try runner.run(["analyze", "3"], in: Fixtures.repositoryRoot,
                                             environment: ["SELINON_NODES_DEFINITION": "examples/package-analysis/v4/nodes.yml"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.standardError)")
        let bounded = try runner.run(["analyze", "3", "-m", "migrations", "--max-states", "5"], in: Fixtures.repositoryRoot)
        #expect(bounded.standardOutput.contains("5+ reachable states") && bounded.standardOutput.contains("the search stopped"))
    }

    /// A flow `chain` of A → B → C → D (v1) that loses its last edge (v2): the directory and
    /// the paths of the nodes file and both flow files.
    static func chainLosingItsLastEdge() throws -> (TemporaryDirectory, nodes: String, old: String, new: String) {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks:\n" + ["A", "B", "C", "D"].map { "  - {name: \($0), import: t}\n" }.joined() + "flows: [chain]\n",
                                        to: "nodes.yml")
        let edges = ["{from: , to: A}", "{from: A, to: B}", "{from: B, to: C}", "{from: C, to: D}"]
        let old = try directory.write("flow-definitions: [{name: chain, edges: [\(edges.joined(separator: ", "))]}]\n", to: "v1/flows.yml")
        let new = try directory.write("flow-definitions: [{name: chain, edges: [\(edges.dropLast().joined(separator: ", "))]}]\n", to: "v2/flows.yml")
        return (directory, nodes, old, new)
    }

    @Test func aGateOnAnUnfinishedSearchSaysWhatItJudged() throws {
        let (directory, nodes, old, new) = try Self.chainLosingItsLastEdge()
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-N", nodes, "-F", old, "-n", nodes, "-f", new, "-m", directory.path("m"), "-t", "RETRY"])
        #expect(generated.status == 0, "\(generated.standardError)")
        let complete = try runner.run(["analyze", "-m", directory.path("m"), "--fail-on", "retry"])
        #expect(complete.status == 1 && complete.standardError.contains("come out RETRY or worse"), "\(complete.standardError)")
        // Three states are all unchanged: the gate passes, and says it judged only those.
        let partial = try runner.run(["analyze", "-m", directory.path("m"), "--fail-on", "retry", "--max-states", "3"])
        #expect(partial.status == 0, "\(partial.standardError)")
        #expect(partial.standardError.contains("warning: the search stopped before it covered every state, so --fail-on judged only the states "
            + "found (chain: 3 states found, stopped at --max-states; raise it to count more)\n  hint: raise --max-states to judge more\n"),
                "\(partial.standardError)")
        // The report names that bound, not every bound there is.
        let text = try runner.run(["analyze", "-m", directory.path("m"), "--max-states", "3"])
        #expect(text.standardOutput.contains("3+ reachable states — 3 unchanged; the search stopped before the end (at --max-states; "
            + "raise it to count more), more states may exist"), "\(text.standardOutput)")
        #expect(!complete.standardError.contains("warning: "), "a directory that matches its sum: \(complete.standardError)")
        // A strategy edited by hand after generate: the analysis judges the file as it is, and says it was edited.
        let file = directory.path("m/1.json")
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: #""RETRY""#, with: #""FAIL""#)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let edited = try runner.run(["analyze", "-m", directory.path("m"), "--fail-on", "fail"])
        #expect(edited.status == 1)
        #expect(edited.standardError.contains("\(file): warning: 1.json was changed after it was generated"), "\(edited.standardError)")
    }

    @Test func aMigrationWithoutMetadataMustFitTheOldConfigurationGiven() throws {
        let (directory, nodes, old, new) = try Self.chainLosingItsLastEdge()
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-N", nodes, "-F", old, "-n", nodes, "-f", new, "-m", directory.path("m"), "--no-meta"])
        #expect(generated.status == 0, "\(generated.standardError)")
        let right = try runner.run(["analyze", "-m", directory.path("m"), "-N", nodes, "-F", old])
        #expect(right.status == 0, "\(right.standardError)")
        // The new configuration instead of the old: edge 3 (removed) is not there.
        let wrong = try runner.run(["analyze", "-m", directory.path("m"), "-N", nodes, "-F", new])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("is not the configuration this migration was generated from: the migration names edge 3 "
            + "of flow 'chain', which has 3 edges there"), "\(wrong.standardError)")
    }

    @Test func aFlowRunningARemovedSubFlowWithoutAFallbackIsCountedAsFailing() throws {
        // Migration 3 removes notification_flow: its dispatchers fail on new workers, and
        // reporting_flow, which runs it and has no failure entry for it, fails with it — not
        // "continue (IGNORE)".
        let v3 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v3")
        let result = try CommandRunner().run(["analyze", "3", "-m", "migrations", "--format", "json",
                                              "-N", v3.appendingPathComponent("nodes.yml").path, "-F", v3.appendingPathComponent("flows").path],
                                             in: Fixtures.repositoryRoot)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let reporting = try #require((object["flows"] as? [[String: Any]])?.first { $0["flow"] as? String == "reporting_flow" })
        #expect((reporting["counts"] as? [String: Int])?["fail"] == 4, "\(reporting)")
        #expect((reporting["examples"] as? [String: String])?["fail"]?.hasSuffix("notification_flow running") == true, "\(reporting)")
        // Under RETRY those flows restart and leave the sub-flow behind: counted as RETRY, as apply reports them.
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: directory.path("m"))
        let third = try String(contentsOfFile: directory.path("m/3.json"), encoding: .utf8)
        #expect(third.contains(#""tainted_flow_strategy": "IGNORE""#))
        try third.replacingOccurrences(of: #""tainted_flow_strategy": "IGNORE""#, with: #""tainted_flow_strategy": "RETRY""#)
            .write(toFile: directory.path("m/3.json"), atomically: true, encoding: .utf8)
        let retried = try CommandRunner().run(["analyze", "3", "-m", directory.path("m"), "--format", "json",
                                               "-N", v3.appendingPathComponent("nodes.yml").path, "-F", v3.appendingPathComponent("flows").path])
        #expect(retried.status == 0, "\(retried.standardError)")
        let restarted = try #require(try JSONSerialization.jsonObject(with: Data(retried.standardOutput.utf8)) as? [String: Any])
        let flow = try #require((restarted["flows"] as? [[String: Any]])?.first { $0["flow"] as? String == "reporting_flow" })
        #expect((flow["counts"] as? [String: Int])?["fail"] == nil && (flow["counts"] as? [String: Int])?["retry"] == 6, "\(flow)")
        #expect((flow["examples"] as? [String: String])?["retry"]?.hasSuffix("notification_flow running") == true, "\(flow)")
    }

    @Test func analyzeSaysWhereTheOldConfigurationIsMissing() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: directory.path("m"))
        let result = try CommandRunner().run(["analyze", "-m", "m"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.standardError.contains("its files are not here"))
        #expect(result.standardError.contains("pass it with -N/-F"))
        // In JSON, the command's one document says which configuration is missing, as for -N/-F.
        let json = try CommandRunner().run(["analyze", "-m", "m", "--format", "json"], in: directory.url)
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(document["error"] as? String == "unavailable-configuration" && document["configuration"] as? String == "old", "\(document)")
        #expect((document["message"] as? String)?.contains("its files are not here") == true, "\(document)")
        let v3 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v3")
        let explicit = try CommandRunner().run(["analyze", "-m", "m", "-N", v3.appendingPathComponent("nodes.yml").path,
                                                "-F", v3.appendingPathComponent("flows").path], in: directory.url)
        #expect(explicit.status == 0, "\(explicit.standardError)")
        #expect(explicit.standardOutput.hasPrefix("migration 3:"))
        // A configuration that is not the one migration 3 starts from is refused, not analysed.
        let v4 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v4")
        let wrong = try CommandRunner().run(["analyze", "-m", "m", "--fail-on", "fail", "-N", v4.appendingPathComponent("nodes.yml").path,
                                             "-F", v4.appendingPathComponent("flows").path], in: directory.url)
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("is not the configuration this migration was generated from"))
        #expect(wrong.standardOutput.isEmpty)
        // With --format json, the refusal is the command's one document, as for any configuration it cannot use.
        let wrongJSON = try CommandRunner().run(["analyze", "-m", "m", "--format", "json", "-N", v4.appendingPathComponent("nodes.yml").path,
                                                 "-F", v4.appendingPathComponent("flows").path], in: directory.url)
        #expect(wrongJSON.status == 1)
        let refusal = try #require(try JSONSerialization.jsonObject(with: Data(wrongJSON.standardOutput.utf8)) as? [String: Any],
                                   "\(wrongJSON.standardOutput)")
        #expect(refusal["error"] as? String == "mismatched-configuration" && refusal["configuration"] as? String == "old", "\(refusal)")
        #expect((refusal["message"] as? String)?.contains("is not the configuration this migration was generated from") == true, "\(refusal)")
    }

    @Test func executeShowsWhatRanBeforeAFlowThatDoesNotEndWasStopped() throws {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks:\n  - {name: A, import: t}\nflows: [f]\n", to: "nodes.yml")
        let flows = try directory.write("flow-definitions:\n  - name: f\n    edges:\n      - {from: , to: A}\n      - {from: A, to: A}\n",
                                        to: "flows.yml")
        let runner = try CommandRunner()
        let text = try runner.run(["execute", "f", "-n", nodes, "-f", flows, "--max-runs", "3"])
        #expect(text.status == 1)
        #expect(text.standardOutput.hasPrefix("task  f/A  succeeded\ntask  f/A  succeeded\n"), "the loop shows: \(text.standardOutput)")
        #expect(text.standardOutput.contains("f stopped after 3 dispatcher runs"), "as many as were allowed: \(text.standardOutput)")
        #expect(text.standardError.contains("error: the flows did not end within 3 dispatcher runs"))
        let once = try runner.run(["execute", "f", "-n", nodes, "-f", flows, "--max-runs", "1"])
        #expect(once.standardError.contains("error: the flows did not end within 1 dispatcher run:"))
        let json = try runner.run(["execute", "f", "-n", nodes, "-f", flows, "--max-runs", "3", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "stopped" && (object["error"] as? String)?.hasPrefix("the flows did not end") == true)
        #expect((object["nodes"] as? [Any])?.isEmpty == false)
    }

    @Test func executeDecidesURLPredicatesAsPythonSplitsURLs() throws {
        // notification_flow opens a security issue for critical findings of GitHub repositories:
        // fieldUrlNetloc compares the network location verbatim, so "GitHub.com" is not "github.com".
        let directory = try TemporaryDirectory()
        let v3 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v3")
        let configuration = ["-n", v3.appendingPathComponent("nodes.yml").path, "-f", v3.appendingPathComponent("flows").path]
        let runner = try CommandRunner()
        for (url, opensIssue) in [("https://github.com/x/y;v=1?tab=readme", true), ("https://GitHub.com/x/y", false),
                                  ("git@github.com:x/y", false)] {
            let outcomes = try directory.write(#"{"node_args": {"severity": "critical"}, "tasks": {"ResolveMaintainers": "#
                + #"{"result": {"repository_url": "\#(url)", "maintainers": []}}}}"#, to: "outcomes.json")
            let run = try runner.run(["execute", "notification_flow", "--outcomes", outcomes] + configuration)
            #expect(run.status == 0, "\(run.standardError)")
            #expect(run.standardOutput.contains("notification_flow/OpenSecurityIssue") == opensIssue, "\(url): \(run.standardOutput)")
        }
    }

    @Test func executeRunsAFlowToItsEndUnderGivenOutcomes() throws {
        let directory = try TemporaryDirectory()
        let v4 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v4")
        let configuration = ["-n", v4.appendingPathComponent("nodes.yml").path, "-f", v4.appendingPathComponent("flows").path]
        let outcomes = try directory.write(#"{"tasks": {"ScanVulnerabilities": {"fails": true}, "DetectBundledCode": {"result": {"bundled": [1]}}},"#
                                           + #" "foreach": {"package_analysis.foreach.iter_bundled_libraries": ["zlib", "pcre"]}}"#, to: "outcomes.json")
        let runner = try CommandRunner()
        let text = try runner.run(["execute", "security_analysis_flow", "--outcomes", outcomes] + configuration)
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput == """
            task  security_analysis_flow/ScanVulnerabilities  retried
            task  security_analysis_flow/DetectBundledCode    succeeded
            task  security_analysis_flow/ScanVulnerabilities  retried
            task  security_analysis_flow/ScanBundledLibrary   succeeded
            task  security_analysis_flow/ScanBundledLibrary   succeeded
            task  security_analysis_flow/ScanVulnerabilities  retried
            task  security_analysis_flow/ScanVulnerabilities  retried
            task  security_analysis_flow/ScanVulnerabilities  failed
            task  security_analysis_flow/RecordScanFailure    succeeded
            flow  security_analysis_flow                      succeeded
            security_analysis_flow succeeded after 7 dispatcher runs

            """)
        let json = try runner.run(["execute", "security_analysis_flow", "--outcomes", outcomes, "--format", "json"] + configuration)
        #expect(json.standardOutput.contains(#""status": "succeeded""#) && json.standardOutput.contains(#""kind": "task""#))
        // '-' reads the outcomes from standard input: the same run.
        let piped = try runner.run(["execute", "security_analysis_flow", "--outcomes", "-"] + configuration,
                                   input: try Data(contentsOf: URL(fileURLWithPath: outcomes)))
        #expect(piped.status == 0 && piped.standardOutput == text.standardOutput, "\(piped.standardError)")
        #expect(text.standardError.isEmpty, "\(text.standardError)")

        // Outcomes for a task of another flow change nothing here: said, with the flow that runs it.
        let elsewhere = try directory.write(#"{"tasks": {"ScanVulnerabilities": {"fails": true},"# + "\n" + #" "FetchMetadata": {"fails": true}}}"#,
                                            to: "elsewhere.json")
        let unused = try runner.run(["execute", "security_analysis_flow", "--outcomes", elsewhere] + configuration)
        #expect(unused.status == 0)
        #expect(unused.standardError == "\(elsewhere):2: warning: outcomes are given for 'FetchMetadata', which flow 'security_analysis_flow' and "
            + "its sub-flows never start: they change nothing in this run\n  hint: it is started by 'package_analysis_flow' — execute that "
            + "flow, or remove the entry\n", "\(unused.standardError)")
        let unusedJSON = try runner.run(["execute", "security_analysis_flow", "--outcomes", elsewhere, "--format", "json"] + configuration)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(unusedJSON.standardOutput.utf8)) as? [String: Any])
        #expect(document["unused_outcomes"] as? [String] == ["FetchMetadata"], "\(document)")

        let broken = try directory.write("{\"tasks\": {\n  \"A\": }", to: "broken.json")
        let invalid = try runner.run(["execute", "security_analysis_flow", "--outcomes", broken] + configuration)
        #expect(invalid.status == 1)
        #expect(invalid.standardError.hasPrefix("\(broken):2:8: error: "), "\(invalid.standardError)")
        #expect(invalid.standardError.contains("\n  hint: the outcomes file is one JSON object: fix it there (see `selinon-migrate execute "
            + "--help` for the outcomes file's form)"), "\(invalid.standardError)")
        // A task given twice contradicts itself: refused at the second key, not decided by the last one.
        let twice = try directory.write("{\"tasks\": {\n  \"ScanVulnerabilities\": {\"fails\": true},\n  \"ScanVulnerabilities\": {\"result\": {}}}}",
                                        to: "twice.json")
        let contradicting = try runner.run(["execute", "security_analysis_flow", "--outcomes", twice] + configuration)
        #expect(contradicting.status == 1 && contradicting.standardOutput.isEmpty)
        #expect(contradicting.standardError.hasPrefix("\(twice):3:3: error: the key 'ScanVulnerabilities' appears twice in one object"),
                "\(contradicting.standardError)")
        #expect(contradicting.standardError.contains("\n  hint: keep one of the two: only the last would count, and which outcome was meant "
            + "is not clear"), "\(contradicting.standardError)")
        // An outcome of the wrong form, and one for a name that is no task: each at its line.
        let wrongForm = try directory.write("{\"tasks\": {\n  \"ScanVulnerabilities\": {\"fails\": 1}}}", to: "form.json")
        let form = try runner.run(["execute", "security_analysis_flow", "--outcomes", wrongForm] + configuration)
        #expect(form.status == 1)
        #expect(form.standardError.hasPrefix(#"\#(wrongForm):2: error: tasks.ScanVulnerabilities: expected {"result": …} or {"fails": true}"#),
                "\(form.standardError)")
        let items = try directory.write("{\"foreach\": {\n  \"package_analysis.foreach.iter_bundled_libraries\": {\"a\": 1}}}", to: "items.json")
        let notItems = try runner.run(["execute", "security_analysis_flow", "--outcomes", items] + configuration)
        #expect(notItems.status == 1)
        #expect(notItems.standardError.hasPrefix("\(items):2: error: foreach.package_analysis.foreach.iter_bundled_libraries: "),
                "a foreach's dotted name is one key: \(notItems.standardError)")
        let otherFunction = try directory.write("{\"foreach\": {\n  \"package_analysis.foreach.iter_bundled\": []}}", to: "function.json")
        let unknownFunction = try runner.run(["execute", "security_analysis_flow", "--outcomes", otherFunction] + configuration)
        #expect(unknownFunction.status == 1)
        #expect(unknownFunction.standardError.hasPrefix("\(otherFunction):2: error: items are given for foreach "
            + "'package_analysis.foreach.iter_bundled', which no edge of the configuration calls"), "\(unknownFunction.standardError)")
        let typo = try directory.write("{\"tasks\": {\n\n  \"ScanVulnerabilitie\": {\"fails\": true}}}", to: "typo.json")
        let misnamed = try runner.run(["execute", "security_analysis_flow", "--outcomes", typo] + configuration)
        #expect(misnamed.status == 1)
        #expect(misnamed.standardError == "\(typo):3: error: outcomes are given for 'ScanVulnerabilitie', which is not a task of the configuration\n"
            + "  hint: did you mean 'ScanVulnerabilities'?\n", "\(misnamed.standardError)")
        // With --format json, each refusal is the command's one document: the file, where in it, what, and what to do.
        for (file, line, column) in [(broken, 2, 8), (typo, 3, nil), (wrongForm, 2, nil)] as [(String, Int, Int?)] {
            let json = try runner.run(["execute", "security_analysis_flow", "--outcomes", file, "--format", "json"] + configuration)
            #expect(json.status == 1)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(file)")
            #expect(document["error"] as? String == "invalid-outcomes" && document["file"] as? String == file, "\(document)")
            #expect(document["line"] as? Int == line && document["column"] as? Int == column, "\(document)")
            #expect((document["message"] as? String)?.isEmpty == false && (document["hint"] as? String)?.isEmpty == false, "\(document)")
        }
        let unknown = try runner.run(["execute", "nope_flow"] + configuration)
        #expect(unknown.status == 1 && unknown.standardError.contains("there is no flow 'nope_flow'"))
        let missing = try runner.run(["execute", "security_analysis_flow", "--outcomes", directory.path("missing.json")] + configuration)
        #expect(missing.status == 1)
        #expect(missing.standardError == "error: cannot read the outcomes file \(directory.path("missing.json")): No such file or directory\n"
            + "  hint: --outcomes names a JSON file of task outcomes ('-' reads standard input); check the path\n")
        let folder = try runner.run(["execute", "security_analysis_flow", "--outcomes", directory.path(".")] + configuration)
        #expect(folder.status == 1 && folder.standardError.hasSuffix(": Is a directory\n"
            + "  hint: --outcomes names a JSON file of task outcomes ('-' reads standard input); check the path\n"),
                "a wrong path, as a missing file: \(folder.standardError)")
        #expect(try runner.run(["execute", "security_analysis_flow", "--max-runs", "0"] + configuration).status == 64)
    }

    /// Example command lines in `--help` fit 80 columns, so the help (wrapped at the terminal's
    /// width, or 80 when piped) never splits one where a copy would break it.
    @Test(arguments: ["validate", "generate", "review", "diff", "check", "verify", "rehash", "rebase", "history", "apply",
                      "import", "export", "status", "simulate", "execute", "analyze"])
    func helpExamplesFitEightyColumns(_ command: String) throws {
        let result = try CommandRunner().run([command, "--help"], environment: ["COLUMNS": "300"])
        #expect(result.status == 0)
        let commandLines = result.standardOutput.split(separator: "\n").filter {
            $0.hasPrefix("  selinon-migrate ") || $0.hasPrefix("      -") || $0.hasPrefix("  git ")
        }
        for line in commandLines { #expect(line.count < 80, "\(command): \(line)") }
    }

    @Test(arguments: ["simulate", "analyze", "execute"])
    func helpTextMatchesItsGolden(_ command: String) throws {
        let result = try CommandRunner().run([command, "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-\(command).txt").path)
    }
}
