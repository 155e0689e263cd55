import Foundation
import Testing
import TestSupport

/// `review` and `diff`, run as a user runs them.
struct ReviewCommandTests {
    static let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis")
    static let migrations = Fixtures.repositoryRoot.appendingPathComponent("migrations").path

    /// A repository at v2 with migration 1 (v1 → v2) committed, and migration 2 (v2 → v3)
    /// generated in the working tree, as a pull request would add it.
    static func pullRequest() throws -> GitFixture {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + GitCommandTests.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 with its migration")
        try GitCommandTests.install(3, in: fixture)
        #expect(try runner.run(["generate", "-t", "RETRY"] + GitCommandTests.configuration, in: fixture.root).status == 0)
        return fixture
    }

    @Test func pendingReviewsWhatTheBranchAdds() throws {
        let fixture = try Self.pullRequest()
        let result = try CommandRunner().run(["review", "--pending", "--base", "HEAD", "--format", "markdown"] + GitCommandTests.configuration,
                                             in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("### Migration 2 · strategy `RETRY`"))
        #expect(!result.standardOutput.contains("### Migration 1"))
        #expect(result.standardOutput.contains("| 2 |  | **removed** | `ScanLicences → FlagUnknownLicence` |"))
        #expect(result.standardOutput.contains("is tainted and will be RETRIED"))
        #expect(!result.standardOutput.contains("**Not shown**"), "both configurations are known")
    }

    /// Changes besides the edges (nowait, propagate_*, failures) need no migration, but the new
    /// workers run in-flight flows with them: the review lists them, in every format.
    @Test func changesBesidesTheEdgesAreListed() throws {
        let fixture = try GitCommandTests.repository(at: 3)
        let runner = try CommandRunner()
        try GitCommandTests.install(4, in: fixture)
        #expect(try runner.run(["generate"] + GitCommandTests.configuration, in: fixture.root).status == 0)
        let review = ["review", "--pending", "--base", "HEAD"] + GitCommandTests.configuration
        let text = try runner.run(review, in: fixture.root)
        #expect(text.standardOutput.contains("other changes (no migration needed; the new workers run in-flight flows with them):\n"
            + "  - reporting_flow: propagate_node_args: true → false\n  - security_analysis_flow: nowait: [notification_flow] → []\n"),
                "\(text.standardOutput)")
        let markdown = try runner.run(review + ["--format", "markdown"], in: fixture.root)
        #expect(markdown.standardOutput.contains("**Other changes** (no migration needed; the new workers run in-flight flows with them)"),
                "\(markdown.standardOutput)")
        let json = try runner.run(review + ["--format", "json"], in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let other = (document["migrations"] as? [[String: Any]])?.first?["other_changes"] as? [String]
        #expect(other?.contains("security_analysis_flow: nowait: [notification_flow] → []") == true, "\(String(describing: other))")
    }

    @Test func theJSONGivesTheReachableStatesAsCounts() throws {
        let fixture = try Self.pullRequest()
        let result = try CommandRunner().run(["review", "--pending", "--base", "HEAD", "--format", "json"] + GitCommandTests.configuration,
                                             in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let flows = try #require((json["migrations"] as? [[String: Any]])?.first?["flows"] as? [[String: Any]])
        let licence = try #require(flows.first { $0["flow"] as? String == "licence_analysis_flow" })
        let sentence = try #require(licence["reachable_states"] as? String)
        let facts = try #require(licence["reachable_state_counts"] as? [String: Any])
        let reachable = try #require(facts["reachable"] as? Int), counts = try #require(facts["counts"] as? [String: Int])
        #expect(sentence.hasPrefix("\(reachable) reachable states"), "\(sentence)")
        #expect(counts.values.reduce(0, +) == reachable && facts["bounded"] as? Bool == false, "\(facts)")
        #expect(counts["retry"].map { sentence.contains("\($0) RETRY") } == true, "\(facts) \(sentence)")
    }

    /// What an added edge would do in a state the old configuration never reaches (Fetch and Parse
    /// running together, where Parse starts once Fetch finished) is said to need a flow carried
    /// over from an earlier configuration, once every reachable state was analysed; what does
    /// happen (both finished: tainted) is said as it was.
    @Test func anAddedEdgeIsArmedOnlyWhereAReachableStateArmsIt() throws {
        let directory = try TemporaryDirectory()
        let nodes = """
            tasks:
              - {name: Fetch, import: app.tasks}
              - {name: Parse, import: app.tasks}
              - {name: Store, import: app.tasks}
              - {name: Audit, import: app.tasks}
            flows: [main_flow]
            storages: []

            """
        let edges = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
                  - {from: Parse, to: Store}

            """
        _ = try directory.write(nodes, to: "old/nodes.yml")
        _ = try directory.write(edges, to: "old/flows.yml")
        _ = try directory.write(nodes, to: "new/nodes.yml")
        _ = try directory.write(edges + "      - {from: [Fetch, Parse], to: Audit}\n", to: "new/flows.yml")
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-N", "old/nodes.yml", "-F", "old/flows.yml", "-n", "new/nodes.yml", "-f", "new/flows.yml",
                                        "-m", "migrations"], in: directory.url)
        #expect(generated.status == 0, "\(generated.standardError)")
        let review = try runner.run(["review", "-m", "migrations", "-n", "new/nodes.yml", "-f", "new/flows.yml"], in: directory.url)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardOutput.contains("- A flow in which all of Fetch, Parse already finished will not run the new edge "
                                               + "Fetch, Parse → Audit (new edge 3); it is tainted (IGNORE: it continues without it).\n"),
                "\(review.standardOutput)")
        #expect(review.standardOutput.contains("- A flow in which all of Fetch, Parse are running gets the new edge Fetch, Parse → Audit "
                                               + "(new edge 3) armed: it runs when they finish. (No state the old configuration reaches has "
                                               + "all of Fetch, Parse running together: only a flow carried over from an earlier "
                                               + "configuration can be in one.)"), "\(review.standardOutput)")
    }

    @Test func pendingSaysWhenTheBranchEditedAMigrationTheBaseHas() throws {
        // An applied migration edited on the branch (and rehashed to hide it from the sum): the
        // PR comment says so, even with nothing added.
        let fixture = try Self.pullRequest()
        let runner = try CommandRunner()
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migration 2")
        let file = fixture.root.appendingPathComponent("migrations/1.json")
        // Line endings alone (a CRLF checkout: core.autocrlf) are no edit, as for the sum and check.
        let committed = try String(contentsOf: file, encoding: .utf8)
        try committed.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let crlf = try runner.run(["review", "--pending", "--base", "HEAD"] + GitCommandTests.configuration, in: fixture.root)
        #expect(crlf.status == 0 && !crlf.standardError.contains("also edits"), "\(crlf.standardError)")
        let edited = committed.replacingOccurrences(of: "\"IGNORE\"", with: "\"FAIL\"")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let markdown = try runner.run(["review", "--pending", "--base", "HEAD", "--format", "markdown"] + GitCommandTests.configuration,
                                      in: fixture.root)
        #expect(markdown.status == 0, "\(markdown.standardError)")
        #expect(markdown.standardOutput.hasPrefix("> [!WARNING]\n> This branch also edits 1.json, which the base already has"),
                "\(markdown.standardOutput)")
        #expect(markdown.standardOutput.contains("No migrations were added since the base."))
        #expect(markdown.standardError.contains("warning: This branch also edits 1.json"))
    }

    @Test func earlierMigrationsAreNamedThroughTheLaterOnes() throws {
        // Migration 1's new side was the working tree, which has moved on to v3: its digest no
        // longer matches, so its edges come from the revision migration 2 records as its old
        // side, and the old side from git.
        let fixture = try Self.pullRequest()
        let result = try CommandRunner().run(["review", "1", "--format", "json"] + GitCommandTests.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let review = try #require((json["migrations"] as? [[String: Any]])?.first)
        let notShown = try #require(review["not_shown"] as? [String])
        #expect(notShown.isEmpty, "\(notShown)")
        let flows = try #require(review["flows"] as? [[String: Any]])
        let edges = try #require(flows.first?["edges"] as? [[String: Any]])
        let added = try #require(edges.first { $0["change"] as? String == "added" })
        #expect((added["new"] as? [String: Any])?["to"] as? [String] == ["VerifySignature"])
    }

    /// A repository at v4 whose nodes file names `migs` as the migration directory, then two
    /// commits, each with its migration: the licence flow's last two edges swap places (1.json),
    /// then its second edge moves to the end with another condition (2.json).
    static func twoLicenceMigrations() throws -> GitFixture {
        let fixture = try GitCommandTests.repository(at: 4)
        let runner = try CommandRunner()
        let nodes = fixture.root.appendingPathComponent("config/nodes.yml")
        try String(contentsOf: nodes, encoding: .utf8).replacingOccurrences(of: "migration_dir: migrations", with: "migration_dir: migs")
            .write(to: nodes, atomically: true, encoding: .utf8)
        try fixture.git("commit", "-q", "-am", "migrations in migs")
        let flows = fixture.root.appendingPathComponent("config/flows/analysis.yml")
        let store = "      - from: CheckLicenceCompatibility\n        to: StoreLicenceReport\n"
        let scan = "      - from: ScanLicences\n        to: CheckLicenceCompatibility\n        condition:\n          name: fieldLenGreater\n"
            + "          args:\n            key: licences\n            length: 0\n"
        let nextFlow = "\n  - name: security_analysis_flow"
        for (moved, replacement, message) in [(store, store, "store report last"),
                                             (scan, scan.replacingOccurrences(of: "length: 0", with: "length: 1"), "scan last, stricter")] {
            let text = try String(contentsOf: flows, encoding: .utf8)
            #expect(text.contains(moved))
            try text.replacingOccurrences(of: moved, with: "").replacingOccurrences(of: nextFlow, with: replacement + nextFlow)
                .write(to: flows, atomically: true, encoding: .utf8)
            let generated = try runner.run(["generate"] + GitCommandTests.configuration, in: fixture.root)
            #expect(generated.status == 0, "\(generated.standardError)")
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", message)
        }
        return fixture
    }

    @Test func anEarlierMigrationIsReviewedWithTheConfigurationsItWasGeneratedBetween() throws {
        let fixture = try Self.twoLicenceMigrations()
        let runner = try CommandRunner()
        // The migration directory comes from the nodes file, as for generate and check.
        let alone = try runner.run(["review", "1"] + GitCommandTests.configuration, in: fixture.root)
        #expect(alone.status == 0, "\(alone.standardError)")
        #expect(alone.standardOutput.contains("licence_analysis_flow: 2 renumbered\n"), "\(alone.standardOutput)")
        #expect(!alone.standardOutput.contains(" changed"), "a later migration's condition change is not this one's")
        let together = try runner.run(["review", "1", "2"] + GitCommandTests.configuration, in: fixture.root)
        #expect(together.standardOutput.hasPrefix(alone.standardOutput + "\n"))

        // An edge that moved and changed counts as renumbered too, as generate counts it, and its graph says where it moved.
        let moved = try runner.run(["review", "2"] + GitCommandTests.configuration, in: fixture.root)
        #expect(moved.standardOutput.contains("licence_analysis_flow: 3 renumbered, 1 changed\n"), "\(moved.standardOutput)")
        #expect(moved.standardOutput.contains("  1      3  changed     ScanLicences → CheckLicenceCompatibility        "
                                              + "fieldLenGreater(key='licences', length=0) ⇒ fieldLenGreater(key='licences', length=1)"),
                "\(moved.standardOutput)")
        let graph = try runner.run(["review", "2", "--format", "dot"] + GitCommandTests.configuration, in: fixture.root)
        #expect(graph.standardOutput.contains(#"xlabel="1→3""#), "\(graph.standardOutput)")

        let pending = try runner.run(["review", "--pending", "--base", "HEAD~1"] + GitCommandTests.configuration, in: fixture.root)
        #expect(pending.status == 0 && pending.standardOutput.hasPrefix("migration 2 "), "\(pending.standardOutput)\(pending.standardError)")
        let analyzed = try runner.run(["analyze", "--git"] + GitCommandTests.configuration, in: fixture.root)
        #expect(analyzed.status == 0 && analyzed.standardOutput.contains("migration 2"), "\(analyzed.standardOutput)\(analyzed.standardError)")
    }

    @Test func aMigrationDirectoryOutsideTheRepositoryIsNamed() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let elsewhere = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: fixture.path("migrations"), withDestinationPath: elsewhere.url.path)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migrations kept elsewhere")
        try GitCommandTests.install(2, in: fixture)
        let runner = try CommandRunner()
        let generated = try runner.run(["generate"] + GitCommandTests.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        #expect(generated.standardError.contains("warning: the migration directory migrations is outside the git repository of the configuration"))
        #expect(FileManager.default.fileExists(atPath: elsewhere.path("1.json")))
        let pending = try runner.run(["review", "--pending"] + GitCommandTests.configuration, in: fixture.root)
        #expect(pending.status == 1)
        #expect(pending.standardError.contains("error: the migration directory migrations is outside the git repository: 'migrations' leads "
            + "through \(fixture.path("migrations")), a symbolic link to \(elsewhere.url.path)"), "\(pending.standardError)")
        #expect(pending.standardError.contains("so no base revision tells which migrations were added"))
    }

    /// A directory outside the repository that does not exist yet is named as it will be, and
    /// check says what to do about it.
    @Test func aNewMigrationDirectoryOutsideTheRepositoryIsNamedWhereItWillBe() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let elsewhere = try TemporaryDirectory()
        let outside = elsewhere.path("new/migrations")
        try GitCommandTests.install(2, in: fixture)
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "-m", outside] + GitCommandTests.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let real = URL(fileURLWithPath: outside).resolvingSymlinksInPath().path
        #expect(generated.standardError.contains("is outside the git repository of the configuration (it resolves to \(real)): "
            + "git does not hold its files, so check, review --pending and history cannot see the migrations a commit adds"),
                "\(generated.standardError)")
        let check = try runner.run(["check", "-m", outside] + GitCommandTests.configuration, in: fixture.root)
        #expect(check.status != 0)
        #expect(check.standardError.contains("so git holds no history of it: move it into the repository"), "\(check.standardError)")
    }

    /// The root directory is named as itself, not as an empty path.
    @Test func theRootAsMigrationDirectoryIsNamed() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        try GitCommandTests.install(2, in: fixture)
        let generated = try CommandRunner().run(["generate", "--dry-run", "-m", "/"] + GitCommandTests.configuration, in: fixture.root)
        #expect(generated.standardError.contains("warning: the migration directory / is outside the git repository of the configuration "
            + "(it resolves to /): "), "\(generated.standardError)")
    }

    @Test func outputDirectoryHoldsTheMarkdownAndTheGraphs() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "markdown", "--output-dir", directory.path("out")],
                                             in: Fixtures.repositoryRoot)
        #expect(result.status == 0, "\(result.standardError)")
        let written = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(written.contains(directory.path("out/review.md")))
        #expect(written.contains(directory.path("out/migration-2-licence_analysis_flow.dot")))
        let markdown = try String(contentsOfFile: directory.path("out/review.md"), encoding: .utf8)
        let hasDot = FileManager.default.isExecutableFile(atPath: "/usr/bin/dot")
        #expect(markdown.contains("![graph of licence\\_analysis\\_flow](migration-2-licence_analysis_flow.svg)") == hasDot)
        #expect(FileManager.default.fileExists(atPath: directory.path("out/migration-2-licence_analysis_flow.svg")) == hasDot)
        // With --format json, standard output is one JSON document naming the files.
        let json = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "json", "--output-dir", directory.path("json")],
                                           in: Fixtures.repositoryRoot)
        #expect(json.status == 0, "\(json.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: [String]])
        #expect(document == ["written": [directory.path("json/review.json")]], "\(json.standardOutput)")
    }

    /// A directory holding a program named `dot` with `script` as its body, and the `PATH` that
    /// finds it first.
    private static func fakeDot(_ script: String, in directory: TemporaryDirectory) throws -> [String: String] {
        let program = try directory.write(script, to: "bin/dot")
        #expect(chmod(program, 0o755) == 0)
        return ["PATH": directory.path("bin") + ":/usr/bin:/bin"]
    }

    /// dot's SVG comes through a pipe and is written by the tool, whole (dot itself exits 0 on a
    /// full disk, leaving a cut file): a large SVG next to a lot of standard error, read at once,
    /// does not block either side.
    @Test func theSVGComesFromDotsOutputWhateverItsSize() throws {
        let directory = try TemporaryDirectory()
        let environment = try Self.fakeDot("""
            #!/bin/sh
            [ "$1" = -Tsvg ] && [ -f "$2" ] && [ $# = 2 ] || exit 3
            head -c 200000 /dev/zero | tr '\\0' e >&2
            printf '<svg>'; head -c 300000 /dev/zero | tr '\\0' x; printf '</svg>\\n'
            """, in: directory)
        let result = try CommandRunner().run(["review", "3", "-m", Self.migrations, "--format", "dot", "--output-dir", directory.path("out")],
                                             in: Fixtures.repositoryRoot, environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        let svg = try String(contentsOfFile: directory.path("out/migration-3-reporting_flow.svg"), encoding: .utf8)
        #expect(svg == "<svg>" + String(repeating: "x", count: 300_000) + "</svg>\n")
        #expect(result.standardOutput.split(separator: "\n").filter { $0.hasSuffix(".svg") }.count == 4, "\(result.standardOutput)")
    }

    /// A disk with room for the DOT file but not for its SVG: dot's own file writing would exit 0
    /// with a cut file; written by the tool, the error names the SVG and no part of it is left.
    @Test(.enabled(if: UnreachableStoreCommandTests.canMountTmpfs)) func anSVGThatDoesNotFitIsAnErrorNotACutFile() throws {
        let directory = try TemporaryDirectory()
        let environment = try Self.fakeDot("#!/bin/sh\nprintf '<svg>'; head -c 400000 /dev/zero | tr '\\0' x; printf '</svg>\\n'\n",
                                           in: directory)
        let disk = directory.path("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        #expect(mount("tmpfs", disk, "tmpfs", 0, "size=256k") == 0)
        defer { umount(disk) }
        let result = try CommandRunner().run(["review", "3", "-m", Self.migrations, "--format", "dot", "--output-dir", disk + "/out"],
                                             in: Fixtures.repositoryRoot, environment: environment)
        #expect(result.status == 2)
        #expect(result.standardError.hasPrefix("error: cannot write \(disk)/out/migration-3-bulk_analysis_flow.svg: No space left on device"),
                "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk + "/out") == ["migration-3-bulk_analysis_flow.dot"])
    }

    /// dot refusing a graph, or writing nothing, is a warning: that flow gets its DOT file only.
    /// dot that cannot start is said once, not once per flow; the Markdown links no SVG then.
    @Test func aDotThatFailsOrCannotStartLeavesTheDOTFiles() throws {
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let arguments = ["review", "3", "-m", Self.migrations, "--format", "markdown"]
        for (script, said) in [("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n", "Error: syntax error in line 1"),
                               ("#!/bin/sh\nexit 0\n", "it wrote nothing")] {
            let environment = try Self.fakeDot(script, in: directory)
            let output = directory.path("out-\(said.count)")
            let result = try runner.run(arguments + ["--output-dir", output], in: Fixtures.repositoryRoot, environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.contains("warning: dot could not draw \(output)/migration-3-reporting_flow.dot: \(said)\n"),
                    "\(result.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".svg") }.isEmpty)
        }
        let environment = try Self.fakeDot("not a program, though executable\n", in: directory)
        let result = try runner.run(arguments + ["--output-dir", directory.path("cannot")], in: Fixtures.repositoryRoot, environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError == "warning: cannot run \(directory.path("bin/dot")) to draw the graphs as SVG (Exec format error); "
                + "only the .dot files are written\n", "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("cannot")).sorted() == [
            "migration-3-bulk_analysis_flow.dot", "migration-3-notification_flow.dot", "migration-3-reporting_flow.dot",
            "migration-3-security_analysis_flow.dot", "review.md"])
        #expect(!(try String(contentsOfFile: directory.path("cannot/review.md"), encoding: .utf8)).contains(".svg"))
    }

    @Test func nothingToReviewStillWritesTheFile() throws {
        let fixture = try Self.pullRequest()
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 with its migration")
        let runner = try CommandRunner()
        let markdown = try runner.run(["review", "--pending", "--base", "HEAD", "--format", "markdown", "--output-dir", "out"]
                                      + GitCommandTests.configuration, in: fixture.root)
        #expect(markdown.status == 0, "\(markdown.standardError)")
        #expect(markdown.standardOutput == "out/review.md\n")
        #expect(try String(contentsOf: fixture.root.appendingPathComponent("out/review.md"), encoding: .utf8)
            == "No migrations were added since the base.\n")
        let json = try runner.run(["review", "--pending", "--base", "HEAD", "--format", "json"] + GitCommandTests.configuration, in: fixture.root)
        #expect(json.standardOutput == "{\n  \"migrations\": []\n}\n")
    }

    /// Without an upstream branch and without --base, the base is HEAD and a committed migration
    /// is not "added": the output itself says so (a CI job posts it), not only standard error,
    /// and the note names a branch this repository has.
    @Test func aBaseThatFellBackToHeadIsSaidInTheOutput() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        try TeamWorkflowTests.commitWithItsMigration({ try GitCommandTests.install(2, in: fixture); return fixture }(), "v2")
        let review = try CommandRunner().run(["review", "--pending", "--format", "markdown"] + GitCommandTests.configuration, in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardOutput.contains("The base is HEAD — the branch has no upstream branch here"), "\(review.standardOutput)")
        #expect(review.standardOutput.contains("No migrations were added since the base."), "\(review.standardOutput)")
        #expect(review.standardError.contains("pass --base (for example --base main)"), "\(review.standardError)")
    }

    /// A write that fails part way through `--output-dir` (here at a file-size limit) leaves the
    /// files written before it, each whole: the error names them, so that no one publishes the
    /// directory as a review.
    @Test func aReviewStoppedPartWayNamesTheFilesItLeft() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path("out")
        // 2,048 bytes in sh's units of 512: the first graph's .dot fits, what follows (its .svg, or the next .dot) does not.
        // (Away from the repository, whose configurations _meta names would draw larger graphs.)
        let result = try CommandRunner().run(["review", "2", "-m", Fixtures.repositoryRoot.appendingPathComponent("migrations").path,
                                              "--format", "markdown", "--output-dir", output],
                                             shellScript: "ulimit -f 4; exec \"$0\" \"$@\"", in: directory.url)
        let said = result.standardError
        #expect(result.status == 2, "\(said)")
        #expect(said.contains("File too large"), "\(said)")
        #expect(said.contains("note: written before the error, each whole: \(output)/migration-2-licence_analysis_flow.dot"), "\(said)")
        #expect(said.contains("the review is not complete without review.md"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: output + "/review.md"))
    }

    @Test func aBranchOfARepositoryWithoutMigrationsYetHasNothingPending() throws {
        // The documented CI job runs review --pending before check: it must not fail first.
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        let review = try runner.run(["review", "--pending", "--base", "HEAD", "-m", "migrations", "--format", "markdown",
                                     "--output-dir", "out"] + GitCommandTests.configuration, in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(try String(contentsOf: fixture.root.appendingPathComponent("out/review.md"), encoding: .utf8)
            == "No migrations were added since the base.\n")
        let analyze = try runner.run(["analyze", "--pending", "--base", "HEAD", "-m", "migrations"], in: fixture.root)
        #expect(analyze.status == 0, "\(analyze.standardError)")
        #expect(analyze.standardOutput == "no migrations were added since the base\n")
        #expect(try runner.run(["analyze", "--base", "HEAD", "-m", "migrations"], in: fixture.root).status == 64)
        // The flows changed without a migration: the comment says so, as check will.
        try GitCommandTests.install(2, in: fixture)
        let forgotten = try runner.run(["review", "--pending", "--base", "HEAD", "-m", "migrations", "--format", "markdown"]
                                       + GitCommandTests.configuration, in: fixture.root)
        #expect(forgotten.status == 0, "\(forgotten.standardError)")
        #expect(forgotten.standardOutput == "No migrations were added since the base, but the flows changed in a way that needs one: "
            + "package\\_analysis\\_flow: 4 edges renumbered, 1 added. `selinon-migrate check` fails until `selinon-migrate generate` "
            + "adds it.\n", "\(forgotten.standardOutput)")
        // …and so does the JSON a bot reads, for review and for analyze.
        for command in ["review", "analyze"] {
            let json = try runner.run([command, "--pending", "--base", "HEAD", "-m", "migrations", "--format", "json"]
                                      + GitCommandTests.configuration, in: fixture.root)
            #expect(json.status == 0, "\(json.standardError)")
            let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
            #expect(document?["unmigrated_changes"] as? [String] == ["package_analysis_flow: 4 edges renumbered, 1 added"],
                    "\(command): \(json.standardOutput)")
        }
        let text = try runner.run(["analyze", "--pending", "--base", "HEAD", "-m", "migrations"] + GitCommandTests.configuration,
                                  in: fixture.root)
        #expect(text.standardOutput == "no migrations were added since the base, but the flows changed in a way that needs one: "
            + "package_analysis_flow: 4 edges renumbered, 1 added; selinon-migrate check fails until selinon-migrate generate adds it\n",
            "\(text.standardOutput)")
    }

    /// A branch that changed many flows and added no migration: the list of changes is cut to
    /// fit --comment-limit like every other review, saying how many were left out.
    @Test func unmigratedChangesAreCutToTheCommentLimit() throws {
        let fixture = try GitFixture()
        let names = (0..<80).map { String(format: "flow_with_a_long_name_%02d", $0) }
        let nodes = "tasks:\n  - {name: A, import: t}\n  - {name: B, import: t}\nflows: [\(names.joined(separator: ", "))]\n"
        func flows(_ edges: String) -> String {
            "flow-definitions:\n" + names.map { "  - {name: \($0), edges: [\(edges)]}\n" }.joined()
        }
        try fixture.commit("v1", ["nodes.yml": nodes, "flows.yml": flows("{from: , to: A}, {from: A, to: B}")])
        try fixture.directory.write(flows("{from: A, to: B}, {from: , to: A}"), to: "flows.yml")
        let result = try CommandRunner().run(["review", "--pending", "--base", "HEAD", "-m", "migrations", "--format", "markdown",
                                              "--comment-limit", "1000", "-n", "nodes.yml", "-f", "flows.yml"], in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.utf16.count <= 1_001, "\(result.standardOutput.utf16.count)")
        #expect(result.standardOutput.hasPrefix("No migrations were added since the base, but the flows changed in a way that needs one: "
            + "flow\\_with\\_a\\_long\\_name\\_00: 2 edges renumbered; "), "\(result.standardOutput)")
        #expect(result.standardOutput.contains(" more (--comment-limit 0 gives all). `selinon-migrate check` fails until"), "\(result.standardOutput)")
        let whole = try CommandRunner().run(["review", "--pending", "--base", "HEAD", "-m", "migrations", "--format", "markdown",
                                             "--comment-limit", "0", "-n", "nodes.yml", "-f", "flows.yml"], in: fixture.root)
        #expect(whole.standardOutput.contains("name\\_79: 2 edges renumbered. `selinon-migrate check`"), "\(whole.standardOutput)")
    }

    @Test func longMarkdownIsShortenedAndSaysSo() throws {
        let result = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "markdown", "--comment-limit", "1000"],
                                             in: Fixtures.repositoryRoot)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.utf16.count <= 1_001)
        #expect(result.standardOutput.contains("> Shortened to fit 1000 characters: "))
        #expect(result.standardError.hasPrefix("note: the Markdown was shortened to fit 1000 characters ("))
        let tooSmall = try CommandRunner().run(["review", "-m", Self.migrations, "--comment-limit", "10"], in: Fixtures.repositoryRoot)
        #expect(tooSmall.status == 64)
        #expect(tooSmall.standardError.contains("--comment-limit must be 0 (no limit) or at least 1000 characters"))
        // Only Markdown is shortened: with another format the limit would be silently ignored.
        for format in ["text", "json", "dot"] {
            let ignored = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", format, "--comment-limit", "2000"],
                                                  in: Fixtures.repositoryRoot)
            #expect(ignored.status == 64, "\(format)")
            #expect(ignored.standardError.contains("--comment-limit shortens Markdown: it goes with --format markdown."), "\(ignored.standardError)")
        }
    }

    /// A command with --format json that stops at an invalid migration directory says so as its
    /// one JSON document, with each problem located, as it does for an invalid configuration.
    @Test func anInvalidMigrationDirectoryIsAJSONDocumentToo() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        try FileManager.default.copyItem(atPath: Self.migrations, toPath: migrations)
        try "{\n".write(toFile: migrations + "/2.json", atomically: false, encoding: .utf8)
        let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis").path
        let store = "sqlite:" + directory.path("s.sqlite")
        let runner = try CommandRunner()
        #expect(try runner.run(["import", "--store", store, "--input", examples + "/inflight-v1.jsonl"]).status == 0)
        for arguments in [["review", "-m", migrations], ["analyze", "-m", migrations, "-N", examples + "/v1/nodes.yml", "-F", examples + "/v1/flows"],
                          ["apply", "-m", migrations, "--store", store, "--dry-run"], ["status", "-m", migrations, "--store", store]] {
            let result = try runner.run(arguments + ["--format", "json"])
            #expect(result.status == 1, "\(arguments): \(result.standardError)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
                                        "\(arguments): \(result.standardOutput)")
            #expect(document["error"] as? String == "invalid-migration-directory", "\(arguments): \(document)")
            #expect(document["migration_directory"] as? String == migrations)
            let problem = try #require((document["problems"] as? [[String: Any]])?.first, "\(arguments): \(document)")
            #expect(problem["file"] as? String == migrations + "/2.json" && problem["line"] as? Int == 2, "\(arguments): \(problem)")
        }
    }

    /// Commands that only read a directory whose files no longer match `migrations.sum` go on,
    /// but each warns, in text and in its JSON, that the files are not the ones generated.
    @Test func readingCommandsWarnAboutAnEditedMigration() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("m")
        try FileManager.default.copyItem(atPath: Self.migrations, toPath: migrations)
        let edited = try String(contentsOfFile: migrations + "/3.json", encoding: .utf8)
        try edited.replacingOccurrences(of: #""tainted_flow_strategy": "IGNORE""#, with: #""tainted_flow_strategy": "RETRY""#)
            .write(toFile: migrations + "/3.json", atomically: false, encoding: .utf8)
        let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis").path
        let store = "sqlite:" + directory.path("s.sqlite")
        let runner = try CommandRunner()
        #expect(try runner.run(["import", "--store", store, "--input", examples + "/inflight-v1.jsonl"]).status == 0)
        for arguments in [["review", "-m", migrations], ["analyze", "-m", migrations, "-N", examples + "/v3/nodes.yml", "-F", examples + "/v3/flows"],
                          ["status", "-m", migrations, "--store", store]] {
            let text = try runner.run(arguments)
            #expect(text.status == 0, "\(arguments): \(text.standardError)")
            #expect(text.standardError.contains("\(migrations)/3.json: warning: 3.json was changed after it was generated"),
                    "\(arguments): \(text.standardError)")
            let json = try runner.run(arguments + ["--format", "json"])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any],
                                        "\(arguments): \(json.standardOutput)")
            let problems = try #require(document["migration_directory_problems"] as? [[String: Any]], "\(arguments): \(document)")
            #expect(problems.map { $0["kind"] as? String } == ["edited"] && problems.first?["file"] as? String == migrations + "/3.json",
                    "\(arguments): \(problems)")
        }
    }

    @Test func outputDirectoryThatIsAFileIsRefusedInWords() throws {
        let directory = try TemporaryDirectory()
        try directory.write("notes\n", to: "out")
        let result = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "markdown", "--output-dir", directory.path("out")],
                                             in: Fixtures.repositoryRoot)
        #expect(result.status == 1, "a wrong path, not a failed write")
        #expect(result.standardError == "error: --output-dir \(directory.path("out")) is a file, not a directory; give a directory (it is created if missing)\n")
        #expect(try String(contentsOfFile: directory.path("out"), encoding: .utf8) == "notes\n")
        let below = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--output-dir", directory.path("out/review")],
                                            in: Fixtures.repositoryRoot)
        #expect(below.status == 1)
        #expect(below.standardError == "error: --output-dir \(directory.path("out/review")) cannot be created: \(directory.path("out")) is a file, "
            + "not a directory; give another directory\n", "\(below.standardError)")
        // A symbolic link that leads nowhere (a loop here) is named, and stays.
        try FileManager.default.createSymbolicLink(atPath: directory.path("loop"), withDestinationPath: "loop")
        let loop = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--output-dir", directory.path("loop")], in: Fixtures.repositoryRoot)
        #expect(loop.status == 1)
        #expect(loop.standardError.contains("--output-dir \(directory.path("loop")) is a symbolic link to loop, which does not exist (or "
            + "leads back to itself)"), "\(loop.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.path("loop")) == "loop")
        // Named with a trailing slash, the same link.
        let slashed = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--output-dir", directory.path("loop/")], in: Fixtures.repositoryRoot)
        #expect(slashed.status == 1 && slashed.standardError.contains("is a symbolic link to loop, which does not exist"), "\(slashed.standardError)")
        let belowLoop = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--output-dir", directory.path("loop/new/out")],
                                                in: Fixtures.repositoryRoot)
        #expect(belowLoop.status == 1)
        #expect(belowLoop.standardError.contains("--output-dir \(directory.path("loop/new/out")) cannot be created: \(directory.path("loop")), "
            + "above it, is a symbolic link to loop, which does not exist (or leads back to itself)"), "\(belowLoop.standardError)")
        // A document path taken by a directory is refused before any graph is written.
        try FileManager.default.createDirectory(atPath: directory.path("graphs/review.md"), withIntermediateDirectories: true)
        let taken = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "markdown", "--output-dir", directory.path("graphs")],
                                            in: Fixtures.repositoryRoot)
        #expect(taken.status == 1)
        #expect(taken.standardError == "error: cannot write \(directory.path("graphs/review.md")): it is a directory; remove it, or give another --output-dir\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("graphs")) == ["review.md"])
        // The migration directory itself would take review.json for a migration: refused, nothing written.
        let copy = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Self.migrations, toPath: copy)
        // `hidden/..` is the migration directory for the kernel (the link's target's parent).
        try FileManager.default.createDirectory(atPath: copy + "/.hidden", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: directory.path("hidden"), withDestinationPath: copy + "/.hidden")
        for given in [copy, copy + "/", directory.path("./migrations"), directory.path("hidden/..")] {
            let into = try CommandRunner().run(["review", "-m", copy, "--format", "json", "--output-dir", given])
            #expect(into.status == 64, "\(into.standardError)")
            #expect(into.standardError.hasPrefix("Error: --output-dir \(given) is the migration directory \(copy), where every file is taken "
                + "for a migration"), "\(into.standardError)")
            #expect(into.standardError.contains("Usage: selinon-migrate review"), "a usage error, shown as one")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy).sorted() == [".hidden", "1.json", "2.json", "3.json", "migrations.sum"])
    }

    /// The output directory is created one level deep, whatever its name — also one character
    /// long, or starting with "-", which `dot` must not take for an option — and a missing
    /// directory above it is refused as a typo, creating nothing.
    @Test func outputDirectoryIsCreatedOneLevelDeep() throws {
        let directory = try TemporaryDirectory()
        for name in ["x", "y/", "-o"] {
            let result = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--format", "markdown", "--output-dir=" + name],
                                                 in: directory.url)
            #expect(result.status == 0, "\(name): \(result.standardError)")
            let written = try FileManager.default.contentsOfDirectory(atPath: directory.path(name)).sorted()
            #expect(written.contains("review.md") && written.contains { $0.hasSuffix(".dot") }, "\(name): \(written)")
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") {
                #expect(written.contains { $0.hasSuffix(".svg") }, "\(name): \(written), \(result.standardError)")
                #expect(!result.standardError.contains("dot could not draw"), "\(result.standardError)")
            }
        }
        let typo = try CommandRunner().run(["review", "2", "-m", Self.migrations, "--output-dir", "reviwes/pr-12"], in: directory.url)
        #expect(typo.status == 1)
        #expect(typo.standardError == "error: --output-dir reviwes/pr-12 cannot be created: the directory reviwes does not exist (only the "
            + "last directory of the path is created: a missing one above it is more likely a typo); create it first, or give another "
            + "directory\n", "\(typo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("reviwes")))
    }

    @Test func editedMigrationsAreReviewedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        let copy = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Self.migrations, toPath: copy)
        let file = copy + "/2.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"RETRY\"", with: "\"IGNORE\"").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CommandRunner().run(["review", "2", "-m", copy], in: directory.url)
        #expect(result.status == 0)
        #expect(result.standardError.contains("\(file): warning: "), "\(result.standardError)")
    }

    /// Without a sum nothing shows whether the files are the ones generated: review says so,
    /// as verify, apply and generate refuse such a directory.
    @Test func aDirectoryWithoutItsSumIsReviewedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        let copy = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Self.migrations, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/migrations.sum")
        let result = try CommandRunner().run(["review", "2", "-m", copy], in: directory.url)
        #expect(result.status == 0)
        #expect(result.standardError.contains("\(copy)/migrations.sum: warning: there is no migrations.sum"), "\(result.standardError)")
    }

    /// A file without `_meta` (Selinon's, or `--no-meta`): edges it does not mention kept their
    /// place, also below the edges it adds — they are not shown as added starting edges.
    @Test func withoutEdgeCountsUnmentionedEdgesKeepTheirPlace() throws {
        let directory = try TemporaryDirectory()
        try directory.write(#"{"migration": {"f": {"tainted_edges": {}, "tainting_nodes": {"2": ["B"]}, "translation": {}}}, "#
                            + #""tainted_flow_strategy": "IGNORE"}"# + "\n", to: "migrations/1.json")
        let result = try CommandRunner().run(["review", "-m", directory.path("migrations")], in: directory.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("1 flow changes: f (1 added)"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("edges 0 and 1 keep their index"), "\(result.standardOutput)")
        #expect(!result.standardOutput.contains("(start)"), "\(result.standardOutput)")
    }

    /// An edge index beyond what a review shows (a hand edit) is too many edges to show; one
    /// beyond what a flow may have (Int.max) is a damaged file, not an overflow or a huge table.
    @Test(arguments: [(#""translation": {"999999": 0}, "tainting_nodes": {}"#, "the migration names 1000000 edges"),
                      (#""translation": {"0": 999999}, "tainting_nodes": {}"#, "the migration names 1000000 edges"),
                      (#""translation": {}, "tainting_nodes": {"999999": ["B"]}"#, "the migration names 1000000 edges"),
                      (#""translation": {"9223372036854775807": 0}, "tainting_nodes": {}"#, "beyond the 1000000 edges a flow may have"),
                      (#""translation": {}, "tainting_nodes": {"9223372036854775807": ["B"]}"#, "beyond the 1000000 edges a flow may have")])
    func anEdgeIndexFarBeyondTheFlowIsNotShown(_ entries: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try directory.write(#"{"migration": {"f": {"tainted_edges": {}, "#+entries+#"}}, "tainted_flow_strategy": "IGNORE"}"# + "\n",
                            to: "migrations/1.json")
        let result = try CommandRunner().run(["review", "-m", directory.path("migrations")], in: directory.url)
        let damaged = message.hasPrefix("beyond")
        #expect(result.status == (damaged ? 1 : 0), "\(result.standardError)")
        #expect((damaged ? result.standardError : result.standardOutput).contains(message), "\(result.standardOutput)\(result.standardError)")
        // The summary says the edges are not shown; it never calls the flow unchanged.
        if !damaged {
            #expect(result.standardOutput.contains("1 flow changes: f (edges not shown: the file names 1000000)"), "\(result.standardOutput)")
            #expect(!result.standardOutput.contains("no edge changes"), "\(result.standardOutput)")
        }
    }

    @Test func aMissingVersionIsAnError() throws {
        let result = try CommandRunner().run(["review", "7", "-m", Self.migrations])
        #expect(result.status == 1)
        #expect(result.standardError.contains("there is no migration 7"))
    }

    @Test func diffShowsStructureAndTheNeedForAMigration() throws {
        let v1 = Self.examples.appendingPathComponent("v1"), v2 = Self.examples.appendingPathComponent("v2")
        let result = try CommandRunner().run(["diff", "-N", v1.appendingPathComponent("nodes.yml").path, "-F", v1.appendingPathComponent("flows").path,
                                              "-n", v2.appendingPathComponent("nodes.yml").path, "-f", v2.appendingPathComponent("flows").path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("package_analysis_flow: needs a migration"))
        #expect(result.standardOutput.contains("security_analysis_flow: no migration needed"))
        #expect(result.standardOutput.hasSuffix("the change needs a migration: selinon-migrate check says whether one covers it, generate writes it\n"))
        // JSON names its facts as generate and history name theirs.
        let json = try CommandRunner().run(["diff", "-N", v1.appendingPathComponent("nodes.yml").path, "-F", v1.appendingPathComponent("flows").path,
                                            "-n", v2.appendingPathComponent("nodes.yml").path, "-f", v2.appendingPathComponent("flows").path,
                                            "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(json.standardOutput)")
        #expect(Set(document.keys).isSuperset(of: ["needs_migration", "added_flows", "removed_flows", "added_tasks", "removed_tasks", "changed_tasks",
                                                   "flows"]), "\(document.keys)")
        #expect(document["needs_migration"] as? Bool == true && document["added_flows"] as? [String] == ["sbom_flow"], "\(json.standardOutput)")
        // Markdown, pasted into a pull request, says what it compares, as text does.
        let markdown = try CommandRunner().run(["diff", "-N", v1.appendingPathComponent("nodes.yml").path, "-F", v1.appendingPathComponent("flows").path,
                                                "-n", v2.appendingPathComponent("nodes.yml").path, "-f", v2.appendingPathComponent("flows").path,
                                                "--format", "markdown"])
        #expect(markdown.standardOutput.hasPrefix("From `\(v1.path)/nodes.yml + \(v1.path)/flows` to `\(v2.path)/nodes.yml + \(v2.path)/flows`."
            + "\n\n**A migration is needed.**\n"), "\(markdown.standardOutput)")
    }

    @Test(arguments: ["review", "diff"])
    func helpTextMatchesItsGolden(_ command: String) throws {
        let result = try CommandRunner().run([command, "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-\(command).txt").path)
    }
}
