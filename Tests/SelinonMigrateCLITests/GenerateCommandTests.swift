import Foundation
import Testing
import TestSupport

/// `selinon-migrate generate`, run as a user runs it.
struct GenerateCommandTests {
    static let root = Fixtures.repositoryRoot

    static func arguments(_ old: Int, _ new: Int, _ extra: [String] = []) -> [String] {
        let base = root.appendingPathComponent("examples/package-analysis").path
        return ["generate", "-N", "\(base)/v\(old)/nodes.yml", "-F", "\(base)/v\(old)/flows",
                "-n", "\(base)/v\(new)/nodes.yml", "-f", "\(base)/v\(new)/flows"] + extra
    }

    /// A flow a migration removed, added back: the return needs a migration (it is no repeat of
    /// the removal), or apply would go on failing every new run of it as the removed flow's.
    @Test func aFlowAddedBackAfterItsRemovalGetsAMigrationThatStartsItsNewRuns() throws {
        let directory = try TemporaryDirectory()
        let v4 = Self.root.appendingPathComponent("examples/package-analysis/v4")
        try FileManager.default.copyItem(at: v4, to: directory.url.appendingPathComponent("v5"))
        let nodes = directory.path("v5/nodes.yml"), analysis = directory.path("v5/flows/analysis.yml")
        try String(contentsOfFile: nodes, encoding: .utf8).replacingOccurrences(of: "  - sbom_flow\n", with: "")
            .write(toFile: nodes, atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: analysis, encoding: .utf8)
        let cut = try #require(text.range(of: "  # Added in v2: SBOM generation"))
        try String(text[..<cut.lowerBound]).write(toFile: analysis, atomically: true, encoding: .utf8)
        let withFlow: [String] = [v4.path + "/nodes.yml", v4.path + "/flows"]
        let without: [String] = [nodes, directory.path("v5/flows")]
        let runner = try CommandRunner()
        let migrations = directory.path("m")
        let removal: [String] = ["generate", "-m", migrations, "-N", withFlow[0], "-F", withFlow[1], "-n", without[0], "-f", without[1]]
        #expect(try runner.run(removal).status == 0)
        let readding: [String] = ["generate", "-m", migrations, "-N", without[0], "-F", without[1], "-n", withFlow[0], "-f", withFlow[1]]
        let back = try runner.run(readding)
        #expect(back.status == 0, "\(back.standardError)")
        #expect(back.standardOutput == "Wrote \(migrations)/2.json\n  sbom_flow: added back after a migration removed it (its new runs start)\n")
        #expect(!back.standardError.contains("exactly as 1.json"), "\(back.standardError)")
        let newRun = #"{"flow_name": "sbom_flow", "migration_version": 0, "state": null}"# + "\n"
        let applied = try runner.run(["apply", "-m", migrations, "--input", "-"], input: Data(newRun.utf8))
        #expect(applied.status == 0 && applied.standardOutput.contains(#""migration_version": 2"#), "\(applied.standardOutput)\(applied.standardError)")
    }

    @Test func theSameMigrationTwiceIsWarnedAboutByADryRunToo() throws {
        // Without _meta nothing says the change is covered; the same effect as an earlier
        // migration warns, in a dry run as in a real one.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta"])).status == 0)
        let dry = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta", "--dry-run"]))
        #expect(dry.standardError.contains("warning: it would change flows exactly as 1.json does; make sure the same change is not "
            + "migrated twice"), "\(dry.standardError)")
        let json = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta", "--dry-run", "--format", "json"]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(object["repeats"] as? Int == 1, "\(object)")
        let real = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta", "--format", "json"]))
        #expect(real.standardError.contains("changes flows exactly as 1.json does"), "\(real.standardError)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(real.standardOutput.utf8)) as? [String: Any])
        #expect(written["repeats"] as? Int == 1 && written["version"] as? Int == 2, "\(written)")
        // Each flow's changes under `flow`, as every command names a flow; `needs_migration` as diff says it.
        let flows = try #require(written["flows"] as? [[String: Any]], "\(written)")
        #expect(!flows.isEmpty && flows.allSatisfy { $0["flow"] is String && $0["name"] == nil }, "\(flows)")
        #expect(written["needs_migration"] as? Bool == true, "\(written)")
    }

    /// Files without digests (Selinon's own, or `--no-meta`) cannot say which change they cover:
    /// the same change generated again for one that is not the latest is found by its effect.
    @Test func aChangeMigratedBeforeTheLatestMigrationIsWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta"])).status == 0)
        #expect(try runner.run(Self.arguments(2, 3, ["-m", directory.path("m"), "--no-meta"])).status == 0)
        let again = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--no-meta", "--format", "json"]))
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("3.json changes flows exactly as 1.json does"), "\(again.standardError)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(again.standardOutput.utf8)) as? [String: Any])
        #expect(written["repeats"] as? Int == 1 && written["version"] as? Int == 3, "\(written)")
        // A change of its own repeats nothing.
        let next = try runner.run(Self.arguments(3, 4, ["-m", directory.path("m"), "--no-meta"]))
        #expect(next.status == 0 && !next.standardError.contains("exactly as"), "\(next.standardError)")
    }

    @Test func dryRunPrintsTheSameBytesEveryTimeAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let first = try runner.run(Self.arguments(2, 3, ["--dry-run", "--no-meta", "-m", directory.path("m")]))
        let second = try runner.run(Self.arguments(2, 3, ["--dry-run", "--no-meta", "-m", directory.path("m")]))
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput == second.standardOutput)
        #expect(first.standardOutput.hasPrefix("{\n  \"migration\": {\n    \"licence_analysis_flow\""))
        #expect(first.standardOutput.hasSuffix("\"tainted_flow_strategy\": \"IGNORE\"\n}\n"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("m")))
    }

    /// A report that cannot be printed (a full disk under standard output) is an error, but the
    /// migration was written whole by then: the error says so, for a script that takes exit 2
    /// for "nothing happened".
    @Test func aLostReportSaysTheMigrationWasWrittenAllTheSame() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        let runner = try CommandRunner()
        for format in ["text", "json"] {
            try? FileManager.default.removeItem(atPath: migrations)
            let result = try runner.run(Self.arguments(1, 2, ["-m", migrations, "--format", format]), standardOutput: "/dev/full")
            #expect(result.status == 2)
            #expect(result.standardError.contains("error: cannot write to standard output: No space left on device; the migration was "
                + "written all the same: \(migrations)/1.json, listed in migrations.sum"), "\(result.standardError)")
            #expect(try runner.run(["verify", "-m", migrations]).status == 0)
        }
    }

    /// Writing where workers do not read (a `-m` other than `global.migration_dir`) is warned
    /// about in the JSON report too, not only on standard error.
    @Test func aDirectoryWorkersDoNotReadIsWarnedAboutInJSON() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(Self.arguments(1, 2, ["-m", directory.path("m"), "--format", "json"]))
        #expect(result.status == 0, "\(result.standardError)")
        let report = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let warnings = report?["migration_directory_warnings"] as? [String]
        #expect(warnings?.count == 1 && warnings?.first?.hasPrefix("--migration-dir '\(directory.path("m"))' differs from "
            + "global.migration_dir 'migrations'") == true, "\(result.standardOutput)")
        #expect(result.standardError.contains("warning: --migration-dir '\(directory.path("m"))' differs"), "\(result.standardError)")
    }

    /// A directory in the sum's place is the migration directory's content (as one in a
    /// migration's place is): exit 1, like every other problem of the directory's files.
    @Test func aSumThatIsADirectoryIsNamedAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")])).status == 0)
        try FileManager.default.removeItem(atPath: directory.path("m/migrations.sum"))
        try FileManager.default.createDirectory(atPath: directory.path("m/migrations.sum"), withIntermediateDirectories: false)
        let result = try runner.run(Self.arguments(2, 3, ["-m", directory.path("m")]))
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(directory.path("m/migrations.sum")): error: this is a directory; the sum is a file\n"
            + "  hint: the sum is a file: move this out of the way"), "\(result.standardError)")
        let verify = try runner.run(["verify", "-m", directory.path("m"), "--format", "json"])
        #expect(verify.status == 1 && verify.standardOutput.contains(#""kind": "not-a-file""#), "\(verify.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m/2.json")))
        // A named pipe likewise (it is never opened: nothing would write to it).
        try FileManager.default.removeItem(atPath: directory.path("m/migrations.sum"))
        #expect(mkfifo(directory.path("m/migrations.sum"), 0o644) == 0)
        let pipe = try runner.run(["verify", "-m", directory.path("m")])
        #expect(pipe.status == 1 && pipe.standardError.contains("migrations.sum: error: this is a named pipe; the sum is a file"),
                "\(pipe.standardError)")
    }

    @Test func theSameChangeAfterAConditionOnlyRevertIsNoDuplicate() throws {
        // 1.json: v1 → v2; 2.json: v2 → v1 with one condition changed (A1); that condition goes
        // back without a migration (conditions need none), and v1 → v2 is made again: legitimate,
        // though 1.json has the same digests — flows at version 2 are on v1's edge indices.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let base = Self.root.appendingPathComponent("examples/package-analysis").path
        try FileManager.default.copyItem(atPath: "\(base)/v1", toPath: directory.path("a1"))
        let ingest = directory.path("a1/flows/ingest.yml")
        let text = try String(contentsOfFile: ingest, encoding: .utf8)
        #expect(text.contains("key: tarball_url"))
        try text.replacingOccurrences(of: "key: tarball_url", with: "key: tarball_link").write(toFile: ingest, atomically: true, encoding: .utf8)
        let m = ["-m", directory.path("m")]
        #expect(try runner.run(Self.arguments(1, 2, m)).status == 0)
        let back = try runner.run(["generate", "-N", "\(base)/v2/nodes.yml", "-F", "\(base)/v2/flows",
                                   "-n", directory.path("a1/nodes.yml"), "-f", directory.path("a1/flows")] + m)
        #expect(back.status == 0, "\(back.standardError)")
        let again = try runner.run(Self.arguments(1, 2, m))
        #expect(again.status == 0, "\(again.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.path("m/3.json")))
    }

    @Test func writesNumberedFilesAndSummarisesEachFlow() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let first = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "-t", "retry"]))
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput == "Wrote \(directory.path("m/1.json"))\n  package_analysis_flow: 4 edges renumbered, 1 added\n")
        #expect(first.standardError.contains("warning: the condition of edge 5 (ScoreSeverity → notification_flow) of flow 'security_analysis_flow' changed"))
        #expect(first.standardError.contains("note: created the migration directory \(directory.path("m"))"))
        let second = try runner.run(Self.arguments(2, 3, ["-m", directory.path("m")]))
        #expect(!second.standardError.contains("created the migration directory"))
        #expect(second.standardOutput.hasPrefix("Wrote \(directory.path("m/2.json"))\n"))
        let written = try String(contentsOfFile: directory.path("m/1.json"), encoding: .utf8)
        #expect(written.contains("\"tainted_flow_strategy\": \"RETRY\""))
        #expect(written.contains("\"name\": \"selinon-migrate\""))
    }

    @Test func noChangeWritesNothingAndSucceeds() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(Self.arguments(2, 2, ["-m", directory.path("m")]))
        #expect(result.status == 0)
        #expect(result.standardOutput == "No flow changes need a migration\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m")))
        let dryRun = try CommandRunner().run(Self.arguments(2, 2, ["--dry-run"]))
        #expect(dryRun.standardOutput.isEmpty)
        #expect(dryRun.standardError == "No flow changes need a migration\n")
    }

    /// Two writers of one migration directory never interleave: while one holds the lock (here
    /// this test process, as a running generate would), generate, rehash and rebase are refused
    /// before they read the directory, writing nothing; a dry run and the readers go on.
    @Test func aSecondWriterOfTheDirectoryIsRefusedWhileTheFirstRuns() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let migrations = directory.path("m")
        #expect(try runner.run(Self.arguments(1, 2, ["-m", migrations])).status == 0)
        let sum = try Data(contentsOf: URL(fileURLWithPath: migrations + "/migrations.sum"))
        // A young temporary file of another process: with the lock held, no writer can be at work.
        let young = migrations + "/.2.json.\(getpid()).tmp"
        try Data("{}".utf8).write(to: URL(fileURLWithPath: young))
        do {
            // What a running generate holds: a flock on the directory that holds the migration directory.
            let lock = open(directory.url.path, O_RDONLY | O_DIRECTORY)
            #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
            defer { close(lock) }
            for arguments in [Self.arguments(2, 3, ["-m", migrations]), ["rehash", "-m", migrations]] {
                let refused = try runner.run(arguments)
                #expect(refused.status == 1, "\(arguments): \(refused.standardError)")
                #expect(refused.standardError.contains("\(migrations): error: another selinon-migrate command (generate, rehash or rebase) "
                    + "is writing this migration directory now"), "\(refused.standardError)")
                #expect(refused.standardError.hasSuffix("nothing was written\n"), "\(refused.standardError)")
            }
            #expect(try runner.run(Self.arguments(2, 3, ["-m", migrations, "--dry-run"])).status == 0)
            #expect(try runner.run(["verify", "-m", migrations]).status == 0)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: migrations + "/migrations.sum")) == sum)
        #expect(!FileManager.default.fileExists(atPath: migrations + "/2.json"))
        // Released (as when the process holding it ends): the next run writes, and takes away what no writer is writing.
        #expect(try runner.run(Self.arguments(2, 3, ["-m", migrations])).status == 0)
        #expect(FileManager.default.fileExists(atPath: migrations + "/2.json"))
        #expect(!FileManager.default.fileExists(atPath: young))
    }

    @Test func aGenerateKilledBeforeItListedItsFileIsFinishedByRunningItAgain() throws {
        // Killed after N.json was linked into place and before migrations.sum listed it: the
        // file, its temporary copy, and a sum without its line (or no sum, for 1.json).
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let migrations = directory.path("m")
        #expect(try runner.run(Self.arguments(1, 2, ["-m", migrations])).status == 0)
        let completeSum = try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8)
        #expect(try runner.run(Self.arguments(2, 3, ["-m", migrations])).status == 0)
        let finishedSum = try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        // Left by killed runs (an hour ago), and one just written by a process of another PID namespace.
        let staleTemporary = migrations + "/.2.json.\(gone.processIdentifier).tmp"
        let staleSum = migrations + "/.migrations.sum.\(gone.processIdentifier).tmp"
        let recent = migrations + "/.3.json.\(gone.processIdentifier).tmp"
        for file in [staleTemporary, staleSum, recent] {
            try Data(contentsOf: URL(fileURLWithPath: migrations + "/2.json")).write(to: URL(fileURLWithPath: file))
        }
        for file in [staleTemporary, staleSum] {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: file)
        }
        try completeSum.write(toFile: migrations + "/migrations.sum", atomically: true, encoding: .utf8)
        #expect(try runner.run(["verify", "-m", migrations]).status == 1, "the interrupted state is a finding")
        let preview = try runner.run(Self.arguments(2, 3, ["-m", migrations, "--dry-run"]))
        #expect(preview.status == 0, "\(preview.standardError)")
        #expect(preview.standardError.contains("note: 2.json was written by a generate that was interrupted before it listed the file "
            + "in migrations.sum; a real run would list it"), "\(preview.standardError)")
        #expect(try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8) == completeSum, "a dry run writes nothing")
        #expect(FileManager.default.fileExists(atPath: staleTemporary), "a dry run removes nothing")

        let again = try runner.run(Self.arguments(2, 3, ["-m", migrations]))
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("note: 2.json was written by a generate that was interrupted before it listed the file "
            + "in migrations.sum; listed it now"), "\(again.standardError)")
        #expect(try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8) == finishedSum)
        #expect(!FileManager.default.fileExists(atPath: staleTemporary) && !FileManager.default.fileExists(atPath: staleSum))
        // However young: generate holds the directory's lock, so no other writer is at work.
        #expect(!FileManager.default.fileExists(atPath: recent))
        #expect(try runner.run(["verify", "-m", migrations]).status == 0)
        // A run that finds its change migrated already, with nothing to finish, still removes what killed writers left.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: staleTemporary))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: staleTemporary)
        let covered = try runner.run(Self.arguments(2, 3, ["-m", migrations]))
        #expect(covered.status == 0 && covered.standardError.contains("already migrates this change"), "\(covered.standardError)")
        #expect(!FileManager.default.fileExists(atPath: staleTemporary))

        // The first file of a new directory, without any sum.
        let fresh = directory.path("fresh")
        #expect(try runner.run(Self.arguments(1, 2, ["-m", fresh])).status == 0)
        let freshSum = try String(contentsOfFile: fresh + "/migrations.sum", encoding: .utf8)
        try FileManager.default.removeItem(atPath: fresh + "/migrations.sum")
        let first = try runner.run(Self.arguments(1, 2, ["-m", fresh]))
        #expect(first.status == 0 && first.standardError.contains("note: 1.json was written by a generate that was interrupted"), "\(first.standardError)")
        #expect(try String(contentsOfFile: fresh + "/migrations.sum", encoding: .utf8) == freshSum)

        // Edited since (the same configurations in _meta; another strategy, or other edges): an
        // error that names the file and leaves the directory for verify and a review.
        let original = try String(contentsOfFile: fresh + "/1.json", encoding: .utf8)
        for edited in [original.replacingOccurrences(of: "\"IGNORE\"", with: "\"FAIL\""),
                       original.replacingOccurrences(of: "\"5\": 6,", with: "\"5\": 7,").replacingOccurrences(of: "\"6\": 7", with: "\"6\": 6")] {
            #expect(edited != original)
            try edited.write(toFile: fresh + "/1.json", atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: fresh + "/migrations.sum")
            // A dry run foresees the refusal: the same error and exit status, the migration shown.
            let preview = try runner.run(Self.arguments(1, 2, ["-m", fresh, "--dry-run"]))
            #expect(preview.status == 1, "\(preview.standardError)")
            #expect(preview.standardError.contains("error: \(fresh)/1.json already migrates this change, but there is no readable "
                + "migrations.sum to list it; nothing was written"), "\(preview.standardError)")
            #expect(preview.standardOutput.contains("\"tainted_flow_strategy\""))
            let afterEdit = try runner.run(Self.arguments(1, 2, ["-m", fresh]))
            #expect(afterEdit.status == 1, "\(afterEdit.standardError)")
            #expect(afterEdit.standardError.contains("error: \(fresh)/1.json already migrates this change, but there is no readable "
                + "migrations.sum to list it; nothing was written\n  hint: check the directory (selinon-migrate verify -m \(fresh)); "
                + "if 1.json is the migration that was reviewed: selinon-migrate rehash -m \(fresh)"), "\(afterEdit.standardError)")
            #expect(!FileManager.default.fileExists(atPath: fresh + "/migrations.sum"))
        }

        // The latest file is this change, but the sum does not list the others: not an interrupted write.
        try FileManager.default.removeItem(atPath: migrations + "/migrations.sum")
        let unlisted = try runner.run(Self.arguments(2, 3, ["-m", migrations]))
        #expect(unlisted.status == 1 && unlisted.standardError.contains("already migrates this change, but there is no readable migrations.sum"),
                "\(unlisted.standardError)")
        #expect(!FileManager.default.fileExists(atPath: migrations + "/migrations.sum"))
    }

    @Test func aMigrationDirectoryThatCannotExistIsNamedWithWhy() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        try directory.write("notes\n", to: "afile")
        try FileManager.default.createSymbolicLink(atPath: directory.path("loop"), withDestinationPath: "loop")
        try FileManager.default.createSymbolicLink(atPath: directory.path("unmounted"), withDestinationPath: "/nonexistent/migrations")
        let cases = [
            (directory.path("afile/migrations"), "the migration directory cannot exist: a part of its path is a file, not a directory"),
            (directory.path("loop"), "the migration directory is a symbolic link that loops (it leads back to itself)"),
            (directory.path("unmounted"), "the migration directory is a symbolic link to /nonexistent/migrations, which does not exist"),
        ]
        for (path, message) in cases {
            for arguments in [Self.arguments(1, 2, ["-m", path]), ["verify", "-m", path], ["rehash", "-m", path]] {
                let result = try runner.run(arguments)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.standardError.contains("\(path): error: \(message)"), "\(arguments): \(result.standardError)")
            }
        }
        #expect(try String(contentsOfFile: directory.path("afile"), encoding: .utf8) == "notes\n")
        // A sum that is a directory is named, with the fix.
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")])).status == 0)
        try FileManager.default.removeItem(atPath: directory.path("m/migrations.sum"))
        try FileManager.default.createDirectory(atPath: directory.path("m/migrations.sum"), withIntermediateDirectories: false)
        let rehash = try runner.run(["rehash", "-m", directory.path("m")])
        #expect(rehash.status == 1)
        #expect(rehash.standardError.contains("migrations.sum: error: this is a directory; the sum is a file"), "\(rehash.standardError)")
    }

    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func migrationsThisUserMayNotReadExitWithTwoAndSayWhy() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        chmod(directory.url.path, 0o755)
        let closed = directory.path("closed"), open = directory.path("open")
        for path in [closed, open] { #expect(try runner.run(Self.arguments(1, 2, ["-m", path + "/migrations"])).status == 0) }
        chmod(closed, 0o700)
        chmod(open, 0o755)
        chmod(open + "/migrations", 0o755)
        chmod(open + "/migrations/1.json", 0o600)
        let unlisted = directory.path("unlisted")
        #expect(try runner.run(Self.arguments(1, 2, ["-m", unlisted + "/migrations"])).status == 0)
        chmod(unlisted, 0o755)
        chmod(unlisted + "/migrations", 0o311)  // open, not list
        let unreachable = "the migration directory cannot be reached: Permission denied"
        for (arguments, message) in [
            (["verify", "-m", closed + "/migrations"], unreachable),
            (["rehash", "-m", closed + "/migrations"], unreachable),
            (Self.arguments(2, 3, ["-m", closed + "/migrations"]), unreachable),
            (["verify", "-m", open + "/migrations"], "1.json cannot be read: Permission denied"),
            (["rehash", "-m", open + "/migrations"], "1.json: error: cannot read the file: Permission denied"),
            (Self.arguments(2, 3, ["-m", open + "/migrations"]), "1.json: error: cannot read the file: Permission denied"),
            (["apply", "-m", open + "/migrations", "--input", Self.root.appendingPathComponent("examples/package-analysis/inflight-v1.jsonl").path],
             "error: nothing was applied: the migrations could not be read"),
            (["verify", "-m", unlisted + "/migrations"], "error: cannot list the migration directory"),
            (["review", "1", "-m", unlisted + "/migrations"], "error: cannot list the migration directory: Permission denied\n"
                + "  hint: run as a user who may read and open the directory"),
        ] {
            let result = try #require(try runner.runAsNobody(arguments))
            #expect(result.status == 2, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
    }

    /// A dry run says when the real run could not write (the directory, or the one it would be
    /// created in, is read-only for this user), as the real run then fails.
    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func aDryRunSaysWhenARealRunCouldNotWrite() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        chmod(directory.url.path, 0o755)
        let path = directory.path("migrations")
        #expect(try runner.run(Self.arguments(1, 2, ["-m", path])).status == 0)
        chmod(path, 0o555)
        let dryRun = try #require(try runner.runAsNobody(Self.arguments(2, 3, ["-m", path, "--dry-run"])))
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
        #expect(dryRun.standardError.contains("warning: a real run could not write into \(path): Permission denied"), "\(dryRun.standardError)")
        let real = try #require(try runner.runAsNobody(Self.arguments(2, 3, ["-m", path])))
        #expect(real.status == 2, "\(real.standardError)")
        let below = try #require(try runner.runAsNobody(Self.arguments(1, 2, ["-m", path + "/deeper", "--dry-run"])))
        #expect(below.standardError.contains("warning: a real run could not write into \(path)/deeper: it would be created in \(path): "
            + "Permission denied"), "\(below.standardError)")
        let writable = try runner.run(Self.arguments(2, 3, ["-m", path, "--dry-run"]))
        #expect(!writable.standardError.contains("could not write"), "root may write: \(writable.standardError)")
    }

    /// `-m` naming global.migration_dir's directory in other words (a trailing slash, `./`, its
    /// absolute path) is no difference to warn about; another directory is.
    @Test func aMigrationDirectoryNamedInOtherWordsIsTheConfiguredOne() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("examples/package-analysis"), to: directory.url.appendingPathComponent("pa"))
        func arguments(_ old: Int, _ new: Int, _ migrations: String) -> [String] {
            ["generate", "-N", "pa/v\(old)/nodes.yml", "-F", "pa/v\(old)/flows", "-n", "pa/v\(new)/nodes.yml", "-f", "pa/v\(new)/flows", "-m", migrations]
        }
        let warning = "differs from global.migration_dir"
        for (step, given) in ["migrations/", "./migrations", directory.path("migrations")].enumerated() {
            let result = try runner.run(arguments(step + 1, step + 2, given), in: directory.url)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(!result.standardError.contains(warning), "\(given): \(result.standardError)")
        }
        let elsewhere = try runner.run(arguments(1, 2, "other"), in: directory.url)
        #expect(elsewhere.standardError.contains("warning: --migration-dir 'other' \(warning) 'migrations'"), "\(elsewhere.standardError)")
    }

    @Test func aSecondMigrationFromTheSameOldConfigurationIsRefused() throws {
        // generate v1 → v2, then (more edits, not committed) generate again from v1: the second
        // file would be applied after 1.json to flows it already migrated.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")])).status == 0)
        let sumBefore = try String(contentsOfFile: directory.path("m/migrations.sum"), encoding: .utf8)

        let again = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m")]))
        #expect(again.status == 1)
        #expect(again.standardError.contains("error: \(directory.path("m/1.json")) already migrates from this old configuration"))
        #expect(again.standardError.contains("selinon-migrate rehash -m \(directory.path("m"))"))

        let same = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")]))
        #expect(same.status == 0)
        #expect(same.standardError.contains("1.json already migrates this change"))
        #expect(!same.standardError.contains("tainted_flow_strategy"))
        // Asking for another strategy does not write a second copy, but says how to get it.
        let retry = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "-t", "RETRY"]))
        #expect(retry.status == 0)
        #expect(retry.standardError.contains("note: its tainted_flow_strategy is IGNORE, not RETRY as this run would write; if no "
            + "deployment has applied it yet, remove it, run selinon-migrate rehash, and generate again"), "\(retry.standardError)")
        // A dry run and the JSON report say the same: nothing would be written, and which file covers it.
        let dry = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--dry-run"]))
        #expect(dry.status == 0 && dry.standardOutput.hasPrefix("{"), "the migration it would be, for comparison")
        #expect(dry.standardError.contains("1.json already migrates this change (generated between the same configurations); "
            + "a real run would write nothing") && !dry.standardError.contains("would write \(directory.path("m/2.json"))"),
                "\(dry.standardError)")
        for extra in [["--format", "json"], ["--format", "json", "--dry-run"]] {
            let report = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")] + extra))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any])
            #expect(object["covered_by"] as? String == directory.path("m/1.json") && object["written"] == nil, "\(extra): \(object)")
        }

        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")).sorted() == ["1.json", "migrations.sum"])
        #expect(try String(contentsOfFile: directory.path("m/migrations.sum"), encoding: .utf8) == sumBefore)
        // From the configuration 1.json leads to, the next migration is written.
        #expect(try runner.run(Self.arguments(2, 3, ["-m", directory.path("m")])).status == 0)
    }

    @Test func aMigrationToTheConfigurationTheLatestLeadsToIsRefused() throws {
        // v1 → v2 → v3 in two files (a branch's two commits, merged): one from v1 to v3 would be
        // applied to flows already at v3's edges.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")])).status == 0)
        #expect(try runner.run(Self.arguments(2, 3, ["-m", directory.path("m")])).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path("m")).sorted()

        let skipped = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m")]))
        #expect(skipped.status == 1)
        #expect(skipped.standardError.contains("error: \(directory.path("m/2.json")) already leads to the new configuration"),
                "\(skipped.standardError)")
        #expect(skipped.standardError.contains("nothing was written"))
        let dry = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m"), "--dry-run"]))
        #expect(dry.standardError.contains("already leads to the new configuration") && dry.standardError.contains("a real run would refuse it"),
                "\(dry.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")).sorted() == files)
    }

    @Test func anOldConfigurationTheLatestMigrationCannotLeadToIsRefused() throws {
        // The directory ends at v4 (1.json … 3.json); generating v1 → v3 would be numbered
        // 4.json and move the edges of flows that are on v4's indices.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        for (from, to) in [(1, 2), (2, 3), (3, 4)] {
            #expect(try runner.run(Self.arguments(from, to, ["-m", directory.path("m")])).status == 0)
        }
        let stale = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m")]))
        #expect(stale.status == 1)
        #expect(stale.standardError.contains("is not the one \(directory.path("m/3.json")) leads to"), "\(stale.standardError)")
        #expect(stale.standardError.contains("flow 'package_analysis_flow' has 7 edges in it, 8 after that migration"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")).sorted()
            == ["1.json", "2.json", "3.json", "migrations.sum"])
        let dryRun = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m"), "--dry-run"]))
        #expect(dryRun.status == 1)
        #expect(dryRun.standardError.contains("warning: the old configuration is not the one"))
        // v1 → v2 again is 1.json's change: named as such.
        let again = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")]))
        #expect(again.status == 1)
        #expect(again.standardError.contains("\(directory.path("m/1.json")) already migrates this change"), "\(again.standardError)")
        #expect(again.standardOutput.isEmpty)
        // With --format json the refusal is the report's `refused`, as a dry run gives it (and nothing is written).
        let againJSON = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--format", "json"]))
        #expect(againJSON.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(againJSON.standardOutput.utf8)) as? [String: Any])
        #expect((report["refused"] as? String)?.hasPrefix("\(directory.path("m/1.json")) already migrates this change") == true, "\(report)")
        #expect(report["written"] == nil && report["migration"] == nil)
        let staleJSON = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m"), "--format", "json"]))
        #expect(staleJSON.status == 1 && staleJSON.standardOutput.contains("is not the one \(directory.path("m/3.json")) leads to"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")).sorted()
            == ["1.json", "2.json", "3.json", "migrations.sum"])
        // The configuration 3.json leads to continues it.
        #expect(try runner.run(Self.arguments(4, 1, ["-m", directory.path("m")])).status == 0)
    }

    @Test func aDryRunChecksTheDirectoryAsTheRealRunWould() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        #expect(try runner.run(Self.arguments(1, 2, ["-m", directory.path("m")])).status == 0)
        let dryRun = try runner.run(Self.arguments(2, 3, ["-m", directory.path("m"), "--dry-run", "--format", "json"]))
        #expect(dryRun.status == 0)
        #expect(dryRun.standardOutput.contains("\n  \"version\": 2,\n"))
        // From the old configuration 1.json already starts from: the bytes, and a note.
        // The bytes, and the refusal: no file named, exit 1 as for the real run.
        let again = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m"), "--dry-run", "--no-meta"]))
        #expect(again.status == 1)
        #expect(again.standardOutput.hasPrefix("{\n  \"migration\""))
        #expect(again.standardError.contains("warning: \(directory.path("m/1.json")) already migrates from this old configuration, to another "
            + "new one; a real run would refuse to write another"), "\(again.standardError)")
        #expect(again.standardError.contains("a real run would write nothing") && !again.standardError.contains("would write \(directory.path("m"))"))
        let againJSON = try runner.run(Self.arguments(1, 3, ["-m", directory.path("m"), "--dry-run", "--format", "json"]))
        #expect(againJSON.status == 1)
        #expect(againJSON.standardOutput.contains("\"refused\" : \"\(directory.path("m/1.json")) already migrates from this old configuration")
                    || againJSON.standardOutput.contains("\"refused\": \"\(directory.path("m/1.json")) already migrates from this old configuration"),
                "\(againJSON.standardOutput)")
        #expect(!againJSON.standardOutput.contains("\n  \"version\""), "no file to write")
        // An edited migration fails the dry run too, and nothing is written.
        let path = directory.path("m/1.json")
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "IGNORE", with: "FAIL")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let broken = try runner.run(Self.arguments(2, 3, ["-m", directory.path("m"), "--dry-run"]))
        #expect(broken.status == 1)
        #expect(broken.standardError.contains("1.json was changed after it was generated"))
        #expect(broken.standardOutput.isEmpty)
        // In JSON, the document every command prints for a directory it refuses, for a dry run and a real one.
        for extra in [["--dry-run"], []] {
            let refused = try runner.run(Self.arguments(2, 3, ["-m", directory.path("m"), "--format", "json"] + extra))
            #expect(refused.status == 1)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(refused.standardOutput.utf8)) as? [String: Any])
            #expect(document["error"] as? String == "invalid-migration-directory", "\(extra): \(refused.standardOutput)")
            let problems = try #require(document["problems"] as? [[String: Any]])
            #expect(problems.map { $0["kind"] as? String } == ["edited"] && problems.first?["file"] as? String == path, "\(problems)")
        }
        // The change 1.json covers generated again: nothing to write, but the edit is said.
        let covered = try runner.run(Self.arguments(1, 2, ["-m", directory.path("m"), "--format", "json"]))
        #expect(covered.status == 0, "\(covered.standardError)")
        #expect(covered.standardError.contains("\(path): warning: 1.json was changed after it was generated"), "\(covered.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(covered.standardOutput.utf8)) as? [String: Any])
        #expect((report["migration_directory_warnings"] as? [String])?.contains { $0.hasPrefix("\(path): warning: 1.json was changed") } == true,
                "\(report)")
    }

    @Test func aFileGivenAsTheMigrationDirectoryIsBadInput() throws {
        let directory = try TemporaryDirectory()
        try directory.write("", to: "m")
        let result = try CommandRunner().run(Self.arguments(1, 2, ["-m", directory.path("m")]))
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(directory.path("m")): error: this is a file, not a migration directory"))
        let json = try CommandRunner().run(Self.arguments(1, 2, ["-m", directory.path("m"), "--format", "json"]))
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(document["error"] as? String == "invalid-migration-directory")
        let problem = try #require((document["problems"] as? [[String: Any]])?.first)
        #expect(problem["message"] as? String == "this is a file, not a migration directory" && problem["hint"] as? String != "", "\(problem)")
    }

    @Test func anInvalidMigrationDirectoryStopsBeforeWriting() throws {
        let directory = try TemporaryDirectory()
        try directory.write("{}", to: "m/1.json")
        let result = try CommandRunner().run(Self.arguments(1, 2, ["-m", directory.path("m")]))
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(directory.path("m/1.json")):1:1: error: 'tainted_flow_strategy' is missing"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")) == ["1.json"])
        let json = try CommandRunner().run(Self.arguments(1, 2, ["-m", directory.path("m"), "--format", "json"]))
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(document["error"] as? String == "invalid-migration-directory" && document["migration_directory"] as? String == directory.path("m"))
        let problem = try #require((document["problems"] as? [[String: Any]])?.first)
        #expect(problem["file"] as? String == directory.path("m/1.json") && problem["line"] as? Int == 1 && problem["column"] as? Int == 1,
                "\(problem)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("m")) == ["1.json"])
    }

    @Test func aConfigurationWithErrorsIsReportedAndExitsOne() throws {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks: [{name: A, import: t}]\nflows: [f]\n", to: "nodes.yml")
        let flows = try directory.write("flow-definitions: [{name: f, edges: [{from: , to: B}]}]\n", to: "flows.yml")
        let base = Self.root.appendingPathComponent("examples/package-analysis/v1").path
        let result = try CommandRunner().run(["generate", "-N", nodes, "-F", flows, "-n", "\(base)/nodes.yml", "-f", "\(base)/flows"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("\(flows):1:51: error: 'B' in 'to' of edge 0 of flow 'f' is neither a task nor a flow"))
        #expect(result.standardError.contains("error: the old configuration has 1 error"))
        #expect(!result.standardError.contains("--no-check"), "skipping the consistency check cannot fix an unknown node")

        // An error of Selinon's consistency check alone: --no-check is offered, and works.
        try directory.write("tasks: [{name: A, import: t}, {name: C, import: t}]\nflows: [f]\n", to: "nodes.yml")
        try directory.write("flow-definitions: [{name: f, edges: [{from: , to: A}, {from: C, to: A}]}]\n", to: "flows.yml")
        let checked = try CommandRunner().run(["generate", "-N", nodes, "-F", flows, "-n", "\(base)/nodes.yml", "-f", "\(base)/flows", "--dry-run"])
        #expect(checked.status == 1)
        #expect(checked.standardError.contains("depends on task 'C', which no edge or fallback of the flow starts"))
        #expect(checked.standardError.contains("or pass --no-check to skip Selinon's consistency check"))
        // Also for a check made while the flows are read (a condition reading a result no
        // storage keeps): its errors are not global.trace's.
        try directory.write("tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\n", to: "nodes.yml")
        try directory.write("flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: B, "
            + "condition: {name: fieldExist, args: {key: x}}}]}]\n", to: "flows.yml")
        let predicate = try CommandRunner().run(["generate", "-N", nodes, "-F", flows, "-n", "\(base)/nodes.yml", "-f", "\(base)/flows", "--dry-run"])
        #expect(predicate.status == 1)
        #expect(predicate.standardError.contains("reads the result of task 'A', which has no storage"), "\(predicate.standardError)")
        #expect(predicate.standardError.contains("or pass --no-check to skip Selinon's consistency check, where they all come from"),
                "\(predicate.standardError)")

        // An earlier Selinon's form of trace (workers ran it): in the old configuration, a warning;
        // in the new one (which Selinon 1.4's workers must start on) an error, which --no-check takes as a warning.
        try directory.write("tasks: [{name: A, import: t}]\nflows: [f]\nglobal: {trace: true}\n", to: "nodes.yml")
        try directory.write("flow-definitions: [{name: f, edges: [{from: , to: A}]}]\n", to: "flows.yml")
        let tracedOld = try CommandRunner().run(["generate", "-N", nodes, "-F", flows, "-n", "\(base)/nodes.yml", "-f", "\(base)/flows",
                                                 "--dry-run", "-m", directory.path("m")])
        #expect(tracedOld.status == 0, "\(tracedOld.standardError)")
        #expect(tracedOld.standardError.contains("\(nodes):3:17: warning: 'trace' must be a mapping"), "\(tracedOld.standardError)")
        let traced = try CommandRunner().run(["generate", "-N", "\(base)/nodes.yml", "-F", "\(base)/flows", "-n", nodes, "-f", flows,
                                              "--dry-run", "-m", directory.path("m")])
        #expect(traced.status == 1)
        #expect(traced.standardError.contains("\(nodes):3:17: error: 'trace' must be a mapping"), "\(traced.standardError)")
        #expect(traced.standardError.contains("fix them, or pass --no-check to take them as warnings: they are all in global.trace"),
                "\(traced.standardError)")
        let unchecked = try CommandRunner().run(["generate", "-N", "\(base)/nodes.yml", "-F", "\(base)/flows", "-n", nodes, "-f", flows,
                                                 "--dry-run", "--no-check", "-m", directory.path("m")])
        #expect(unchecked.status == 0, "\(unchecked.standardError)")
        #expect(unchecked.standardError.contains("\(nodes):3:17: warning: 'trace' must be a mapping"), "\(unchecked.standardError)")
    }

    /// A warning both configurations have is said once, for the new one where it can be fixed —
    /// also when the old files given with -N/-F lie in another directory.
    @Test func aWarningBothConfigurationsHaveIsSaidOnceForTheNewOne() throws {
        let directory = try TemporaryDirectory()
        let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\nstorages: [{name: Unused, import: s, classname: S, configuration: {host: h}}]\n"
        try directory.write(nodes, to: "old/nodes.yml")
        try directory.write("flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: B}]}]\n", to: "old/flows.yml")
        try directory.write(nodes, to: "new/nodes.yml")
        try directory.write("flow-definitions: [{name: f, edges: [{from: A, to: B}, {from: , to: A}]}]\n", to: "new/flows.yml")
        let result = try CommandRunner().run(["generate", "-N", "old/nodes.yml", "-F", "old/flows.yml", "-n", "new/nodes.yml", "-f", "new/flows.yml",
                                              "-m", "m", "--dry-run"], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        let warnings = result.standardError.split(separator: "\n").filter { $0.contains("storage 'Unused' is not used by any task") }
        #expect(warnings.count == 1 && warnings.first?.hasPrefix("new/nodes.yml:") == true, "\(result.standardError)")
    }

    @Test func oldNodesWithoutOldFlowsIsAUsageError() throws {
        let result = try CommandRunner().run(["generate", "-N", "nodes.yml", "-n", "a.yml", "-f", "b"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("Give both the old nodes file (-N/--old-nodes-definition) and the old flow definitions"))
    }

    @Test func helpTextMatchesItsGolden() throws {
        let result = try CommandRunner().run(["generate", "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-generate.txt").path)
    }

    @Test func removingAFlowWritesAMigrationThatFailsItsInFlightFlows() throws {
        // The old configuration is v4 plus one more flow; the new one is v4: only that flow goes.
        let directory = try TemporaryDirectory()
        let base = Self.root.appendingPathComponent("examples/package-analysis")
        let runner = try CommandRunner()
        let nodes = try String(contentsOf: base.appendingPathComponent("v4/nodes.yml"), encoding: .utf8)
        let withFlow = try directory.write(nodes.replacingOccurrences(of: "flows:\n", with: "flows:\n  - extra_flow\n"), to: "old/nodes.yml")
        try FileManager.default.copyItem(at: base.appendingPathComponent("v4/flows"), to: directory.url.appendingPathComponent("old/flows"))
        try directory.write("flow-definitions:\n  - name: extra_flow\n    edges:\n      - {from: , to: FetchMetadata}\n", to: "old/flows/extra.yml")
        let result = try runner.run(["generate", "-N", withFlow, "-F", directory.path("old/flows"),
                                     "-n", base.appendingPathComponent("v4/nodes.yml").path, "-f", base.appendingPathComponent("v4/flows").path,
                                     "-m", directory.path("m")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("extra_flow: removed (its in-flight flows fail)"))
        let line = #"{"flow_name": "extra_flow", "dispatcher_id": "x", "migration_version": 0, "state": {"active_nodes": [{"name": "FetchMetadata", "id": "a"}], "waiting_edges": [], "triggered_edges": [0]}}"#
        let applied = try runner.run(["apply", "-m", directory.path("m"), "--input", "-", "--dry-run"], input: Data((line + "\n").utf8))
        #expect(applied.standardOutput.contains("\"outcome\":\"fail\""), "\(applied.standardOutput)")
        #expect(applied.standardOutput.contains(#""flow":"extra_flow","kind":"flow-removed""#), "\(applied.standardOutput)")
        // Without _meta the removal cannot be recorded: nothing is written, and it says so.
        let bare = try runner.run(["generate", "-N", withFlow, "-F", directory.path("old/flows"),
                                   "-n", base.appendingPathComponent("v4/nodes.yml").path, "-f", base.appendingPathComponent("v4/flows").path,
                                   "-m", directory.path("m2"), "--no-meta"])
        #expect(bare.standardError.contains("cannot be recorded"))
        #expect(bare.standardOutput == "No migration file written (see the warning)\n", "not 'no flow changes': \(bare.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m2/1.json")))
        // JSON says the same: a migration is needed, none is written, and the warning says why.
        let json = try runner.run(["generate", "-N", withFlow, "-F", directory.path("old/flows"),
                                   "-n", base.appendingPathComponent("v4/nodes.yml").path, "-f", base.appendingPathComponent("v4/flows").path,
                                   "-m", directory.path("m2"), "--no-meta", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(report["needs_migration"] as? Bool == true && report["written"] == nil)
        let kinds = (report["warnings"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(kinds.contains("removal-not-recorded"), "\(json.standardOutput)")
    }
}

/// `generate` stopped by a signal while it writes: the signal waits until the file and its line in
/// the sum are written, no hidden temporary file is left, and it says what is there. strace holds
/// the process in its first `fsync` (the new file's, before it is linked in place) so that the
/// signal lands mid-write.
@Suite(.enabled(if: SystemCallDelay.isAvailable, Comment(rawValue: "needs strace, able to trace a child process")))
struct InterruptedWriteTests {
    @Test func aGenerateStoppedMidWriteFinishesTheWriteAndSaysSo() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(SystemCallDelay.strace))
        process.arguments = ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_enter=8000000:when=1",
                             try CommandRunner().executable.path] + GenerateCommandTests.arguments(1, 2, ["-m", migrations])
        let standardError = Pipe()
        process.standardError = standardError
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The new file's temporary copy names the process: .1.json.PID.tmp.
        var writer: pid_t?
        let deadline = Date().addingTimeInterval(120)
        while writer == nil && Date() < deadline && process.isRunning {
            writer = ((try? FileManager.default.contentsOfDirectory(atPath: migrations)) ?? [])
                .first { $0.hasPrefix(".1.json.") && $0.hasSuffix(".tmp") }
                .flatMap { pid_t($0.dropFirst(".1.json.".count).dropLast(".tmp".count)) }
            usleep(20_000)
        }
        let pid = try #require(writer, "no temporary file appeared")
        kill(pid, SIGTERM)
        process.waitUntilExit()
        let said = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(said.contains("interrupted: \(migrations)/1.json was written and listed in migrations.sum"), "\(said)")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        // The migration and its sum — no temporary file — and the directory verifies.
        #expect(try FileManager.default.contentsOfDirectory(atPath: migrations).sorted() == ["1.json", "migrations.sum"])
        let verified = try CommandRunner().run(["verify", "-m", migrations])
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A written migration survives a power cut: the new file is synced before it is linked in
    /// place, and the directory after the link and after the sum's rename (a rename or a link is
    /// durable only once its directory is synced).
    @Test func theNewFileAndTheSumAreMadeDurableWithTheirDirectory() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        let trace = directory.path("trace.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(SystemCallDelay.strace))
        process.arguments = ["-f", "-y", "-o", trace, "-e", "trace=fsync,link,linkat,rename,renameat,renameat2",
                             try CommandRunner().executable.path] + GenerateCommandTests.arguments(1, 2, ["-m", migrations])
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.contains("fsync(") || $0.contains("link") || $0.contains("rename") }
        let realDirectory = URL(fileURLWithPath: migrations).resolvingSymlinksInPath().path
        func directorySync(after index: Int) -> Bool {
            calls[(index + 1)...].prefix { !$0.contains("link") && !$0.contains("rename") }.contains { $0.contains("fsync(") && $0.contains("<\(realDirectory)>)") }
        }
        let link = try #require(calls.firstIndex { $0.contains("link") && $0.contains("1.json\")") }, "\(calls)")
        #expect(calls[..<link].contains { $0.contains("fsync(") && $0.contains(".1.json.") }, "the file before its link: \(calls)")
        #expect(directorySync(after: link), "the directory after the link: \(calls)")
        let rename = try #require(calls.firstIndex { $0.contains("rename") && $0.contains("migrations.sum\")") }, "\(calls)")
        #expect(directorySync(after: rename), "the directory after the sum's rename: \(calls)")
    }

    /// Only directories the run made go: `new/../old` creates `new`, and names `old`, which was
    /// there before (and stays, with what it holds), however the path reads.
    @Test func aGenerateStoppedMidWriteKeepsADirectoryItDidNotMake() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("old"), withIntermediateDirectories: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(SystemCallDelay.strace))
        process.arguments = ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_enter=8000000:when=1",
                             try CommandRunner().executable.path] + GenerateCommandTests.arguments(1, 2, ["-m", directory.path("new/../old")])
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var writer: pid_t?
        let deadline = Date().addingTimeInterval(120)
        while writer == nil && Date() < deadline && process.isRunning {
            writer = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path("old"))) ?? [])
                .first { $0.hasPrefix(".1.json.") && $0.hasSuffix(".tmp") }
                .flatMap { pid_t($0.dropFirst(".1.json.".count).dropLast(".tmp".count)) }
            usleep(20_000)
        }
        kill(try #require(writer, "no temporary file appeared"), SIGTERM)
        process.waitUntilExit()
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.path("old"), isDirectory: &isDirectory) && isDirectory.boolValue)
    }
}

/// strace, when installed and allowed to trace (a container may forbid it), to delay a system call.
enum SystemCallDelay {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let isAvailable: Bool = {
        guard let strace else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: strace)
        probe.arguments = ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_enter=1000", "/bin/true"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()
}
