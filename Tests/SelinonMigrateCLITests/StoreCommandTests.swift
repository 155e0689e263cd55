import FlowStore
import Foundation
import GRDB
import StoreTestSupport
import Testing
import TestSupport

/// `import`, `apply --store`, `status` and `export`, run as a user runs them, on both backends.
struct StoreCommands {
    let backend: StoreBackend
    static let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/inflight-v1.jsonl").path
    static let migrations = InflightFlows.migrationDirectory

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func importApplyStatusExport() async throws {
        try await TestStore.with(backend) { test in
            let run = try CommandRunner()
            let imported = try run.run(["import", "--store", test.location, "--input", Self.examples])
            #expect(imported.status == 0, "\(imported.standardError)")
            #expect(imported.standardError.contains("imported 14 flows"))

            let before = try run.run(["status", "--store", test.location, "-m", Self.migrations])
            #expect(before.status == 0)
            #expect(before.standardOutput.contains("newest migration: version 3"))
            #expect(before.standardOutput.contains("version 0: 14 flows still to migrate"))
            // A run of versions without flows is one line.
            #expect(before.standardOutput.hasSuffix("version 0: 14 flows still to migrate\nversions 1–2: no flows, safe to squash here\n"),
                    "\(before.standardOutput)")
            #expect(!before.standardError.contains("holds no migrations"))
            // A directory without migrations (a wrong -m) makes every versioned flow look newer: said.
            let empty = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: empty.path("m"), withIntermediateDirectories: false)
            let wrong = try run.run(["status", "--store", test.location, "-m", empty.path("m")])
            #expect(wrong.standardError.contains("warning: \(empty.path("m")) holds no migrations"), "\(wrong.standardError)")

            let dry = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--dry-run", "--format", "json"])
            #expect(dry.status == 0)
            let dryReport = try Self.json(dry.standardOutput)
            #expect(dryReport["dry_run"] as? Bool == true)
            let totals = try #require(dryReport["totals"] as? [String: Int])
            #expect(totals["migrated"] == 11 && totals["retry"] == 2 && totals["fail"] == 1)
            // Per flow, a count of the flows migrated with IGNORE taints (a report line's `tainted` is a flag).
            let perFlow = try #require(dryReport["flows"] as? [String: [String: Any]])
            #expect(perFlow.values.allSatisfy { $0["tainted_flows"] is Int && $0["tainted"] == nil }, "\(perFlow)")
            // The table's total `tainted`: the flows migrated with IGNORE taints, over every flow name.
            #expect(dryReport["tainted_flows"] as? Int == 3 && perFlow.values.compactMap { $0["tainted_flows"] as? Int }.reduce(0, +) == 3)
            let unchanged = try run.run(["export", "--store", test.location])
            #expect(unchanged.standardOutput.sortedLines == (try String(contentsOfFile: Self.examples, encoding: .utf8)).sortedLines)

            let applied = try run.run(["apply", "-m", Self.migrations, "--store", test.location])
            #expect(applied.status == 0, "\(applied.standardError)")
            #expect(applied.standardOutput.hasPrefix("migrated to version 3"))
            #expect(applied.standardOutput.contains("notification_flow, fail: 1 flow"))
            #expect(applied.standardOutput.contains("version 3 removed flow notification_flow [FAIL]"))
            #expect(applied.standardError.contains("— done"), "a plain progress line when standard error is not a terminal")

            let again = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--format", "json", "--quiet"])
            #expect(again.standardError.isEmpty)
            let againTotals = try #require(try Self.json(again.standardOutput)["totals"] as? [String: Int])
            #expect(againTotals["up_to_date"] == 13 && againTotals["already_failed"] == 1 && againTotals["migrated"] == 0)
            let againText = try run.run(["apply", "-m", Self.migrations, "--store", test.location])
            #expect(againText.standardOutput.hasPrefix("no flow was migrated; the latest migration is version 3\n"), "\(againText.standardOutput)")
            #expect(againText.standardError.isEmpty, "no progress line of 0/0 flows: \(againText.standardError)")
            // The failed flow keeps its last state, at its version, and is never migrated: not "still to migrate".
            let afterText = try run.run(["status", "--store", test.location, "-m", Self.migrations])
            #expect(afterText.standardOutput.contains("version 0: no flows to migrate; 1 failed flow stays at it\n"), "\(afterText.standardOutput)")

            let after = try run.run(["status", "--store", test.location, "-m", Self.migrations, "--format", "json"])
            #expect(after.standardOutput.hasSuffix("}\n") && !after.standardOutput.hasSuffix("\n\n"), "one line break after the document")
            let versions = try #require(try Self.json(after.standardOutput)["versions"] as? [[String: Any]])
            #expect(versions.map { $0["safe_to_squash"] as? Bool } == [false, true, true])
            #expect(versions.first?["failed"] as? Int == 1)

            // export → import into another store → export: the same lines, statuses included.
            let exported = try run.run(["export", "--store", test.location, "--output", test.files.path("flows.jsonl")])
            #expect(exported.status == 0)
            let text = try String(contentsOfFile: test.files.path("flows.jsonl"), encoding: .utf8)
            #expect(text.contains(#""selinon_migrate_status": "failed""#) && text.contains(#""selinon_migrate_status": "retry_requested""#))
            try await TestStore.with(backend) { (copy: TestStore) async throws in
                #expect(try run.run(["import", "--store", copy.location, "--input", test.files.path("flows.jsonl")]).status == 0)
                #expect(try run.run(["export", "--store", copy.location]).standardOutput == text)
            }

            // The exported lines through a stream apply: the failed flow's line stays as the store left it.
            let streamed = try run.run(["apply", "-m", Self.migrations, "--input", test.files.path("flows.jsonl")])
            #expect(streamed.status == 0, "\(streamed.standardError)")
            #expect(streamed.standardOutput == text)
            #expect(streamed.standardError.contains("already_failed") && streamed.standardError.contains("notification_flow"),
                    "\(streamed.standardError)")
        }
    }

    /// A row whose status was changed by hand is named by `status` and `apply` (exit 1), with
    /// the fix, and keeps no other flow from its migration; once put right, it migrates.
    func aRowChangedByHandStopsNoOtherFlow() async throws {
        try await TestStore.with(backend) { test in
            let run = try CommandRunner()
            #expect(try run.run(["import", "--store", test.location, "--input", Self.examples]).status == 0)
            let firstLine = try #require(try String(contentsOfFile: Self.examples, encoding: .utf8).split(separator: "\n").first)
            let id = try #require(try Self.json(String(firstLine))["dispatcher_id"] as? String)
            try await test.execute("UPDATE flows SET status = 'paused' WHERE flow_id = '\(id)'")
            let paused = backend == .sqlite ? "'paused' (text)" : "'paused'"
            let named = "flow '\(id)' has status \(paused), expected 'running', 'retry_requested', 'failed': the row was changed outside "
                + "selinon-migrate; correct it (UPDATE flows SET status = <the right value> WHERE flow_id = '\(id)') or delete the row "
                + "(DELETE FROM flows WHERE flow_id = '\(id)')"

            let status = try run.run(["status", "--store", test.location, "-m", Self.migrations])
            #expect(status.status == 1, "\(status.standardError)")
            #expect(status.standardOutput.contains(": 13 flows and 1 row changed outside selinon-migrate"), "\(status.standardOutput)")
            #expect(status.standardOutput.contains("version 0: 13 flows still to migrate"), "\(status.standardOutput)")
            #expect(status.standardOutput.contains(named), "\(status.standardOutput)")
            // The row may be at any version (once fixed it migrates from its own): none is safe to squash.
            #expect(status.standardOutput.contains("versions 1–2: no flows counted, but the 1 row changed outside selinon-migrate "
                + "may be at them: not safe to squash until it is fixed"), "\(status.standardOutput)")
            let statusJSON = try Self.json(try run.run(["status", "--store", test.location, "--format", "json", "-m", Self.migrations]).standardOutput)
            #expect(statusJSON["damaged_rows"] as? Int == 1)
            #expect((statusJSON["versions"] as? [[String: Any]])?.map { $0["safe_to_squash"] as? Bool } == [false, false, false], "\(statusJSON)")
            #expect((statusJSON["damaged"] as? [[String: Any]])?.first?["flow_id"] as? String == id)

            let applied = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--format", "json", "--quiet"])
            #expect(applied.status == 1, "\(applied.standardError)")
            let report = try Self.json(applied.standardOutput)
            let totals = try #require(report["totals"] as? [String: Int])
            #expect(totals["invalid"] == 1 && totals["migrated", default: 0] + totals["retry", default: 0] + totals["fail", default: 0] == 13,
                    "\(totals)")
            #expect(applied.standardOutput.contains(named), "\(applied.standardOutput)")
            let text = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--quiet"])
            #expect(text.status == 1 && text.standardOutput.contains("  \(id) (version 0): \(named)"), "\(text.standardOutput)")

            try await test.execute("UPDATE flows SET status = 'running' WHERE flow_id = '\(id)'")
            let repaired = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--format", "json", "--quiet"])
            #expect(repaired.status == 0, "\(repaired.standardError)")
            let repairedTotals = try #require(try Self.json(repaired.standardOutput)["totals"] as? [String: Int])
            #expect(repairedTotals["invalid"] == 0 && repairedTotals["up_to_date", default: 0] + repairedTotals["already_failed", default: 0] == 13,
                    "\(repairedTotals)")
            #expect(try run.run(["status", "--store", test.location]).status == 0)

            // An id with a terminal escape sequence is shown escaped in every line of the report.
            let line = #"{"dispatcher_id": "ctl\u001b[2K", "flow_name": "reporting_flow", "state": null}"# + "\n"
            #expect(try run.run(["import", "--store", test.location, "--input", "-"], input: Data(line.utf8)).status == 0)
            try await test.execute("UPDATE flows SET status = 'weird' WHERE flow_id LIKE 'ctl%'")
            let escaped = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--quiet"])
            #expect(escaped.status == 1)
            #expect(escaped.standardOutput.contains("  ctl\\u{1B}[2K (version 0): flow 'ctl\\u{1B}[2K' has status"), "\(escaped.standardOutput)")
            #expect(!escaped.standardOutput.contains("\u{1B}"), "\(escaped.standardOutput)")
        }
    }

    /// `café` with a precomposed `é` and with `e` and a combining accent are two ids to the
    /// stores and to Selinon (different bytes), though Swift's `String` calls them equal.
    func idsAreComparedAsBytes() async throws {
        try await TestStore.with(backend) { test in
            let run = try CommandRunner()
            let lines = ["caf\u{E9}", "cafe\u{301}"].map { #"{"dispatcher_id": ""# + $0 + #"", "flow_name": "reporting_flow", "state": null}"# }
            let input = Data((lines.joined(separator: "\n") + "\n").utf8)
            let imported = try run.run(["import", "--store", test.location, "--input", "-"], input: input)
            #expect(imported.status == 0, "\(imported.standardError)")
            #expect(imported.standardError.contains("imported 2 flows"), "\(imported.standardError)")
            let again = try run.run(["import", "--store", test.location, "--input", "-", "--skip-identical"], input: input)
            #expect(again.status == 0, "\(again.standardError)")
            let applied = try run.run(["apply", "-m", Self.migrations, "--store", test.location, "--format", "json", "--quiet"])
            #expect(try #require(try Self.json(applied.standardOutput)["totals"] as? [String: Int])["migrated"] == 2)
            let exported = try run.run(["export", "--store", test.location])
            #expect(exported.standardOutput.split(separator: "\n").count == 2)
            try await TestStore.with(backend) { (copy: TestStore) async throws in
                let copied = try run.run(["import", "--store", copy.location, "--input", "-"], input: Data(exported.standardOutput.utf8))
                #expect(copied.status == 0, "\(copied.standardError)")
            }
            // A row whose version column was changed by hand: import would read its line back at
            // the message's version, so export says so (exit 1) and writes the line as stored.
            try await test.execute("UPDATE flows SET migration_version = 7 WHERE flow_id = 'caf\u{E9}'")
            let edited = try run.run(["export", "--store", test.location])
            #expect(edited.status == 1)
            #expect(edited.standardError.contains("its message is at migration version 3, while the row says 7"), "\(edited.standardError)")
            #expect(edited.standardOutput.split(separator: "\n").count == 2)
            // status names versions outside the directory's: newer (skew) and negative (edited by hand: named with the fix).
            let newer = try run.run(["status", "--store", test.location, "-m", Self.migrations])
            #expect(newer.standardOutput.contains("1 flow is newer than version 3: a newer deployment wrote it;"), "\(newer.standardOutput)")
            try await test.execute("UPDATE flows SET migration_version = -1 WHERE flow_id = 'caf\u{E9}'")
            let negative = try run.run(["status", "--store", test.location, "-m", Self.migrations])
            #expect(negative.status == 1)
            #expect(negative.standardOutput.contains("flow 'caf\u{E9}' has migration_version -1, expected a migration version (an integer "
                                                     + "from 0): the row was changed outside selinon-migrate"), "\(negative.standardOutput)")
            let negativeJSON = try run.run(["status", "--store", test.location, "-m", Self.migrations, "--format", "json"])
            #expect(try Self.json(negativeJSON.standardOutput)["damaged_rows"] as? Int == 1)
        }
    }

    func importStopsAtABadLineWithWholeBatches() async throws {
        try await TestStore.with(backend) { test in
            let lines = try InflightFlows.messages(count: 6).map { String(decoding: $0, as: UTF8.self) }
            var bad = lines
            bad[4] = #"{"flow_name": "package_analysis_flow", "state": null}"#
            let input = try test.files.write(bad.joined(separator: "\n") + "\n", to: "bad.jsonl")
            let run = try CommandRunner()
            let result = try run.run(["import", "--store", test.location, "--input", input, "--batch-size", "2"])
            #expect(result.status == 1)
            #expect(result.standardError.contains("bad.jsonl:5: error: the message has no dispatcher_id (a non-empty string); stores key "
                + "flows by it: give each line the id of its flow's dispatcher task (Celery's task id"), "\(result.standardError)")
            #expect(result.standardError.contains("the flows up to line 4 are in the store, nothing after it"))
            #expect(result.standardError.contains("fix the line and run the same import again with --skip-identical"))
            // The command that imports the rest names this store (a test store has no password to leave
            // out, and its paths need no quotes): copied, it goes there.
            #expect(result.standardError.contains("or: tail -n +5 \(input) | selinon-migrate import --input - --store \(test.location) "
                + "(and this run's other options)"), "\(result.standardError)")
            #expect(try run.run(["export", "--store", test.location]).standardOutput.split(separator: "\n").count == 4)

            // A version no store keeps (PostgreSQL's column is 32-bit) is named at its line, on every backend.
            let far = try test.files.write(#"{"flow_name": "package_analysis_flow", "dispatcher_id": "far", "migration_version": 2147483648}"#
                + "\n", to: "far.jsonl")
            let refusedVersion = try run.run(["import", "--store", test.location, "--input", far])
            #expect(refusedVersion.status == 1)
            #expect(refusedVersion.standardError.hasPrefix("\(far):1: error: migration_version 2147483648 is more than a store keeps"),
                    "\(refusedVersion.standardError)")

            // A message that names no flow is named at its line: apply would call it invalid at every run.
            let unnamed = try test.files.write(#"{"flow_name": "", "dispatcher_id": "unnamed"}"# + "\n", to: "unnamed.jsonl")
            let refusedName = try run.run(["import", "--store", test.location, "--input", unnamed])
            #expect(refusedName.status == 1)
            #expect(refusedName.standardError.hasPrefix("\(unnamed):1: error: flow_name is empty"), "\(refusedName.standardError)")

            // An id longer than a store keeps (PostgreSQL's index of ids has a limit) too, in the
            // middle of its batch: the line is named, and nothing of the batch is stored.
            let longID = String(repeating: "x", count: 2_001)
            let long = try test.files.write(#"{"flow_name": "package_analysis_flow", "dispatcher_id": "short"}"# + "\n"
                + #"{"flow_name": "package_analysis_flow", "dispatcher_id": ""# + longID + #""}"# + "\n", to: "long.jsonl")
            let refusedID = try run.run(["import", "--store", test.location, "--input", long])
            #expect(refusedID.status == 1)
            #expect(refusedID.standardError.hasPrefix("\(long):2: error: flow id '\(longID.prefix(40))…' is 2001 bytes long, more than a "
                + "store keeps (2000)"), "\(refusedID.standardError)")
            #expect(try run.run(["export", "--store", test.location]).standardOutput.split(separator: "\n").count == 4)

            // A duplicate of a stored flow: its whole batch is refused.
            let again = try run.run(["import", "--store", test.location, "--input", input, "--batch-size", "2"])
            #expect(again.status == 1)
            #expect(again.standardError.contains("bad.jsonl:1: error: flow id 'flow-0000000' is already in the store")
                    || again.standardError.contains("bad.jsonl:1: error: a flow id is already in the store"))
            #expect(again.standardError.contains("run again with --skip-identical"))
            #expect(again.standardError.contains("nothing was imported"))

            // The line fixed, the same import again with --skip-identical adds the rest.
            let fixed = try test.files.write(lines.joined(separator: "\n") + "\n", to: "bad.jsonl")
            let resumed = try run.run(["import", "--store", test.location, "--input", fixed, "--batch-size", "2", "--skip-identical"])
            #expect(resumed.status == 0, "\(resumed.standardError)")
            #expect(resumed.standardError.contains("imported 2 flows into \(test.location) (4 identical flows already there, skipped)"))
            let exported = try run.run(["export", "--store", test.location]).standardOutput
            #expect(exported.split(separator: "\n").count == 6)

            // A stored flow that differs from its line is neither skipped nor overwritten.
            var changed = lines
            changed[1] = changed[1].replacingOccurrences(of: "\"flow_name\"", with: "\"extra\": 1, \"flow_name\"")
            let edited = try test.files.write(changed.joined(separator: "\n"), to: "edited.jsonl")
            let refused = try run.run(["import", "--store", test.location, "--input", edited, "--skip-identical"])
            #expect(refused.status == 1)
            #expect(refused.standardError.contains("edited.jsonl:2: error: flow id 'flow-0000001' is already in the store with a different message"))
            #expect(refused.standardError.contains("nothing was imported"))
            #expect(try run.run(["export", "--store", test.location]).standardOutput == exported)

            // A duplicate inside the input names both lines.
            var repeated = lines
            repeated[2] = lines[0]
            let file = try test.files.write(repeated.joined(separator: "\n"), to: "repeated.jsonl")
            try await TestStore.with(backend) { (fresh: TestStore) async throws in
                let result = try run.run(["import", "--store", fresh.location, "--input", file])
                #expect(result.status == 1)
                #expect(result.standardError.contains("repeated.jsonl:3: error: flow id 'flow-0000000' was already given on line 1"))
                #expect(result.standardError.contains("nothing was imported"))
                // An id with a line break and a tab is named on one line, escaped.
                let broken = lines[0].replacingOccurrences(of: "\"flow-0000000\"", with: #""flow\n0\t0""#)
                let twice = try test.files.write(broken + "\n" + broken + "\n", to: "twice.jsonl")
                let named = try run.run(["import", "--store", fresh.location, "--input", twice])
                #expect(named.status == 1 && named.standardError.contains(#"twice.jsonl:2: error: flow id 'flow\u{A}0\u{9}0' was already given on line 1"#),
                        "\(named.standardError)")
                // A line no store can keep is refused before a store is created for it: none is left behind.
                let nul = try test.files.write(lines[0].replacingOccurrences(of: "\"flow-0000000\"", with: #""a\u0000b""#) + "\n", to: "nul.jsonl")
                let refused = try run.run(["import", "--store", fresh.location, "--input", nul])
                #expect(refused.status == 1 && refused.standardError.contains("nul.jsonl:1: error: flow id 'a\\0b' contains U+0000"),
                        "\(refused.standardError)")
                let status = try run.run(["status", "--store", fresh.location])
                #expect(status.status == 1 && status.standardError.contains("there is no store at"), "\(status.standardOutput)")
            }
        }
    }

    func readersRefuseAMissingStore() async throws {
        try await TestStore.with(backend) { test in
            let run = try CommandRunner()
            for arguments in [["apply", "-m", Self.migrations], ["status"], ["export"]] {
                let result = try run.run(arguments + ["--store", test.location])
                #expect(result.status == 1, "\(arguments)")
                #expect(result.standardError.contains("there is no store at"), "\(arguments)")
            }
            if backend == .sqlite {
                #expect(!FileManager.default.fileExists(atPath: String(test.location.dropFirst("sqlite:".count))))
            }
        }
    }
}

extension String {
    /// The lines sorted, newline-terminated (to compare lines whatever their order).
    var sortedLines: String { split(separator: "\n").sorted().joined(separator: "\n") + "\n" }
}

struct SQLiteStoreCommandTests {
    let commands = StoreCommands(backend: .sqlite)

    @Test func importApplyStatusExport() async throws { try await commands.importApplyStatusExport() }
    @Test func importStopsAtABadLineWithWholeBatches() async throws { try await commands.importStopsAtABadLineWithWholeBatches() }
    @Test func idsAreComparedAsBytes() async throws { try await commands.idsAreComparedAsBytes() }
    @Test func aRowChangedByHandStopsNoOtherFlow() async throws { try await commands.aRowChangedByHandStopsNoOtherFlow() }
    @Test func readersRefuseAMissingStore() async throws { try await commands.readersRefuseAMissingStore() }

    /// A SQLite id set by hand to bytes that are not UTF-8 is named in hexadecimal by apply
    /// (which migrates every other flow) and stops export at its row, with exit 1 from both: the
    /// store's content is at fault, not the tool. `status` names it too, and leaves it out of the
    /// counts.
    @Test func anIdThatIsNotUTF8IsNamedByApplyAndStopsExport() async throws {
        try await TestStore.with(.sqlite) { test in
            let run = try CommandRunner()
            #expect(try run.run(["import", "--store", test.location, "--input", StoreCommands.examples]).status == 0)
            try await test.execute("UPDATE flows SET flow_id = CAST(X'FF41' AS TEXT) WHERE rowid = (SELECT min(rowid) FROM flows)")
            let before = try run.run(["status", "--store", test.location, "--format", "json"])
            for command in [["status"], ["apply", "-m", StoreCommands.migrations, "--quiet"], ["export", "--output", test.files.path("out.jsonl")]] {
                let result = try run.run(command + ["--store", test.location])
                #expect(result.status == 1, "\(command): \(result.standardError)")
                #expect((result.standardError + result.standardOutput).contains("X'FF41' (not UTF-8 text)"),
                        "\(command): \(result.standardError)")
            }
            let counted = try JSONSerialization.jsonObject(with: Data(before.standardOutput.utf8)) as? [String: Any]
            #expect(before.status == 1 && counted?["damaged_rows"] as? Int == 1, "\(before.standardOutput)")
        }
    }

    @Test(arguments: [
        ["apply", "-m", StoreCommands.migrations, "--input", "-", "--store", "sqlite:x.sqlite"],
        ["apply", "-m", StoreCommands.migrations, "--report", "r.jsonl"],
        ["apply", "-m", StoreCommands.migrations, "--batch-size", "0"],
        ["status", "--store", "mysql://db"],
        ["simulate", "-n", "nodes.yml", "--store", "mysql://db"],
        ["status", "--store", "postgres://u@localhost:99999/db"],
        ["import", "--input", "-", "--batch-size", "-1"],
        ["status", "--store", "postgres://u@localhost/db", "--store-timeout", "0"],
        ["status", "--store", "postgres://u@localhost/db", "--store-timeout", "9223372036854775807"],
    ])
    func badOptionsAreUsageErrors(_ arguments: [String]) throws {
        #expect(try CommandRunner().run(arguments).status == 64)
    }

    /// A store file that outgrows the process's file-size limit (`ulimit -f`) is named as the
    /// cause, not left at SQLite's "disk I/O error"; and a place that takes no files (/proc) is
    /// not called a full disk for reporting no free blocks.
    @Test func aFileSizeLimitIsNamedAndAPseudoFileSystemIsNotFull() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1").path
        let simulated = try runner.run(["simulate", "-n", "\(examples)/nodes.yml", "-f", "\(examples)/flows", "--count", "3000",
                                        "--output", directory.path("flows.jsonl"), "--quiet"])
        #expect(simulated.status == 0, "\(simulated.standardError)")
        let limited = try runner.run(["import", "--store", "sqlite:" + directory.path("flows.sqlite"), "--input", directory.path("flows.jsonl")],
                                     shellScript: "ulimit -f 200; exec \"$0\" \"$@\"")
        let said = limited.standardError
        #expect(limited.status == 2, "\(said)")
        #expect(said.contains("this process may write no file larger than ") && said.contains(" bytes (ulimit -f)"), "\(said)")
        let proc = try runner.run(["import", "--store", "sqlite:/proc/selinon-migrate-test.sqlite", "--input", directory.path("flows.jsonl")])
        #expect(proc.status == 2)
        #expect(!proc.standardError.contains("is full"), "\(proc.standardError)")
    }

    /// Flow names come from messages anyone may have written: tables and messages show their
    /// control characters escaped, one line per row, never acting on a terminal.
    @Test func flowNamesFromMessagesAreShownEscaped() throws {
        let directory = try TemporaryDirectory()
        let names = ["\u{1B}[2Jpwned", "a\nb"]
        var lines = ""
        for (index, name) in names.enumerated() {
            let quoted = String(decoding: try JSONSerialization.data(withJSONObject: name, options: .fragmentsAllowed), as: UTF8.self)
            lines += #"{"dispatcher_id": "id-\#(index)", "flow_name": \#(quoted), "migration_version": 0, "state": null}"# + "\n"
        }
        try directory.write(lines, to: "odd.jsonl")
        let runner = try CommandRunner()
        let store = "sqlite:" + directory.path("s.sqlite")
        #expect(try runner.run(["import", "--store", store, "--input", directory.path("odd.jsonl")]).status == 0)
        let status = try runner.run(["status", "--store", store])
        let apply = try runner.run(["apply", "-m", StoreCommands.migrations, "--input", directory.path("odd.jsonl"), "--output", "/dev/null"])
        for output in [status.standardOutput, apply.standardError] {
            #expect(!output.contains("\u{1B}") && !output.contains("a\nb"), "\(output)")
            #expect(output.contains("\\u{1B}[2Jpwned") && output.contains("a\\u{A}b"), "\(output)")
        }
    }

    @Test func usageErrorsShowTheRightUsage() throws {
        let runner = try CommandRunner()
        let bare = try runner.run([])
        #expect(bare.status == 64)
        #expect(bare.standardOutput.isEmpty)
        #expect(bare.standardError.contains("SUBCOMMANDS:") && bare.standardError.hasSuffix("error: name a command\n"), "\(bare.standardError)")
        for help in [["--help"], ["help"]] {
            let asked = try runner.run(help)
            #expect(asked.status == 0, "\(help)")
            #expect(asked.standardOutput.contains("SUBCOMMANDS:"), "\(help)")
        }
        // A usage error found while running shows the command's usage, not the overview's.
        let missing = try runner.run(["validate", "-n", "nodes.yml"])
        #expect(missing.status == 64)
        #expect(missing.standardError.contains("Error: Missing the flow definitions")
                    && missing.standardError.contains("\nUsage: selinon-migrate validate [--nodes-definition <file>]")
                    && missing.standardError.hasSuffix("See 'selinon-migrate validate --help' for more information.\n"), "\(missing.standardError)")
    }

    /// A mistyped command is a usage error that names the command meant; `help` with a name that
    /// is no command is one too, instead of the overview and success.
    @Test(arguments: [
        (["genrate", "-n", "nodes.yml"], "'genrate' is not a selinon-migrate command; did you mean 'generate'?"),
        (["GENERATE"], "'GENERATE' is not a selinon-migrate command; did you mean 'generate'?"),
        (["stat"], "'stat' is not a selinon-migrate command; did you mean 'status'?"),
        (["help", "aply"], "'aply' is not a selinon-migrate command; did you mean 'apply'?"),
        (["migrate"], "'migrate' is not a selinon-migrate command\n"),
        (["re"], "'re' is not a selinon-migrate command\n"),
    ])
    func anUnknownCommandIsAUsageError(_ arguments: [String], expected: String) throws {
        let result = try CommandRunner().run(arguments)
        #expect(result.status == 64)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("Error: " + expected), "\(result.standardError)")
        #expect(result.standardError.hasSuffix("See 'selinon-migrate --help' for the commands.\n"), "\(result.standardError)")
    }

    @Test func helpForACommandStillWorks() throws {
        let asked = try CommandRunner().run(["help", "apply"])
        #expect(asked.status == 0)
        #expect(asked.standardOutput.contains("USAGE: selinon-migrate apply"), "\(asked.standardOutput)")
    }

    /// `sqlite:~/…` is in the home directory for every command and every connection (the store's
    /// checkpoints included: the log is copied back and removed); SQLite's `file:` URIs, which
    /// SQLite would read as another file than the one checked, are refused before anything is opened.
    @Test func aStoreInTheHomeDirectoryIsTheSameFileForEveryCommand() throws {
        let home = try TemporaryDirectory()
        let runner = try CommandRunner()
        let environment = ["HOME": home.url.path]
        let imported = try runner.run(["import", "--store", "sqlite:~/flows.sqlite", "--input", StoreCommands.examples], environment: environment)
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.url.path) == ["flows.sqlite"])
        let applied = try runner.run(["apply", "-m", StoreCommands.migrations, "--store", "sqlite:~/flows.sqlite"], environment: environment)
        #expect(applied.status == 0, "\(applied.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.url.path) == ["flows.sqlite"], "no log left behind")
        let status = try runner.run(["status", "--store", "sqlite:" + home.path("flows.sqlite"), "-m", StoreCommands.migrations])
        #expect(status.standardOutput.contains("14 flows") && status.standardOutput.contains("versions 1–2: no flows, safe to squash here"),
                "the file alone holds the migrated flows: \(status.standardOutput)")

        for command in [["status"], ["import", "--input", StoreCommands.examples]] {
            let uri = try runner.run(command + ["--store", "sqlite:file:flows.sqlite?mode=rwc"], in: home.url)
            #expect(uri.status == 64, "\(command)")
            #expect(uri.standardError.contains("SQLite URI file names (file:…) are not supported; write the file's path after sqlite: "
                + "(for example sqlite:flows.sqlite)"), "\(uri.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.url.path) == ["flows.sqlite"])
    }

    @Test(arguments: ["import", "export", "status"])
    func helpTextMatchesItsGolden(_ command: String) throws {
        let result = try CommandRunner().run([command, "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-\(command).txt").path)
    }
}

/// Store locations that cannot be reached or used, with no database server needed.
struct UnreachableStoreCommandTests {
    /// A PostgreSQL Unix socket that is not there: the error names the socket file the location
    /// stands for, not only the system's "No such file or directory". (Run as a process: the
    /// failure comes at once, where a test process busy with other suites may not get to it in time.)
    @Test func aMissingSocketIsNamed() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["status", "--store", "postgres://selinon@/flows?host=\(directory.path("none"))&port=5999"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("cannot connect to the socket \(directory.path("none"))/.s.PGSQL.5999: No such file or directory "
            + "(is the server running"), "\(result.standardError)")
    }

    @Test func aMissingInputIsAnInputErrorAndADirectoryIsNamed() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        for command in [["apply", "-m", StoreCommands.migrations], ["import", "--store", "sqlite:" + directory.path("s.sqlite")]] {
            let missing = try runner.run(command + ["--input", directory.path("none.jsonl")])
            #expect(missing.status == 1, "\(command)")
            #expect(missing.standardError == "error: cannot read \(directory.path("none.jsonl")): No such file or directory\n"
                + "  hint: --input names a file of dispatcher messages, one JSON object per line ('-' reads standard input); check the path\n")
            let folder = try runner.run(command + ["--input", directory.url.path])
            #expect(folder.status == 1, "a wrong path, as a missing file")
            #expect(folder.standardError == "error: cannot read \(directory.url.path): Is a directory\n" + "  hint: --input names a file of dispatcher messages, one JSON object per line ('-' reads standard input); check the path\n")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("s.sqlite")), "nothing created for an input that cannot be read")
        // Nor for a line the store refuses (an id longer than a store keeps), found once the store is open:
        // the new, empty store is removed again; one that existed stays.
        let long = try directory.write(#"{"flow_name": "f", "dispatcher_id": ""# + String(repeating: "x", count: 2_001) + "\"}\n", to: "long.jsonl")
        let refused = try runner.run(["import", "--store", "sqlite:" + directory.path("s.sqlite"), "--input", long])
        #expect(refused.status == 1 && refused.standardError.contains("is 2001 bytes long"), "\(refused.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["long.jsonl"])
        let empty = try directory.write("", to: "empty.jsonl")
        #expect(try runner.run(["import", "--store", "sqlite:" + directory.path("s.sqlite"), "--input", empty]).status == 0)
        #expect(try runner.run(["import", "--store", "sqlite:" + directory.path("s.sqlite"), "--input", long]).status == 1)
        #expect(FileManager.default.fileExists(atPath: directory.path("s.sqlite")), "a store that was there stays")
    }

    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func aStoreTheUserMayNotWriteIsLeftAsItWas() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(["import", "--input", StoreCommands.examples, "--store", "sqlite:" + directory.path("flows.sqlite")]).status == 0)
        #expect(chmod(directory.path("flows.sqlite"), 0o444) == 0 && chmod(directory.url.path, 0o777) == 0)
        let result = try #require(try runner.runAsNobody(["status", "--store", "sqlite:" + directory.path("flows.sqlite")]))
        #expect(result.status == 2)
        #expect(result.standardError.contains("run as a user who may write the file and its directory"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["flows.sqlite"], "no -shm or -wal left behind")
        // A store the user may not even read: the commands that only read ask for reading, the others for writing too.
        #expect(chmod(directory.path("flows.sqlite"), 0o600) == 0)
        for (arguments, asked) in [(["status"], "who may read it"), (["export"], "who may read it"),
                                   (["apply", "-m", StoreCommands.migrations], "who may read and write it")] {
            let unreadable = try #require(try runner.runAsNobody(arguments + ["--store", "sqlite:" + directory.path("flows.sqlite")]))
            #expect(unreadable.status == 2)
            #expect(unreadable.standardError.contains("cannot read the SQLite store at \(directory.path("flows.sqlite")): Permission denied; "
                + "run as a user \(asked)\n"), "\(arguments): \(unreadable.standardError)")
        }
    }

    /// Lines that went to standard output before a row stopped the export cannot be taken
    /// back: the error says how many went, where a file would have been written whole or not at all.
    @Test func anExportStoppedPartWaySaysWhatWentToStandardOutput() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("flows.sqlite")
        let runner = try CommandRunner()
        let version = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1").path
        let simulated = try runner.run(["simulate", "-n", version + "/nodes.yml", "-f", version + "/flows", "--count", "4000", "--seed", "1",
                                        "--store", "sqlite:" + store, "--quiet"])
        #expect(simulated.status == 0, "\(simulated.standardError)")
        let queue = try DatabaseQueue(path: store)
        try await queue.write { try $0.execute(sql: "UPDATE flows SET status = 'bogus' WHERE flow_id = (SELECT max(flow_id) FROM flows)") }
        try queue.close()
        let exported = try runner.run(["export", "--store", "sqlite:" + store])
        #expect(exported.status == 1)
        let lines = exported.standardOutput.split(separator: "\n").count
        #expect(lines >= 1000 && lines < 4000, "a page or more went out before the last row: \(lines)")
        #expect(exported.standardError.hasSuffix("then run again; lines 1–\(lines) went to standard output already, nothing after them\n"),
                "\(exported.standardError)")
        let toFile = try runner.run(["export", "--store", "sqlite:" + store, "--output", directory.path("flows.jsonl")])
        #expect(toFile.status == 1 && toFile.standardError.hasSuffix("then run again; nothing was written\n"), "\(toFile.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("flows.jsonl")))
    }

    @Test func anImportRejectedInItsFirstBatchCreatesNoStore() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("flows:\n  - not a dispatcher message\n", to: "flows.yml")
        let store = directory.path("flows.sqlite")
        let result = try CommandRunner().run(["import", "--input", input, "--store", "sqlite:" + store])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("\(input):1: error: "), "\(result.standardError)")
        #expect(result.standardError.hasSuffix("nothing was imported\n"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: store), "no empty store left behind")
        let empty = try directory.write("", to: "empty.jsonl")
        #expect(try CommandRunner().run(["import", "--input", empty, "--store", "sqlite:" + store]).status == 0)
        #expect(FileManager.default.fileExists(atPath: store), "an empty input still makes the (empty) store asked for")
    }

    @Test func anOutputRemovesTheTemporaryFilesOfKilledRunsOnly() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let store = "sqlite:" + directory.path("flows.sqlite")
        #expect(try runner.run(["import", "--input", StoreCommands.examples, "--store", store]).status == 0)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let killed = try directory.write("partial", to: ".out.jsonl.\(gone.processIdentifier).12345.tmp")
        let running = try directory.write("partial", to: ".out.jsonl.\(getpid()).12345.tmp")
        let recent = try directory.write("partial", to: ".out.jsonl.\(gone.processIdentifier).678.tmp")
        for file in [killed, running] {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: file)
        }
        let export = try runner.run(["export", "--store", store, "--output", directory.path("out.jsonl")])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(!FileManager.default.fileExists(atPath: killed), "its process is gone")
        #expect(FileManager.default.fileExists(atPath: running), "its process still runs")
        #expect(FileManager.default.fileExists(atPath: recent), "written minutes ago: maybe by a process of another PID namespace")
    }

    @Test func twoCommandsCreatingOneStoreAtOnceBothSucceed() throws {
        // Switching a new file to WAL mode is answered busy at once while another process does
        // it; about one start in ten failed this way before the store waited for it.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        for attempt in 0..<20 {
            let store = "sqlite:" + directory.path("flows-\(attempt).sqlite")
            nonisolated(unsafe) var results: [CommandRunner.Result?] = [nil, nil]
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                let result = try? runner.run(["import", "--input", StoreCommands.examples, "--store", store, "--skip-identical"])
                lock.withLock { results[index] = result }
            }
            for result in results {
                #expect(result?.status == 0, "attempt \(attempt): \(result?.standardError ?? "did not run")")
            }
        }
    }

    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func aStoreIsNotCreatedInADirectoryTheUserMayNotWrite() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(chmod(directory.url.path, 0o755) == 0)
        let path = directory.path("flows.sqlite")
        let result = try #require(try runner.runAsNobody(["import", "--input", StoreCommands.examples, "--store", "sqlite:" + path]))
        #expect(result.status == 2)
        #expect(result.standardError.contains("cannot create the SQLite store at \(path): the directory \(directory.url.path) is not writable "
            + "(Permission denied); run as a user who may write it, or give the store another path"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    /// While a writer has the store open, its log files exist: a reader needs no more than to read
    /// them, and the file, to count or export the flows.
    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func aReaderMayReadALiveStoreItMayNotWrite() async throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let path = directory.path("flows.sqlite")
        #expect(try runner.run(["import", "--input", StoreCommands.examples, "--store", "sqlite:" + path]).status == 0)
        let writer = try SQLiteFlowStore(path: path, createIfMissing: false)
        try await writer.prepare(createIfMissing: false)
        #expect(try await writer.statusCounts().counts.reduce(0) { $0 + $1.count } == 14)
        for file in [path, path + "-wal", path + "-shm"] { #expect(chmod(file, 0o644) == 0, "\(file)") }
        #expect(chmod(directory.url.path, 0o755) == 0)
        let status = try runner.runAsNobody(["status", "--store", "sqlite:" + path])
        let export = try runner.runAsNobody(["export", "--store", "sqlite:" + path])
        // A writer whose own file and directory are its user's, while the log is another's
        // (root's writer here): named, with whose it is, before anything is tried.
        #expect(chown(path, 65534, 65534) == 0 && chown(directory.url.path, 65534, 65534) == 0)
        let apply = try runner.runAsNobody(["apply", "--store", "sqlite:" + path, "-m", StoreCommands.migrations])
        await writer.close()
        let (reading, exporting, applying) = (try #require(status), try #require(export), try #require(apply))
        #expect(reading.status == 0, "\(reading.standardError)")
        #expect(reading.standardOutput.contains("14 flows"), "\(reading.standardOutput)")
        // Closing, a reader that may not write leaves the log to the writer, without a warning about it.
        for result in [reading, exporting] {
            #expect(!result.standardError.contains("could not be copied"), "\(result.standardError)")
        }
        #expect(applying.status == 2, "\(applying.standardError)")
        #expect(applying.standardError.contains("\(path)-wal belongs to root and may not be written by this user"), "\(applying.standardError)")
        #expect(exporting.status == 0, "\(exporting.standardError)")
        #expect(exporting.standardOutput.sortedLines == (try String(contentsOfFile: StoreCommands.examples, encoding: .utf8)).sortedLines)
    }

    @Test func aDamagedStoreIsNamedAndNotWorthRunningAgain() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let store = "sqlite:" + directory.path("flows.sqlite")
        let simulated = try runner.run(["simulate", "--count", "3000", "--store", store, "-n",
                                        Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1/nodes.yml").path,
                                        "-f", Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1/flows").path])
        #expect(simulated.status == 0, "\(simulated.standardError)")
        // Garbage over the pages right after the schema: the flows table's.
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("flows.sqlite")))
        try file.seek(toOffset: 8192)
        try file.write(contentsOf: Data(repeating: 0xFF, count: 16384))
        try file.close()
        let result = try runner.run(["apply", "--store", store, "-m", StoreCommands.migrations])
        #expect(result.status == 2)
        #expect(result.standardError.contains("is damaged (database disk image is malformed): restore it from a backup"), "\(result.standardError)")
        #expect(!result.standardError.contains("run apply again"))
        // An import that meets the damage says it of the store, not of the line it was storing.
        let lines = try InflightFlows.messages(count: 600).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        let imported = try runner.run(["import", "--store", store, "--input", "-"], in: directory.url, input: Data(lines.utf8))
        #expect(imported.status == 2, "\(imported.standardError)")
        #expect(imported.standardError.hasPrefix("error: the SQLite store") && imported.standardError.contains("is damaged")
                && imported.standardError.contains("(while storing the batch that starts at <stdin> line "), "\(imported.standardError)")
        // Its first bytes overwritten, it is still a damaged store (whole pages of the size its
        // header gives), not "not a SQLite database": a new path would start an empty store.
        let header = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("flows.sqlite")))
        try header.write(contentsOf: Data("overwritten".utf8))
        try header.close()
        let overwritten = try runner.run(["status", "--store", store])
        #expect(overwritten.status == 2, "\(overwritten.standardError)")
        #expect(overwritten.standardError.contains("is damaged (file is not a database): restore it from a backup"), "\(overwritten.standardError)")
        // A file of another kind stays one.
        let other = try directory.write(String(repeating: "not a database\n", count: 600), to: "notes.txt")
        let refused = try runner.run(["status", "--store", "sqlite:" + other])
        #expect(refused.status == 1 && refused.standardError.contains("is not a SQLite database; give the store a path of its own"),
                "\(refused.standardError)")
    }

    /// Whether this process may mount a small tmpfs (root with the capability, as in CI), for a
    /// file system that fills up.
    static let canMountTmpfs: Bool = {
        guard geteuid() == 0, let directory = try? TemporaryDirectory() else { return false }
        return mount("tmpfs", directory.path(""), "tmpfs", 0, "size=64k") == 0 && umount(directory.path("")) == 0
    }()

    /// A store on a file system that fills up. As the import ends, the log cannot be copied into
    /// the database file when the store closes: the import succeeded (every flow is in the log)
    /// and says to keep the two files together; the store opens with all its flows. Then no room
    /// is left at all: apply says the disk is full and still prints its (empty) report.
    @Test(.enabled(if: canMountTmpfs)) func aFullDiskIsNamedAndLosesNothing() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let flows = directory.path("flows.jsonl")
        let simulated = try runner.run(["simulate", "--count", "5000", "--seed", "1", "--output", flows, "-n",
                                        Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1/nodes.yml").path,
                                        "-f", Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1/flows").path])
        #expect(simulated.status == 0, "\(simulated.standardError)")
        try FileManager.default.createDirectory(atPath: directory.path("full"), withIntermediateDirectories: false)
        #expect(mount("tmpfs", directory.path("full"), "tmpfs", 0, "size=6m") == 0)
        defer { umount(directory.path("full")) }
        let store = "sqlite:" + directory.path("full/flows.sqlite")
        let imported = try runner.run(["import", "--input", flows, "--store", store])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardError.contains("warning: the SQLite store's write-ahead log could not be copied into")
                && imported.standardError.contains("keep the two files together"), "\(imported.standardError)")
        let status = try runner.run(["status", "--store", store])
        #expect(status.status == 0 && status.standardOutput.contains("5000 flows"), "\(status.standardOutput)\(status.standardError)")

        // The disk filled up to the last block: apply's first batch cannot commit. The error says
        // the disk is full, and the report (nothing done) is still the JSON document asked for.
        let filler = try #require(FileHandle(forWritingAtPath: directory.path("full/filler"))
            ?? (FileManager.default.createFile(atPath: directory.path("full/filler"), contents: nil)
                ? FileHandle(forWritingAtPath: directory.path("full/filler")) : nil))
        while (try? filler.write(contentsOf: Data(count: 64 << 10))) != nil {}
        while (try? filler.write(contentsOf: Data(count: 512))) != nil {}
        try? filler.close()
        let applied = try runner.run(["apply", "--store", store, "-m", StoreCommands.migrations, "--format", "json"])
        #expect(applied.status == 2)
        #expect(applied.standardError.contains("the file system holding the SQLite store") && applied.standardError.contains("is full"),
                "\(applied.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(applied.standardOutput.utf8)) as? [String: Any]
        #expect(report?["stopped_by"] as? String != nil, "\(applied.standardOutput)")

        // A new store cannot even be created there: nothing of it (nor its directory) is left
        // behind, and the error does not speak of what was committed — nothing was.
        let created = try runner.run(["import", "--input", flows, "--store", "sqlite:" + directory.path("full/new/flows.sqlite")])
        #expect(created.status == 2)
        #expect(created.standardError.contains("is full") && !created.standardError.contains("what was committed stays"),
                "\(created.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("full/new")), "\(created.standardError)")
    }

    @Test func exportRefusesToWriteOverItsOwnStore() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let store = "sqlite:" + directory.path("flows.sqlite")
        #expect(try runner.run(["import", "--input", StoreCommands.examples, "--store", store]).status == 0)
        try FileManager.default.linkItem(atPath: directory.path("flows.sqlite"), toPath: directory.path("hard-link"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("symbolic-link"), withDestinationPath: "flows.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.path("flows.sqlite")))
        for output in ["flows.sqlite", "./flows.sqlite", "hard-link", "symbolic-link", "flows.sqlite-wal"] {
            let result = try runner.run(["export", "--store", store, "--output", output], in: directory.url)
            #expect(result.status == 64, "\(output)")
            #expect(result.standardError.contains("--output names the store's own file"), "\(output): \(result.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("flows.sqlite"))) == before)
        // (A store with a second name is refused as a store: SQLite would keep a log per name.)
        try FileManager.default.removeItem(atPath: directory.path("hard-link"))
        #expect(try runner.run(["export", "--store", store, "--output", "flows.jsonl"], in: directory.url).status == 0)
    }

    /// A location from the environment is blamed on the variable, not on an option never given.
    @Test func aBadLocationInTheEnvironmentIsNamedAsSuch() throws {
        let result = try CommandRunner().run(["status"], environment: ["SELINON_MIGRATE_STORE": "flows.sqlite"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("$SELINON_MIGRATE_STORE: unknown store 'flows.sqlite'"), "\(result.standardError)")
        #expect(!result.standardError.contains("--store:"), "\(result.standardError)")
    }

    @Test func aLocationHoldingSomethingElseIsAnInputError() throws {
        let directory = try TemporaryDirectory()
        let notes = try directory.write("not a database\n", to: "notes.sqlite")
        let runner = try CommandRunner()
        for location in ["sqlite:" + notes, "sqlite:" + directory.url.path] {
            for arguments in [["status"], ["export"], ["apply", "-m", StoreCommands.migrations], ["import", "--input", StoreCommands.examples]] {
                let result = try runner.run(arguments + ["--store", location])
                #expect(result.status == 1, "\(arguments) \(location): \(result.standardError)")
            }
        }
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "not a database\n")
    }

    /// Export writes every flow; a message saved without `dispatcher_id` gets the flow id (so the
    /// backup imports), and one import cannot read back fails the export, naming the flow.
    @Test func exportWritesLinesImportReadsBackOrSaysWhichItCannot() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("flows.sqlite")
        let runner = try CommandRunner()
        let lines = [#"{"dispatcher_id": "a", "flow_name": "f", "state": null}"#, #"{"dispatcher_id": "b", "flow_name": "f", "state": null}"#,
                     #"{"dispatcher_id": "c", "flow_name": "f", "state": null}"#]
        #expect(try runner.run(["import", "--input", "-", "--store", "sqlite:" + path], input: Data((lines.joined(separator: "\n") + "\n").utf8)).status == 0)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: #"UPDATE flows SET message = '{"flow_name": "f", "state": null}' WHERE flow_id = 'a'"#)
        }
        try queue.close()
        let exported = try runner.run(["export", "--store", "sqlite:" + path, "--output", "backup.jsonl"], in: directory.url)
        #expect(exported.status == 0, "\(exported.standardError)")
        let backup = try String(contentsOfFile: directory.path("backup.jsonl"), encoding: .utf8)
        #expect(backup.hasPrefix(#"{"flow_name": "f", "state": null, "dispatcher_id": "a"}"#), "\(backup)")
        #expect(try runner.run(["import", "--input", "backup.jsonl", "--store", "sqlite:restored.sqlite"], in: directory.url).status == 0)

        // A message stored pretty-printed stays one line of the file, and imports as the same flow.
        let pretty = try DatabaseQueue(path: path)
        try pretty.write { db in
            try db.execute(sql: "UPDATE flows SET message = ? WHERE flow_id = 'c'",
                           arguments: ["{\n  \"dispatcher_id\": \"c\",\r\n  \"flow_name\": \"f\",\n  \"state\": null\n}"])
        }
        try pretty.close()
        let onOneLine = try runner.run(["export", "--store", "sqlite:" + path, "--output", "pretty.jsonl"], in: directory.url)
        #expect(onOneLine.status == 0, "\(onOneLine.standardError)")
        let prettyLines = try String(contentsOfFile: directory.path("pretty.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(prettyLines.count == 3 && prettyLines.last == #"{   "dispatcher_id": "c",    "flow_name": "f",   "state": null }"#,
                "\(prettyLines)")
        #expect(try runner.run(["import", "--input", "pretty.jsonl", "--store", "sqlite:pretty.sqlite"], in: directory.url).status == 0)

        // A raw line break inside a string (an edit; not valid JSON) is no whitespace: written as
        // `\n` (a space would change the text and pass for valid), and the flow is named.
        let inString = try DatabaseQueue(path: path)
        try inString.write { db in
            try db.execute(sql: "UPDATE flows SET message = ? WHERE flow_id = 'c'",
                           arguments: ["{\"dispatcher_id\": \"c\",\n\"flow_name\": \"f\", \"node_args\": {\"name\": \"req\nuests \\\"x\\\"\r\"},\n\"state\": null}"])
        }
        try inString.close()
        let escaped = try runner.run(["export", "--store", "sqlite:" + path, "--output", "in-string.jsonl"], in: directory.url)
        #expect(escaped.status == 1, "\(escaped.standardError)")
        #expect(escaped.standardError.contains(#"error: flow "c": its message is not valid JSON: a string in it holds a raw line break"#),
                "\(escaped.standardError)")
        let escapedLines = try String(contentsOfFile: directory.path("in-string.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(escapedLines.count == 3 && escapedLines.last == #"{"dispatcher_id": "c", "flow_name": "f", "node_args": {"name": "req\nuests \"x\"\r"}, "state": null}"#,
                "\(escapedLines)")
        let mended = try DatabaseQueue(path: path)
        try mended.write { db in try db.execute(sql: #"UPDATE flows SET message = '{"dispatcher_id": "c", "flow_name": "f", "state": null}' WHERE flow_id = 'c'"#) }
        try mended.close()

        // A failed flow's status is added to its message: a message that is no object (`}{`) is
        // written as stored and named, not a crash.
        let backwards = try DatabaseQueue(path: path)
        try backwards.write { db in try db.execute(sql: #"UPDATE flows SET message = '}{', status = 'failed' WHERE flow_id = 'b'"#) }
        try backwards.close()
        let named = try runner.run(["export", "--store", "sqlite:" + path, "--output", "backwards.jsonl"], in: directory.url)
        #expect(named.status == 1 && named.standardError.contains(#"error: flow "b": not valid JSON"#), "\(named.standardError)")

        let damaged = try DatabaseQueue(path: path)
        try damaged.write { db in try db.execute(sql: #"UPDATE flows SET message = '[1, 2]', status = 'running' WHERE flow_id = 'b'"#) }
        try damaged.close()
        let refused = try runner.run(["export", "--store", "sqlite:" + path, "--output", "again.jsonl"], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(#"error: flow "b": "#), "\(refused.standardError)")
        #expect(refused.standardError.contains("1 of the 3 flows are not dispatcher messages that import reads back"), "\(refused.standardError)")
        #expect(try String(contentsOfFile: directory.path("again.jsonl"), encoding: .utf8).split(separator: "\n").count == 3)
    }

    /// A CRLF file's line endings are not part of its messages: export gives the messages back
    /// with plain newlines, nothing else changed.
    @Test func importOfCRLFLinesStoresTheMessagesWithoutTheCarriageReturn() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let lines = [#"{"dispatcher_id": "a", "flow_name": "f", "state": null}"#, #"{"dispatcher_id": "b", "flow_name": "f", "state": null}"#]
        let crlf = lines.map { $0 + "\r\n" }.joined()
        let imported = try runner.run(["import", "--input", "-", "--store", "sqlite:flows.sqlite"], in: directory.url, input: Data(crlf.utf8))
        #expect(imported.status == 0, "\(imported.standardError)")
        let queue = try DatabaseQueue(path: directory.path("flows.sqlite"))
        let stored = try queue.read { db in try String.fetchAll(db, sql: "SELECT message FROM flows ORDER BY flow_id") }
        try queue.close()
        #expect(stored == lines)
        let exported = try runner.run(["export", "--store", "sqlite:flows.sqlite"], in: directory.url)
        #expect(exported.standardOutput == lines.map { $0 + "\n" }.joined(), "\(exported.standardOutput)")
    }

    /// A store command ended by a signal says what stays done and how to go on — here while
    /// `import` waits for input, and while `apply` waits for another process's lock.
    @Test func aStoreCommandEndedByASignalSaysHowToGoOn() throws {
        let directory = try TemporaryDirectory()
        let executable = try CommandRunner().executable
        func interrupted(_ arguments: [String], after seconds: Double, input: Data? = nil) throws -> String {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = directory.url
            let standardInput = Pipe(), errors = Pipe()
            process.standardInput = standardInput
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            if let input { standardInput.fileHandleForWriting.write(input) }
            usleep(useconds_t(seconds * 1_000_000))
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
            try standardInput.fileHandleForWriting.close()
            return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let lines = try InflightFlows.messages(count: 3).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        // Three lines of a batch of 500: nothing stored yet, and said so; the store is opened
        // (created) with the first batch, so there is none.
        let waiting = try interrupted(["import", "--store", "sqlite:flows.sqlite", "--input", "-"], after: 1, input: Data(lines.utf8))
        #expect(waiting.contains("interrupted before any batch was stored: nothing was imported; run the same import again\n"), "\(waiting)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("flows.sqlite")))
        // Batches stored, the last lines (the reader waits for more) not yet.
        let many = try InflightFlows.messages(count: 3_000).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        let importing = try interrupted(["import", "--store", "sqlite:flows.sqlite", "--input", "-", "--batch-size", "100"], after: 2,
                                        input: Data(many.utf8))
        #expect(importing.contains("interrupted: the batches stored so far stay (the one under way is rolled back); run the same "
            + "import again with --skip-identical to import the rest; what was committed may still be in flows.sqlite-wal"), "\(importing)")

        let runner = try CommandRunner()
        #expect(try runner.run(["import", "--store", "sqlite:flows.sqlite", "--input", "-", "--skip-identical"], in: directory.url,
                               input: Data(lines.utf8)).status == 0)
        let lock = try DatabaseQueue(path: directory.path("flows.sqlite"))
        let applying = try lock.inDatabase { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try interrupted(["apply", "-m", StoreCommands.migrations, "--store", "sqlite:flows.sqlite"], after: 2)
        }
        try lock.close()
        #expect(applying.contains("interrupted: the batches committed so far stay migrated, each with its events (the one under way is "
            + "rolled back); run the same command again to resume; what was committed may still be in flows.sqlite-wal, which the next "
            + "command that opens the store copies into flows.sqlite: until then keep the two files together"), "\(applying)")
        let resumed = try runner.run(["apply", "-m", StoreCommands.migrations, "--store", "sqlite:flows.sqlite", "--quiet"], in: directory.url)
        #expect(resumed.status == 0, "\(resumed.standardError)")
    }

    /// On a terminal the progress is a bar redrawn in place; a terminal of TERM=dumb (an editor's
    /// shell, some CI runners) cannot redraw, and gets the plain lines a log gets.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")), arguments: [("xterm", true), ("dumb", false)])
    func progressIsRedrawnOnlyOnATerminalThatCan(term: String, redrawn: Bool) throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let lines = try InflightFlows.messages(count: 3).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        #expect(try runner.run(["import", "--store", "sqlite:flows.sqlite", "--input", "-"], in: directory.url, input: Data(lines.utf8)).status == 0)
        let result = try runner.run(["apply", "-m", StoreCommands.migrations, "--store", "sqlite:flows.sqlite"],
                                    shellScript: "TERM=\(term) exec script -qec \"$0 $*\" /dev/null", in: directory.url)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("\u{1B}[K") == redrawn, "\(result.standardOutput)")
        #expect(result.standardOutput.contains("— done") == !redrawn, "\(result.standardOutput)")
    }

    /// `import` and `export` show how far they are on a terminal (20,000 flows: seconds of a
    /// debug build), and nothing with `--quiet`; their one-line summary either way.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")), arguments: [false, true])
    func importAndExportShowProgressUnlessQuiet(quiet: Bool) throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let lines = try InflightFlows.messages(count: 20_000).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        try directory.write(lines, to: "in.jsonl")
        let flag = quiet ? " --quiet" : ""
        for (command, unit) in [("import --store sqlite:flows.sqlite --input in.jsonl --batch-size 5", "lines"),
                                ("export --store sqlite:flows.sqlite --output out.jsonl", "flows")] {
            let result = try runner.run([], shellScript: "TERM=xterm exec script -qec \"$0 \(command)\(flag)\" /dev/null", in: directory.url)
            #expect(result.status == 0, "\(command): \(result.standardOutput)\(result.standardError)")
            #expect(result.standardOutput.contains("\u{1B}[K") == !quiet, "\(command): \(result.standardOutput)")
            #expect(result.standardOutput.contains(" \(unit)/s") == !quiet, "\(command): \(result.standardOutput)")
            #expect(result.standardOutput.contains(unit == "lines" ? "imported 20000 flows" : "exported 20000 flows"), "\(result.standardOutput)")
        }
        #expect(try String(contentsOfFile: directory.path("out.jsonl"), encoding: .utf8).split(separator: "\n").count == 20_000)
    }

    /// Output that goes to the terminal itself (`export`, `apply --input`, `simulate` writing to
    /// standard output) is not interleaved with a progress bar: the bar would land between its lines.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func noProgressBarBetweenLinesWrittenToTheTerminal() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let lines = try InflightFlows.messages(count: 20_000).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        try directory.write(lines, to: "in.jsonl")
        #expect(try runner.run(["import", "--store", "sqlite:flows.sqlite", "--input", "in.jsonl", "--quiet"], in: directory.url).status == 0)
        let v1 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1").path
        for command in ["export --store sqlite:flows.sqlite", "apply -m \(StoreCommands.migrations) --input in.jsonl",
                        "simulate -n \(v1)/nodes.yml -f \(v1)/flows --count 20000"] {
            let result = try runner.run([], shellScript: "TERM=xterm exec script -qec \"$0 \(command)\" /dev/null", in: directory.url)
            // (apply: exit 1, because the migrations fail the flows of a removed flow.)
            #expect(result.status == (command.hasPrefix("apply") ? 1 : 0), "\(command): \(result.standardOutput.suffix(800))")
            #expect(!result.standardOutput.contains("\u{1B}[K") && !result.standardOutput.contains(" flows/s") && !result.standardOutput.contains(" lines/s"), "\(command): a progress bar among the lines")
            #expect(result.standardOutput.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("{") }.count == 20_000, "\(command)")
        }
        // Written to a file, the same export shows its bar.
        let toFile = try runner.run([], shellScript: "TERM=xterm exec script -qec \"$0 export --store sqlite:flows.sqlite --output out.jsonl\" /dev/null",
                                    in: directory.url)
        #expect(toFile.standardOutput.contains("\u{1B}[K"), "\(toFile.standardOutput)")
    }

    /// A sweep ended by a signal after some batches says how many flows its committed batches
    /// took at least — the flows the store has events of afterwards, but for a batch committed
    /// as the signal came.
    @Test func anInterruptedSweepSaysHowManyFlowsItsCommittedBatchesMigrated() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let v1 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1").path
        let simulated = try runner.run(["simulate", "-n", v1 + "/nodes.yml", "-f", v1 + "/flows", "--count", "20000",
                                        "--store", "sqlite:flows.sqlite", "--quiet"], in: directory.url)
        #expect(simulated.status == 0, "\(simulated.standardError)")
        // A third of the rows invalid (a version no migration has): left alone, not counted.
        let writer = try DatabaseQueue(path: directory.path("flows.sqlite"))
        try writer.write { try $0.execute(sql: "UPDATE flows SET migration_version = -1 WHERE rowid % 3 = 0") }
        try writer.close()
        let process = Process()
        process.executableURL = runner.executable
        process.arguments = ["apply", "-m", StoreCommands.migrations, "--store", "sqlite:flows.sqlite", "--batch-size", "2", "--quiet"]
        process.currentDirectoryURL = directory.url
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Until two batches are committed (a reader sees their events: the first one's count is
        // then said), then stopped as Ctrl-C stops it.
        var readOnly = Configuration()
        readOnly.readonly = true
        let reader = try DatabaseQueue(path: directory.path("flows.sqlite"), configuration: readOnly)
        let deadline = Date().addingTimeInterval(60)
        while try reader.read({ try Int.fetchOne($0, sql: "SELECT count(DISTINCT flow_id) FROM migration_events") ?? 0 }) < 3 && Date() < deadline {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try reader.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT, "\(message)")
        let said = try #require(message.firstMatch(of: /stay migrated \(at least (\d+) flows?, as the policy took each/)?.1, "\(message)")
        // Each flow a committed batch took has its event.
        let store = try DatabaseQueue(path: directory.path("flows.sqlite"))
        let taken = try store.read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT flow_id) FROM migration_events") ?? 0 }
        try store.close()
        // (A batch committed just before the signal may not be counted yet: at least, by at most one batch.)
        #expect(taken > 0 && Int(said)! <= taken && taken - Int(said)! <= 2, "\(message), \(taken) taken")
    }

    /// --store-timeout is how long a SQLite store waits for another process's lock; the message
    /// of a store still locked names it.
    @Test func storeTimeoutIsHowLongSQLiteWaitsForALock() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let lines = try InflightFlows.messages(count: 3).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        #expect(try runner.run(["import", "--store", "sqlite:flows.sqlite", "--input", "-"], in: directory.url, input: Data(lines.utf8)).status == 0)
        let lock = try DatabaseQueue(path: directory.path("flows.sqlite"))
        let locked = try lock.inDatabase { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try runner.run(["apply", "-m", StoreCommands.migrations, "--store", "sqlite:flows.sqlite", "--store-timeout", "1"],
                                  in: directory.url)
        }
        try lock.close()
        #expect(locked.status == 2)
        #expect(locked.standardError.contains("error: the SQLite store flows.sqlite is locked: another process has held it for longer than "
            + "the 1 s lock timeout"), "\(locked.standardError)")
        #expect(locked.standardError.contains("(--store-timeout waits longer)"), "\(locked.standardError)")
        #expect(locked.standardError.contains("nothing was written: run again when that process is done"), "it committed nothing: \(locked.standardError)")
        let exported = try runner.run(["export", "--store", "sqlite:flows.sqlite"], in: directory.url)
        #expect(exported.status == 0 && exported.standardOutput.split(separator: "\n").count == 3, "\(exported.standardError)")
        // A lock that keeps even readers out (exclusive locking mode): a reader says it wrote nothing.
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true
        let exclusive = try DatabaseQueue(path: directory.path("flows.sqlite"), configuration: holding)
        try exclusive.inDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
            try db.execute(sql: "BEGIN EXCLUSIVE")
            try db.execute(sql: "UPDATE flows SET revision = revision")
        }
        for command in [["status"], ["export"]] {
            let reader = try runner.run(command + ["--store", "sqlite:flows.sqlite", "--store-timeout", "1"], in: directory.url)
            #expect(reader.status == 2, "\(command): \(reader.standardError)")
            #expect(reader.standardError.contains("lock timeout") && reader.standardError.contains("nothing was written: run again when that "
                + "process is done"), "\(command): \(reader.standardError)")
        }
        try exclusive.inDatabase { try $0.execute(sql: "ROLLBACK") }
        try exclusive.close()
    }

    @Test func aStoreOfANewerToolIsAnInputErrorForEveryCommand() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("flows.sqlite")
        let runner = try CommandRunner()
        #expect(try runner.run(["import", "--input", "-", "--store", "sqlite:" + path], input: Data()).status == 0)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "UPDATE selinon_migrate_schema SET version = 99") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for arguments in [["status"], ["export"], ["apply", "-m", StoreCommands.migrations], ["import", "--input", "-"]] {
            let result = try runner.run(arguments + ["--store", "sqlite:" + path], input: Data())
            #expect(result.status == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("error: the store at sqlite:\(path) was created by a newer selinon-migrate (schema version 99"),
                    "\(result.standardError)")
            // Not a byte changes, and nothing appears next to it (a WAL database's -shm and -wal).
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("")) == ["flows.sqlite"], "\(arguments)")
        }
    }

    @Test func aPostgreSQLServerThatRefusesIsNamedWithTheSystemsReason() throws {
        let result = try CommandRunner().run(["status", "--store", "postgres://u@127.0.0.1:1/db"])
        #expect(result.status == 2)
        #expect(result.standardError
            == "error: PostgreSQL store postgres://u@127.0.0.1:1/db: cannot connect to 127.0.0.1 port 1: Connection refused\n")
    }
}

@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresStoreCommandTests {
    let commands = StoreCommands(backend: .postgres)

    @Test func importApplyStatusExport() async throws { try await commands.importApplyStatusExport() }
    @Test func importStopsAtABadLineWithWholeBatches() async throws { try await commands.importStopsAtABadLineWithWholeBatches() }
    @Test func idsAreComparedAsBytes() async throws { try await commands.idsAreComparedAsBytes() }
    @Test func aRowChangedByHandStopsNoOtherFlow() async throws { try await commands.aRowChangedByHandStopsNoOtherFlow() }
    @Test func readersRefuseAMissingStore() async throws { try await commands.readersRefuseAMissingStore() }

    @Test func aStoreThatRefusesTheWriteIsNamedNotTheLine() async throws {
        try await TestStore.with(.postgres) { test in
            await (try await test.open()).close()
            // A role that may read the store but not write it (the test server trusts local connections).
            let role = "reader_" + String(UInt32.random(in: 0...UInt32.max))
            try await test.execute("CREATE ROLE \(role) LOGIN")
            try await test.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)")
            let location = test.location.replacingOccurrences(of: "://postgres@", with: "://\(role)@")
            #expect(location != test.location)
            let result = try CommandRunner().run(["import", "--store", location, "--input", StoreCommands.examples])
            try await test.execute("DROP OWNED BY \(role)")
            try await test.execute("DROP ROLE \(role)")
            #expect(result.status == 2, "\(result.standardError)")
            #expect(result.standardError.hasPrefix("error: "), "no input line is at fault: \(result.standardError)")
            #expect(result.standardError.contains("permission denied"), "\(result.standardError)")
            #expect(result.standardError.contains("(while storing the batch that starts at \(StoreCommands.examples) line 1)"),
                    "\(result.standardError)")
        }
    }

    /// Summaries and reports end up in deploy logs: a password in the location never appears.
    @Test func thePasswordOfALocationIsNeverPrinted() async throws {
        try await TestStore.with(.postgres) { test in
            // The test server trusts local connections: the password is given, and ignored by the server.
            let location = test.location.replacingOccurrences(of: "://postgres@", with: "://postgres:s3cr3t-pw@")
            #expect(location != test.location)
            let run = try CommandRunner()
            let output = test.files.path("flows.jsonl")
            for arguments in [["import", "--store", location, "--input", StoreCommands.examples],
                              ["status", "--store", location, "-m", StoreCommands.migrations],
                              ["status", "--store", location, "--format", "json"],
                              ["apply", "-m", StoreCommands.migrations, "--store", location, "--format", "json"],
                              ["export", "--store", location, "--output", output],
                              ["import", "--store", location, "--input", output, "--skip-identical"]] {
                let result = try run.run(arguments)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                #expect(!(result.standardOutput + result.standardError).contains("s3cr3t-pw"), "\(arguments)")
                if arguments[0] != "apply" {
                    #expect((result.standardOutput + result.standardError).contains("postgres://postgres@"), "\(arguments)")
                }
            }
        }
    }

    @Test func aDatabaseThatDoesNotExistIsAMistypedLocation() throws {
        let server = try #require(PostgresTestServer.url)
        let location = String(server[..<server.lastIndex(of: "/")!]) + "/no_such_database"
        let result = try CommandRunner().run(["status", "--store", location])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("there is no store at"))
        #expect(result.standardError.contains("\"no_such_database\" does not exist on the server; check the location"))
    }
}
