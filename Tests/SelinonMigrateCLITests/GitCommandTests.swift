import Foundation
import Testing
import TestSupport

/// `generate` from git, `check` and `history` on real repositories built by the tests.
struct GitCommandTests {
    static let examples = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis")

    /// A repository whose `config/` holds version `version` of the example, committed.
    static func repository(at version: Int) throws -> GitFixture {
        let fixture = try GitFixture()
        try install(version, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v\(version)")
        return fixture
    }

    /// Replaces `config/` with version `version` of the example (uncommitted).
    static func install(_ version: Int, in fixture: GitFixture) throws {
        let target = fixture.root.appendingPathComponent("config")
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: examples.appendingPathComponent("v\(version)"), to: target)
    }

    static let configuration = ["-n", "config/nodes.yml", "-f", "config/flows"]

    /// A repository at v2 whose commit carries the migration from v1 (1.json), as generated.
    static func repositoryWithMigration() throws -> GitFixture {
        let fixture = try repository(at: 1)
        try install(2, in: fixture)
        let generated = try CommandRunner().run(["generate"] + configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        return fixture
    }

    /// ``repositoryWithMigration()`` with a commit "badge" that adds an edge to the reporting
    /// flow, with its migration 2.json.
    static func repositoryWithBadge() throws -> GitFixture {
        let fixture = try repositoryWithMigration()
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", reportingEdge, reportingEdges)
        let generated = try CommandRunner().run(["generate"] + configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "badge")
        return fixture
    }

    /// An edge of the example's reporting flow, and it with one more edge after it (for edits).
    static let reportingEdge = "      - from: CollectResults\n        to: BuildReport\n"
    static let reportingEdges = reportingEdge + "      - from: CollectResults\n        to: RenderBadge\n"

    /// ``repositoryWithMigration()`` with a branch `move` on which each (from, to) was `git mv`ed
    /// (not committed yet).
    static func branchMoving(_ moves: [(from: String, to: String)]) throws -> GitFixture {
        let fixture = try repositoryWithMigration()
        try fixture.git("checkout", "-q", "-b", "move")
        for (from, to) in moves {
            try FileManager.default.createDirectory(atPath: fixture.path((to as NSString).deletingLastPathComponent), withIntermediateDirectories: true)
            try fixture.git("mv", from, to)
        }
        return fixture
    }

    @Test func generateComparesTheLastCommittedConfigurationWithTheWorkingTree() throws {
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let runner = try CommandRunner()
        let result = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "Wrote migrations/1.json\n  package_analysis_flow: 4 edges renumbered, 1 added\n")
        // What comes next, on standard error: review it, commit it with its sum.
        #expect(result.standardError.contains("next: review it (selinon-migrate review 1 -m migrations), then commit migrations/1.json "
            + "and migrations/migrations.sum with the configuration change"), "\(result.standardError)")
        let written = try String(contentsOf: fixture.root.appendingPathComponent("migrations/1.json"), encoding: .utf8)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        #expect(written.contains("\"old\": \"git:\(head) (last change)\""))
        #expect(written.contains("\"new\": \"config/nodes.yml + config/flows\""))
        // Without USER and LOGNAME (the test runs the tool without them, as many containers do),
        // the account of the user id is recorded.
        let account = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        #expect(written.contains("\"user\": \"\(account)\""), "\(written)")
        // The same migration as generating from the two directories.
        let committed = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("migrations/1.json"), encoding: .utf8)
        #expect(written.components(separatedBy: "\"migration\":")[1] == committed.components(separatedBy: "\"migration\":")[1])
    }

    @Test func generateBetweenTwoRevisionsAfterCommitting() throws {
        let fixture = try Self.repository(at: 2)
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3")
        let result = try CommandRunner().run(["generate", "--from", "HEAD~1", "--to", "HEAD", "--dry-run", "--no-meta"] + Self.configuration,
                                             in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("\"licence_analysis_flow\""))
        let unknown = try CommandRunner().run(["generate", "--from", "no-such-branch", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("error: unknown revision 'no-such-branch': no branch, tag or commit of this repository has "
                                               + "that name (git branch -a and git tag list them"), "\(unknown.standardError)")
        // A tag and a branch of one name: refused, naming both, rather than one picked silently.
        try fixture.git("tag", "main", "HEAD~1")
        let shared = try CommandRunner().run(["generate", "--from", "main~0", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(shared.status == 1)
        #expect(shared.standardError.contains("error: 'main' is ambiguous: it names refs/tags/main and refs/heads/main; give the one meant "
            + "in full (refs/tags/main~0 or refs/heads/main~0)"), "\(shared.standardError)")
        let check = try CommandRunner().run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1 && check.standardError.contains("'main' is ambiguous"), "\(check.standardError)")
        let named = try CommandRunner().run(["check", "--base", "refs/heads/main"] + Self.configuration, in: fixture.root)
        #expect(named.status == 0 && !named.standardError.contains("ambiguous"), "the branch, named in full: \(named.standardError)")
        // Too short for a commit id: not "ambiguous", which libgit2 says of it.
        let short = try CommandRunner().run(["generate", "--from", "123", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(short.status == 1)
        #expect(short.standardError.contains("error: unknown revision '123': no branch or tag has that name, and a commit id needs at "
            + "least 4 digits"), "\(short.standardError)")
    }

    /// `--max-file-size` is the limit on files read from git revisions too, not only on those in
    /// the working tree: a limit the working tree passes (and raising it) decides for history alike.
    @Test func theFileSizeLimitAppliesToRevisionsToo() throws {
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let padded = fixture.root.appendingPathComponent("config/flows/ingest.yml").path
        try (try String(contentsOfFile: padded, encoding: .utf8) + "# " + String(repeating: "x", count: 100_000) + "\n")
            .write(toFile: padded, atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2, with a long comment")
        let commit = try fixture.git("rev-parse", "--short=12", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        let runner = try CommandRunner()
        let limited = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD", "--dry-run", "--max-file-size", "50K"] + Self.configuration,
                                     in: fixture.root)
        #expect(limited.status == 1, "\(limited.standardError)")
        #expect(limited.standardError.contains("\(commit):config/flows/ingest.yml: error: the file is "), "\(limited.standardError)")
        #expect(limited.standardError.contains("larger than the limit of 51200 bytes"), "\(limited.standardError)")
        let history = try runner.run(["history", "--max-file-size", "50K"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.contains("v2, with a long comment — invalid configuration\n"), "\(history.standardOutput)")
        let raised = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD", "--dry-run", "--max-file-size", "1M"] + Self.configuration,
                                    in: fixture.root)
        #expect(raised.status == 0, "\(raised.standardError)")
    }

    /// `history` dates a commit by the committer's day where the commit was made, as `git log
    /// --date=short` does: ten past midnight in Kathmandu is the evening before in UTC.
    @Test func historyDatesACommitInItsCommittersTimeZone() throws {
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.run(["commit", "-q", "-m", "v2 in Kathmandu"], environment: ["GIT_COMMITTER_DATE": "2026-12-01T00:10:00+0545"])
        #expect(try fixture.git("log", "-1", "--format=%cd", "--date=short") == "2026-12-01")
        let history = try CommandRunner().run(["history", "--format", "json"] + Self.configuration, in: fixture.root, environment: ["TZ": "UTC"])
        #expect(history.status == 0, "\(history.standardError)")
        #expect(history.standardOutput.contains("\"2026-12-01\"") && !history.standardOutput.contains("2026-11-30"), "\(history.standardOutput)")
    }

    /// `--to REV` alone migrates the change REV brought (from the commit before it), also when
    /// later commits followed — never from a later change back to REV.
    @Test func toARevisionAloneMigratesTheChangeThatRevisionBrought() throws {
        let fixture = try Self.repository(at: 2)
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3")
        try "notes\n".write(to: fixture.root.appendingPathComponent("NOTES"), atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "unrelated")
        let runner = try CommandRunner()
        let expected = try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD~1", "--dry-run", "--no-meta"] + Self.configuration,
                                      in: fixture.root)
        #expect(expected.status == 0 && expected.standardOutput.contains("\"licence_analysis_flow\""), "\(expected.standardError)")
        for target in ["HEAD", "HEAD~1"] {
            let result = try runner.run(["generate", "--to", target, "--dry-run", "--no-meta"] + Self.configuration, in: fixture.root)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == expected.standardOutput, "--to \(target)")
        }
        let first = try fixture.git("rev-parse", "--short=12", "HEAD~2")
        let written = try runner.run(["generate", "--to", "HEAD~1", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(written.standardOutput.contains("\"old\": \"git:\(first) (before "), "\(written.standardOutput)")
        // The first commit of the configuration has nothing before it.
        let root = try runner.run(["generate", "--to", "HEAD~2", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(root.status == 1)
        #expect(root.standardError.contains("was first committed in \(first) (v2): there is no older configuration to migrate from"),
                "\(root.standardError)")
    }

    /// A configuration moved since the base, which has migrations: flows may be in flight. The
    /// move is followed (git finds the renames), so the branch is compared with the configuration
    /// where the base has it: a pure move passes, a move with an edge change needs a migration.
    @Test func aMovedConfigurationIsNotANewOne() throws {
        let fixture = try Self.branchMoving([("config", "deploy/config")])
        try fixture.git("commit", "-q", "-m", "move the configuration")
        let moved = ["-n", "deploy/config/nodes.yml", "-f", "deploy/config/flows"]
        let runner = try CommandRunner()
        let pure = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(pure.status == 0, "\(pure.standardError)")
        let main = try fixture.git("rev-parse", "--short=12", "main")
        #expect(pure.standardOutput == "ok: no flow change since \(main) (main) needs a migration\n", "\(pure.standardOutput)")
        #expect(pure.standardError.contains("note: the configuration was at config/nodes.yml, config/flows in \(main) (main): moved since"),
                "\(pure.standardError)")
        // verify --git follows the move back: the migration from before it matches its change there.
        let verify = try runner.run(["verify", "--git"] + moved, in: fixture.root)
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("1.json: "), "\(verify.standardOutput)")
        // review and analyze read the revisions _meta names where the configuration was then.
        let analyzed = try runner.run(["analyze", "1", "--git"] + moved, in: fixture.root)
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        #expect(analyzed.standardOutput.contains("package_analysis_flow: "), "\(analyzed.standardOutput)")
        let reviewed = try runner.run(["review", "1", "--git"] + moved, in: fixture.root)
        #expect(reviewed.standardOutput.contains("every reachable state: "), "\(reviewed.standardOutput)")
        // A change that needs no migration (a condition) after the move compares with the base's
        // configuration where it was, as without the move.
        try TeamWorkflowTests.edit(fixture, "deploy/config/flows/analysis.yml", "                value: UNKNOWN\n", "                value: UNLISTED\n")
        let condition = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(condition.status == 0, "\(condition.standardError)")
        #expect(condition.standardOutput.contains("no flow change since \(main) (main) needs a migration"), "\(condition.standardOutput)")

        try FileManager.default.removeItem(atPath: fixture.path("deploy/config"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v3"), to: fixture.root.appendingPathComponent("deploy/config"))
        let changed = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(changed.status == 1)
        #expect(changed.standardError.contains("the configuration changed since \(main) (main) without a migration: licence_analysis_flow: "
            + "2 edges renumbered, 1 removed"), "\(changed.standardError)")
        // The fix the hint gives (generate from the base, where the files were then) passes.
        #expect(changed.standardError.contains("hint: run: selinon-migrate generate -n deploy/config/nodes.yml -f deploy/config/flows "
            + "--from \(main)"), "\(changed.standardError)")
        let generated = try runner.run(["generate", "--from", main, "-m", "migrations"] + moved, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let covered = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(covered.status == 0, "\(covered.standardError)")
        #expect(covered.standardOutput.contains("2.json covers the change since \(main) (main)"), "\(covered.standardOutput)")
    }

    /// Before the first migration, flows run on the configuration too: moved and changed in one
    /// commit, it is compared with the one it was moved from (git finds the renames), not taken
    /// for a new configuration; the migration the hint gives passes; and a second configuration
    /// added next to the first is still new.
    @Test func aConfigurationMovedBeforeItsFirstMigrationIsComparedWithItsOldPlace() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("branch", "-q", "-M", "main")
        try fixture.git("checkout", "-q", "-b", "move")
        try fixture.git("mv", "config", "deploy")
        try FileManager.default.removeItem(atPath: fixture.path("deploy"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2"), to: fixture.root.appendingPathComponent("deploy"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "move and edit")
        let moved = ["-n", "deploy/nodes.yml", "-f", "deploy/flows"]
        let runner = try CommandRunner()
        let changed = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(changed.status == 1, "\(changed.standardOutput)")
        let main = try fixture.git("rev-parse", "--short=12", "main")
        #expect(changed.standardError.contains("note: the configuration was at config/nodes.yml, config/flows in \(main) (main): moved since")
                && changed.standardError.contains("changed since \(main) (main) without a migration: package_analysis_flow: 4 edges "
                    + "renumbered, 1 added"), "\(changed.standardError)")
        #expect(changed.standardError.contains("hint: run: selinon-migrate generate -n deploy/nodes.yml -f deploy/flows --from \(main)"),
                "\(changed.standardError)")
        let generated = try runner.run(["generate", "--from", main] + moved, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let covered = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(covered.status == 0, "\(covered.standardError)")
        #expect(covered.standardOutput.contains("1.json covers the change since \(main) (main)"), "\(covered.standardOutput)")

        // A second configuration next to the first one: no flow of it can be in flight.
        try fixture.git("checkout", "-q", "-f", "main")
        try fixture.git("clean", "-q", "-fd")
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2"), to: fixture.root.appendingPathComponent("other"))
        let added = try runner.run(["check", "--base", "main", "-n", "other/nodes.yml", "-f", "other/flows"], in: fixture.root)
        #expect(added.status == 0, "\(added.standardError)")
        #expect(added.standardOutput.contains("the configuration is new since"), "\(added.standardOutput)")
    }

    /// main appends a starting edge (no migration needed) while a branch adds its migration from
    /// before that: merged, the edge entries still match, but the file's edge counts are not the
    /// base's (apply would reject main's in-flight flows holding the new edge), so check refuses
    /// it and says to merge and rebase.
    @Test func aMigrationFromBeforeTheBaseChangedItsFlowsIsRefused() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("branch", "-q", "-M", "main")
        try fixture.git("checkout", "-q", "-b", "feature")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        let runner = try CommandRunner()
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "badge")
        try fixture.git("checkout", "-q", "main")
        let handle = try FileHandle(forWritingTo: fixture.root.appendingPathComponent("config/flows/reporting.yml"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("      - from:\n        to: NotifyMaintainers\n".utf8))
        try handle.close()
        try fixture.git("commit", "-q", "-am", "a starting edge")
        try fixture.git("checkout", "-q", "feature")
        try fixture.git("merge", "-q", "--no-edit", "main")
        let result = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("2.json does not match the configuration change (it starts from 4 edges of 'notification_flow', which has 5 in "),
                "\(result.standardError)")
        #expect(result.standardError.contains("merge main into it first (git merge main), then run: selinon-migrate rebase --onto main"))
    }

    /// A sparse checkout that leaves the configuration out: said, with the directories to add,
    /// before the working tree's "not found".
    @Test func aConfigurationOutsideTheSparseCheckoutIsNamed() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("sparse-checkout", "set", "elsewhere")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("config/nodes.yml")))
        let result = try CommandRunner().run(["check"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("note: config/nodes.yml, config/flows are outside this sparse checkout")
                && result.standardError.contains("(git sparse-checkout add config config/flows)"), "\(result.standardError)")
    }

    /// A sparse checkout that leaves the migration directory out: every command that reads it
    /// says so, with the directory to add, rather than take the migrations for removed.
    @Test func aMigrationDirectoryOutsideTheSparseCheckoutIsNamed() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("sparse-checkout", "set", "config")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations")))
        let runner = try CommandRunner()
        for command in [["check"], ["verify", "--git"], ["history"], ["review", "--pending"], ["generate", "--dry-run"]] {
            let result = try runner.run(command + Self.configuration, in: fixture.root)
            #expect(result.status == 1, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("error: the migration directory migrations is outside this sparse checkout")
                    && result.standardError.contains("(git sparse-checkout add migrations)"), "\(command): \(result.standardError)")
        }
    }

    /// Migrations stored in Git LFS: git holds pointers, which say nothing of what a commit adds
    /// or changes — named, with the fix, not taken for edits; a pointer checked out is named too.
    @Test func migrationsInGitLFSAreNamedAsSuch() throws {
        let fixture = try Self.repositoryWithMigration()
        let file = fixture.path("migrations/1.json")
        let migration = try Data(contentsOf: URL(fileURLWithPath: file))
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:\(String(repeating: "ab", count: 32))\nsize \(migration.count)\n"
        try pointer.write(toFile: file, atomically: true, encoding: .utf8)
        try fixture.git("commit", "-q", "-am", "migrations into LFS")
        let runner = try CommandRunner()
        let checkedOut = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(checkedOut.status == 1)
        #expect(checkedOut.standardError.contains("migrations/1.json:1:1: error: is a Git LFS pointer, not the migration itself")
                && checkedOut.standardError.contains("git lfs pull brings the file here"), "\(checkedOut.standardError)")
        // What git lfs smudges into the working tree: the real file, next to git's pointer.
        try migration.write(to: URL(fileURLWithPath: file))
        let smudged = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(smudged.status == 1)
        #expect(smudged.standardError.contains("migrations/1.json is stored in Git LFS at ") && smudged.standardError.contains("git lfs untrack"),
                "\(smudged.standardError)")
        #expect(!smudged.standardError.contains("must not change"), "\(smudged.standardError)")
    }

    /// Only the flow directory moved (the nodes file stayed): a moved configuration as well, not
    /// one whose flows the base "never defines"; verify --git follows it back.
    @Test func aMovedFlowDirectoryIsAMovedConfiguration() throws {
        let fixture = try Self.branchMoving([("config/flows", "config/flowdefs")])
        try fixture.git("commit", "-q", "-m", "move the flows")
        let moved = ["-n", "config/nodes.yml", "-f", "config/flowdefs"]
        let runner = try CommandRunner()
        let pure = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(pure.status == 0, "\(pure.standardError)")
        #expect(pure.standardOutput.contains("no flow change since") && pure.standardError.contains("config/flows in "),
                "\(pure.standardOutput)\(pure.standardError)")
        let verified = try runner.run(["verify", "--git"] + moved, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A move git does not find as a rename (the files rewritten as they moved: here, long
    /// comments added) is still not a new configuration: check finds the base's configuration
    /// by its name and structure, compares, and says how to compare by hand.
    @Test func aMoveGitDoesNotSeeIsComparedWithTheOldPlaceByName() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("branch", "-q", "-M", "main")
        try fixture.git("checkout", "-q", "-b", "move")
        try fixture.git("rm", "-q", "-r", "config")
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2"), to: fixture.root.appendingPathComponent("deploy"))
        let padding = String(repeating: "# rewritten while moving\n", count: 2_000)
        for file in ["deploy/nodes.yml", "deploy/flows/analysis.yml", "deploy/flows/ingest.yml", "deploy/flows/reporting.yml"] {
            try (padding + String(contentsOfFile: fixture.path(file), encoding: .utf8)).write(toFile: fixture.path(file), atomically: true, encoding: .utf8)
        }
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "move, rewrite and edit")
        let moved = ["-n", "deploy/nodes.yml", "-f", "deploy/flows"]
        let runner = try CommandRunner()
        let changed = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(changed.status == 1, "\(changed.standardOutput)")
        #expect(changed.standardError.contains("where config/nodes.yml (gone since) holds the configuration in-flight flows run on: it was "
            + "moved or renamed, and changed without a migration: package_analysis_flow: 4 edges renumbered, 1 added"), "\(changed.standardError)")
        #expect(changed.standardError.contains("generate --dry-run -N /tmp/selinon-base/config/nodes.yml -F /tmp/selinon-base/config/flows "
            + "-n deploy/nodes.yml -f deploy/flows; generate"), "\(changed.standardError)")
        let base = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v1"), to: base.url.appendingPathComponent("config"))
        let generated = try runner.run(["generate", "-N", base.path("config/nodes.yml"), "-F", base.path("config/flows")] + moved, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let covered = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(covered.status == 0, "\(covered.standardError)")
        #expect(covered.standardOutput.contains("(moved from config/nodes.yml?); 1.json covers its change since then"), "\(covered.standardOutput)")
    }

    /// A flow directory moved in the working tree (`git mv`, not committed yet): generate
    /// compares with the configuration where HEAD has it — a pure move needs nothing, a move with
    /// edits the same migration as the edits alone.
    @Test func generateFollowsAnUncommittedMoveOfTheFlowDirectory() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let moved = ["-n", "config/nodes.yml", "-f", "config/pipelines"]
        try fixture.git("mv", "config/flows", "config/pipelines")
        let pure = try runner.run(["generate", "--dry-run"] + moved, in: fixture.root)
        #expect(pure.status == 0 && pure.standardError.contains("No flow changes need a migration"), "\(pure.standardError)")
        #expect(pure.standardOutput.isEmpty)
        let expected = try runner.run(["generate", "--dry-run", "--no-meta", "-N", Self.examples.appendingPathComponent("v1/nodes.yml").path,
                                       "-F", Self.examples.appendingPathComponent("v1/flows").path, "-n",
                                       Self.examples.appendingPathComponent("v2/nodes.yml").path,
                                       "-f", Self.examples.appendingPathComponent("v2/flows").path, "-m", fixture.path("migrations")], in: fixture.root)
        #expect(expected.status == 0, "\(expected.standardError)")
        try FileManager.default.removeItem(atPath: fixture.path("config/pipelines"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2/flows"), to: fixture.root.appendingPathComponent("config/pipelines"))
        try FileManager.default.removeItem(atPath: fixture.path("config/nodes.yml"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2/nodes.yml"), to: fixture.root.appendingPathComponent("config/nodes.yml"))
        let edited = try runner.run(["generate", "--dry-run", "--no-meta"] + moved, in: fixture.root)
        #expect(edited.status == 0, "\(edited.standardError)")
        #expect(!edited.standardOutput.isEmpty && edited.standardOutput == expected.standardOutput, "\(edited.standardError)")
    }

    /// A flow directory split in two (half its files moved to another directory, both given with
    /// -f) is read in the base as the one directory it was — not "given twice" — and an
    /// uncommitted move leaves verify --git and history reading the history where HEAD has it.
    @Test func aSplitFlowDirectoryAndAnUncommittedMoveAreFollowed() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try FileManager.default.createDirectory(atPath: fixture.path("config/more"), withIntermediateDirectories: true)
        try fixture.git("mv", "config/flows/reporting.yml", "config/flows/ingest.yml", "config/more/")
        let split = ["-n", "config/nodes.yml", "-f", "config/flows", "-f", "config/more"]
        let pending = try runner.run(["generate", "--dry-run"] + split, in: fixture.root)
        #expect(pending.status == 0 && pending.standardError.contains("No flow changes need a migration"), "\(pending.standardError)")
        #expect(try runner.run(["verify", "--git"] + split, in: fixture.root).status == 0)
        try fixture.git("commit", "-q", "-m", "split the flows")
        for command in [["check", "--base", "HEAD~1"], ["verify", "--git"], ["generate", "--from", "HEAD~1", "--dry-run"]] {
            let result = try runner.run(command + split, in: fixture.root)
            #expect(result.status == 0, "\(command): \(result.standardError)")
        }
        let history = try runner.run(["history"] + split, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix(
            "split the flows — no edge changes (moved from config/nodes.yml, config/flows) — no migration needed") == true, "\(history.standardOutput)")

        // The whole configuration moved in the working tree, with an edit and its migration, not committed.
        try fixture.git("mv", "config", "etc")
        try TeamWorkflowTests.edit(fixture, "etc/more/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        let moved = ["-n", "etc/nodes.yml", "-f", "etc/flows", "-f", "etc/more"]
        #expect(try runner.run(["generate"] + moved, in: fixture.root).status == 0)
        let verified = try runner.run(["verify", "--git"] + moved, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardOutput.contains("2.json: ") && verified.standardOutput.contains("→ the working tree"), "\(verified.standardOutput)")
        let listed = try runner.run(["history"] + moved, in: fixture.root)
        #expect(listed.standardOutput.split(separator: "\n").count == 3, "\(listed.standardOutput)")
    }

    /// Flow files named one by one, and a change that deletes one with its flow: every older
    /// revision is read with that file (the configuration workers ran), not as invalid for
    /// lacking it — in the working tree and once committed.
    @Test func aFlowFileDeletedWithItsFlowIsReadWhereItWas() throws {
        let fixture = try Self.repository(at: 3)
        // notification_flow in a file of its own.
        let reporting = try String(contentsOf: fixture.root.appendingPathComponent("config/flows/reporting.yml"), encoding: .utf8)
        let split = try #require(reporting.range(of: "  - name: notification_flow\n"))
        try fixture.directory.write(String(reporting[..<split.lowerBound]), to: "config/flows/reporting.yml")
        try fixture.directory.write("flow-definitions:\n" + reporting[split.lowerBound...], to: "config/flows/notify.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "notifications in a file of their own")
        try Self.install(4, in: fixture)
        try fixture.git("rm", "-q", "config/flows/notify.yml")
        let files = ["-n", "config/nodes.yml", "-f", "config/flows/ingest.yml", "-f", "config/flows/analysis.yml", "-f", "config/flows/reporting.yml",
                     "-m", "config/migrations"]
        let runner = try CommandRunner()
        let check = try runner.run(["check"] + files, in: fixture.root)
        #expect(check.status == 1 && check.standardError.contains("notification_flow: removed"), "\(check.standardError)")
        let generated = try runner.run(["generate"] + files, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        // The committed migration between the example's v3 and v4 (whose flows are in three files).
        func withoutMeta(_ url: URL) throws -> NSDictionary {
            var migration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            migration["_meta"] = nil
            return NSDictionary(dictionary: migration)
        }
        #expect(try withoutMeta(fixture.root.appendingPathComponent("config/migrations/1.json"))
                == withoutMeta(Fixtures.repositoryRoot.appendingPathComponent("migrations/3.json")))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v4")
        for command in [["check", "--base", "HEAD~1"], ["verify", "--git"], ["generate", "--from", "HEAD~1", "--dry-run"]] {
            let result = try runner.run(command + files, in: fixture.root)
            #expect(result.status == 0, "\(command): \(result.standardError)")
            #expect(!result.standardError.contains("never defined") && !result.standardError.contains("moved since"), "\(command): \(result.standardError)")
        }
        let base = try runner.run(["check", "--base", "HEAD~1"] + files, in: fixture.root)
        #expect(base.standardError.contains("note: config/flows/notify.yml, deleted since, was a flow file of the configuration in "),
                "\(base.standardError)")
        let history = try runner.run(["history"] + files, in: fixture.root)
        let lines = history.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("-notification_flow (deleted flow file config/flows/notify.yml) — covered by 1.json") == true, "\(history.standardOutput)")
        #expect(!history.standardOutput.contains("invalid"), "\(history.standardOutput)")
        // The path used again, by a file of another configuration: the revisions before the deletion still read it as it was.
        try fixture.directory.write("flow-definitions:\n  - name: other_flow\n    edges:\n      - {from: , to: FetchMetadata}\n",
                                    to: "config/flows/notify.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "another configuration's file at the old path")
        let deletion = try runner.run(["diff", "--from", "HEAD~2", "--to", "HEAD~1"] + Array(files.dropLast(2)), in: fixture.root)
        #expect(deletion.status == 0 && !deletion.standardError.contains("never defined"), "\(deletion.standardError)")
        #expect(deletion.standardOutput.contains("notification_flow"), "the flow the deleted file defined is compared: \(deletion.standardOutput)")
    }

    /// A branch that renames the flow directory and changes edges without a migration fails
    /// check, also when the base has no migrations yet (it is not a new configuration: the
    /// nodes file is where it was, and the flows moved).
    @Test func checkComparesAMovedFlowDirectoryWithWhereItWas() throws {
        let fixture = try Self.repository(at: 2)
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.git("mv", "config/flows", "config/pipelines")
        try fixture.git("commit", "-q", "-m", "rename the flow directory")
        try FileManager.default.removeItem(atPath: fixture.path("config/pipelines"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v3/flows"), to: fixture.root.appendingPathComponent("config/pipelines"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without its migration")
        let moved = ["-n", "config/nodes.yml", "-f", "config/pipelines"]
        let runner = try CommandRunner()
        let check = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(check.status == 1, "\(check.standardOutput)")
        let base = try fixture.git("rev-parse", "--short=12", "main")
        #expect(check.standardError.contains("note: the configuration was at config/nodes.yml, config/flows in \(base) (main): moved since"),
                "\(check.standardError)")
        #expect(check.standardError.contains("changed since \(base) (main) without a migration"), "\(check.standardError)")
        // The command the hint gives works across the move, and then check passes.
        #expect(try runner.run(["generate", "--from", base] + moved, in: fixture.root).status == 0)
        let fixed = try runner.run(["check", "--base", "main"] + moved, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    /// Copies are not moves: the history of a configuration copied elsewhere (the original kept)
    /// starts at the copy, so verify --git cannot place the migration from before it — and says
    /// why, without advising to delete it.
    @Test func verifyAfterACopyCannotPlaceEarlierMigrations() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try FileManager.default.createDirectory(atPath: fixture.path("deploy"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path("config"), toPath: fixture.path("deploy/config"))
        try FileManager.default.copyItem(atPath: fixture.path("config/flows"), toPath: fixture.path("config/flowdefs"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "copy the configuration")
        let copiedAt = try fixture.git("rev-parse", "--short=12", "HEAD")
        let whole = try runner.run(["verify", "--git", "-n", "deploy/config/nodes.yml", "-f", "deploy/config/flows", "-m", "migrations"],
                                   in: fixture.root)
        #expect(whole.status == 1)
        #expect(whole.standardError.contains("the configuration's history starts at \(copiedAt) (copy the configuration), which "
            + "created its files (a copy, or a move that git does not find as a rename)"), "\(whole.standardError)")
        #expect(!whole.standardError.contains("delete it"), "\(whole.standardError)")
        // Only the flows copied: the nodes file's history goes back, without flows there.
        let flows = try runner.run(["verify", "--git", "-n", "config/nodes.yml", "-f", "config/flowdefs"], in: fixture.root)
        #expect(flows.status == 1)
        #expect(flows.standardError.contains("could not be read at 2 earlier revisions (moved in a way git does not find as a rename?)")
                && flows.standardError.contains("compare it by hand before changing anything"), "\(flows.standardError)")
    }

    /// Configuration and migration directory moved in one commit, with an edge change: both moves
    /// are followed, so the change is found and named.
    @Test func aConfigurationMovedWithItsMigrationsIsNotANewOne() throws {
        let fixture = try Self.branchMoving([("config", "deploy/config"), ("migrations", "deploy/migrations")])
        try TeamWorkflowTests.edit(fixture, "deploy/config/nodes.yml", "migration_dir: migrations", "migration_dir: deploy/migrations")
        try TeamWorkflowTests.edit(fixture, "deploy/config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        try fixture.git("commit", "-q", "-am", "move everything, with an edge more")
        let check = try CommandRunner().run(["check", "--base", "main", "-n", "deploy/config/nodes.yml", "-f", "deploy/config/flows"],
                                            in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("note: the migration directory moved from migrations (in ")
                && check.standardError.contains("without a migration: reporting_flow: 3 edges renumbered, 1 added"), "\(check.standardError)")
    }

    /// The migration directory moved with `migration_dir`: the base's migrations are read where
    /// the base's configuration kept them, so a pure move is no change.
    @Test func aMovedMigrationDirectoryIsFollowedToTheBase() throws {
        let fixture = try Self.branchMoving([("migrations", "db/migrations")])
        try TeamWorkflowTests.edit(fixture, "config/nodes.yml", "migration_dir: migrations", "migration_dir: db/migrations")
        try fixture.git("commit", "-q", "-am", "move the migrations")
        for options in [[], ["-m", "db/migrations"]] {
            let check = try CommandRunner().run(["check", "--base", "main"] + options + Self.configuration, in: fixture.root)
            #expect(check.status == 0, "\(options): \(check.standardError)")
            #expect(check.standardError.contains("note: the migration directory moved from migrations (in "), "\(check.standardError)")
        }
        // --pending follows the move too: the moved files are the base's, not the branch's.
        let runner = try CommandRunner()
        let unchanged = try runner.run(["review", "--pending", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(unchanged.status == 0 && unchanged.standardOutput == "No migrations were added since the base.\n",
                "\(unchanged.standardOutput)\(unchanged.standardError)")
        #expect(unchanged.standardError.contains("note: the migration directory moved from migrations (in "), "\(unchanged.standardError)")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0 && generated.standardOutput.hasPrefix("Wrote db/migrations/2.json"), "\(generated.standardOutput)\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "an edge more")
        let pending = try runner.run(["review", "--pending", "--base", "main", "--format", "json"] + Self.configuration, in: fixture.root)
        let versions = try JSONSerialization.jsonObject(with: Data(pending.standardOutput.utf8)) as? [String: Any]
        #expect((versions?["migrations"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [2], "\(pending.standardOutput)")
        let analyzed = try runner.run(["analyze", "--pending", "--base", "main", "--git"] + Self.configuration, in: fixture.root)
        #expect(analyzed.status == 0 && analyzed.standardOutput.hasPrefix("migration 2"), "\(analyzed.standardOutput)\(analyzed.standardError)")
    }

    /// The same change made twice (an edge added and removed, twice): each removal is covered
    /// by its own file, and a removal without one is not credited with the earlier one's.
    @Test func aChangeMadeTwiceIsCoveredByItsOwnMigrationOnly() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let (plain, extra) = (Self.reportingEdge, Self.reportingEdges)
        func step(_ old: String, _ new: String, _ message: String, migrate: Bool) throws {
            try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", old, new)
            if migrate {
                let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
                #expect(generated.status == 0, "\(generated.standardError)")
            }
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", message)
        }
        try step(plain, extra, "add (1)", migrate: true)
        try step(extra, plain, "remove (1)", migrate: true)
        try step(plain, extra, "add (2)", migrate: true)
        try step(extra, plain, "remove (2), no migration", migrate: false)
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.contains("remove (2), no migration — reporting_flow — needs migration"), "\(history.standardOutput)")
        #expect(history.standardOutput.contains("remove (1) — reporting_flow — covered by 2.json\n"), "\(history.standardOutput)")
    }

    /// A change, its migration, a commit changing it back without one, and the change again:
    /// the migration of the first change does not cover the last (flows took it already), and
    /// generate gives the two steps that do.
    @Test func aChangeBackWithoutMigrationIsNotCoveredByTheMigrationOfTheChange() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let (plain, extra) = (Self.reportingEdge, Self.reportingEdges)
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", plain, extra)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "add an edge")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", extra, plain)
        try fixture.git("commit", "-q", "-am", "remove it, no migration")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", plain, extra)

        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD"), parent = try fixture.git("rev-parse", "--short=12", "HEAD~1")
        #expect(refused.standardError.contains("\(head) (remove it, no migration), the commit that made the old configuration, changed "
            + "flows without a migration: migrations/1.json leads to the configuration before it"), "\(refused.standardError)")
        #expect(refused.standardError.contains("--from \(parent) --to \(head); then run"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations/2.json")))
        // The two steps it gives.
        #expect(try runner.run(["generate", "--from", parent, "--to", head] + Self.configuration, in: fixture.root).status == 0)
        let last = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(last.status == 0 && last.standardOutput.hasPrefix("Wrote migrations/3.json"), "\(last.standardError)")
    }

    /// `--from` a commit before the one that made the configuration the latest migration leads
    /// to, when the counts of edges alone cannot tell (each change replaces an edge's targets):
    /// the comparison would take in the change that migration made already, or — with `--to`
    /// before that commit — migrate an earlier change after it. Both are refused with what to do.
    @Test func generateFromBeforeTheLatestMigrationsConfigurationIsRefused() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try fixture.git("commit", "-q", "-am", "licence store, no migration")
        try TeamWorkflowTests.changeLicenceReview(fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "licence review")
        try TeamWorkflowTests.removeNotification(fixture)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")

        let overlapping = try runner.run(["generate", "--from", "HEAD~2"] + Self.configuration, in: fixture.root)
        #expect(overlapping.status == 1)
        #expect(overlapping.standardError.contains("error: the old configuration (git:\(try fixture.git("rev-parse", "--short=12", "HEAD~2")) "
            + "(HEAD~2)) comes before \(head) (licence review), which made the configuration migrations/1.json leads to: flows in "
            + "flight at version 1 run that commit's configuration"), "\(overlapping.standardError)")
        #expect(overlapping.standardError.contains("hint: compare from that commit: selinon-migrate generate -n "
            + "config/nodes.yml -f config/flows --from \(head)\n"), "\(overlapping.standardError)")
        let dryRun = try runner.run(["generate", "--from", "HEAD~2", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(dryRun.status == 1 && dryRun.standardError.contains("comes before \(head) (licence review), which made the "
            + "configuration migrations/1.json leads to; a real run would refuse it"), "\(dryRun.standardError)")
        let earlier = try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(earlier.status == 1 && earlier.standardError.contains("comes before \(head) (licence review), which made the "
            + "configuration migrations/1.json leads to: flows in flight at version 1 run a later configuration"), "\(earlier.standardError)")
        #expect(earlier.standardError.contains("hint: a migration of that change goes before 1.json, not after it; selinon-migrate "
            + "verify --git -n config/nodes.yml -f config/flows says"), "\(earlier.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations/2.json")))

        // The hint's command continues the history.
        let continued = try runner.run(["generate", "--from", head] + Self.configuration, in: fixture.root)
        #expect(continued.status == 0 && continued.standardOutput.hasPrefix("Wrote migrations/2.json"), "\(continued.standardError)")
    }

    /// The latest migration came with a merge (a branch's, main having changed a condition
    /// meanwhile, so no commit has the configuration it leads to): `--from` the commit before the
    /// merge is refused, naming the merge. `--from` a commit on the merged side — main, merged
    /// into a feature branch — is not on this line, and is not refused.
    @Test func generateFromBeforeAMergeThatBroughtTheLatestMigrationIsRefused() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try TeamWorkflowTests.commitWithItsMigration(fixture, "feature: licence store")
        try fixture.git("checkout", "-q", "main")
        try TeamWorkflowTests.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-a", "-m", "main: a condition")
        try fixture.git("merge", "-q", "--no-ff", "--no-edit", "feature")
        try TeamWorkflowTests.removeNotification(fixture)
        let merge = try fixture.git("rev-parse", "--short=12", "HEAD")

        let refused = try runner.run(["generate", "--from", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1 && refused.standardError.contains("comes before \(merge) (Merge branch 'feature'), which added "
            + "migrations/1.json with its change"), "\(refused.standardError)")
        #expect(refused.standardError.contains("--from \(merge)\n"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations/2.json")))

        // On a feature branch that merged main, main's commit is on the merged side.
        let other = try Self.repository(at: 1)
        try TeamWorkflowTests.changeLicenceStore(other)
        try TeamWorkflowTests.commitWithItsMigration(other, "main: licence store")
        try other.git("checkout", "-q", "-b", "feature")
        try TeamWorkflowTests.removeNotification(other)
        try other.git("commit", "-q", "-a", "-m", "feature: no notification, no migration yet")
        try other.git("checkout", "-q", "main")
        try TeamWorkflowTests.edit(other, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try other.git("commit", "-q", "-a", "-m", "main: a condition")
        try other.git("checkout", "-q", "feature")
        try other.git("merge", "-q", "--no-edit", "main")
        let fromMain = try runner.run(["generate", "--from", "main"] + Self.configuration, in: other.root)
        #expect(fromMain.status == 0 && fromMain.standardOutput.hasPrefix("Wrote migrations/2.json"), "\(fromMain.standardError)")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: other.root).status == 0)
    }

    /// A feature branch with a change but no migration merges main, which has a migration: the
    /// merge's configuration is main's and the branch's change. Generating the next edit from it
    /// would leave the branch's change unmigrated, so generate names the step from main first;
    /// the two steps satisfy check.
    @Test func generateAfterMergingMainNamesTheBranchsUnmigratedChangeFirst() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try TeamWorkflowTests.removeNotification(fixture)
        try fixture.git("commit", "-q", "-am", "feature: no notification, no migration")
        try fixture.git("checkout", "-q", "main")
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try TeamWorkflowTests.commitWithItsMigration(fixture, "main: licence store")
        try fixture.git("checkout", "-q", "feature")
        try fixture.git("merge", "-q", "--no-edit", "main")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        let (merge, main) = (try fixture.git("rev-parse", "--short=12", "HEAD"), try fixture.git("rev-parse", "--short=12", "main"))

        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1 && !FileManager.default.fileExists(atPath: fixture.path("migrations/2.json")))
        #expect(refused.standardError.contains("hint: first migrate that commit's change: selinon-migrate generate -n config/nodes.yml "
            + "-f config/flows --from \(main) --to \(merge); then run"), "\(refused.standardError)")
        #expect(try runner.run(["generate", "--from", main, "--to", merge] + Self.configuration, in: fixture.root).status == 0)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        let checked = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 0, "\(checked.standardError)")
    }

    /// The last commit came with its migration; an uncommitted migration undoes it, and
    /// generate runs again after more edits: the refusal is the one for a second migration
    /// from the same configuration (delete the uncommitted one), not a claim that the commit
    /// lacks its migration.
    @Test func generatingAgainAfterUndoingTheLastChangeAsksToReplaceTheUncommittedMigration() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try Self.install(1, in: fixture)
        let undone = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(undone.status == 0 && undone.standardOutput.hasPrefix("Wrote migrations/2.json"), "\(undone.standardError)")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)

        let again = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(again.status == 1)
        #expect(again.standardError.contains("migrations/2.json already migrates from this old configuration"), "\(again.standardError)")
        #expect(!again.standardError.contains("without a migration"), "\(again.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations/3.json")))
    }

    /// The last commit's configuration is invalid (fixed in the working tree): it cannot be
    /// fixed, and no flow runs it — the error names the last valid configuration to migrate from.
    @Test func anInvalidOldRevisionNamesTheLastValidConfiguration() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let valid = try fixture.git("rev-parse", "--short=12", "HEAD")
        let broken = "      - from: CollectResults\n        to: BuildRepor\n"
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, broken)
        try fixture.git("commit", "-q", "-am", "typo")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", broken, Self.reportingEdges)

        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("error: the old configuration has 1 error ("), "\(refused.standardError)")
        #expect(refused.standardError.contains("the last valid one before it is \(valid) (v1), so --from \(valid)"), "\(refused.standardError)")

        // check takes an older base with --base, and with --format json says it all as JSON.
        let checked = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 1)
        #expect(checked.standardError.contains("so --base \(valid)"), "\(checked.standardError)")
        #expect(!checked.standardError.contains("--from"), "\(checked.standardError)")
        let document = try #require(JSONSerialization.jsonObject(with: Data(checked.standardOutput.utf8)) as? [String: Any])
        #expect(document["error"] as? String == "invalid-configuration")
        #expect(document["configuration"] as? String == "old")
        #expect((document["hint"] as? String)?.contains("so --base \(valid)") == true, "\(document)")
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1 && (diagnostics.first?["file"] as? String)?.hasSuffix(":config/flows/reporting.yml") == true, "\(diagnostics)")
        #expect(diagnostics.first?["severity"] as? String == "error" && diagnostics.first?["line"] as? Int != nil)

        let generated = try runner.run(["generate", "--from", valid] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0 && generated.standardOutput.hasPrefix("Wrote migrations/1.json"), "\(generated.standardError)")
    }

    /// The migration directory is missing from the working tree (a sparse checkout leaves it out)
    /// while HEAD holds it: generate refuses to start a second history at 1.json.
    @Test func aCommittedMigrationDirectoryMissingFromTheWorkingTreeIsNotReplaced() throws {
        let fixture = try Self.repositoryWithMigration()
        try FileManager.default.removeItem(atPath: fixture.path("migrations"))
        try Self.install(3, in: fixture)
        let runner = try CommandRunner()
        for dryRun in [[], ["--dry-run"]] {
            let refused = try runner.run(["generate"] + dryRun + Self.configuration, in: fixture.root)
            #expect(refused.status == 1)
            #expect(refused.standardError.contains("error: the migration directory migrations is not in the working tree, but HEAD "
                + "holds 1 migration there"), "\(refused.standardError)")
            #expect(refused.standardError.contains("git checkout HEAD -- migrations"), "\(refused.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations")))
    }

    /// Objects this user may not read (a `sudo git commit` leaves root's object directories) look
    /// missing to libgit2: said as a read failure (exit 2), not "unknown revision" (a typo, exit 1).
    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func unreadableObjectsAreAReadFailureNotAnUnknownRevision() throws {
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        let parent = try fixture.git("rev-parse", "HEAD~1").trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try fixture.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        // One commit in 256 shares its parent's object directory: then HEAD itself cannot be read.
        let unreadable = head.prefix(2) == parent.prefix(2) ? "HEAD" : "HEAD~1"
        let chown = try Process.run(URL(fileURLWithPath: "/bin/chown"), arguments: ["-R", "65534:65534", fixture.root.path])
        chown.waitUntilExit()
        chmod(fixture.root.path, 0o755)
        let fanOut = fixture.path(".git/objects/" + parent.prefix(2))
        Foundation.chown(fanOut, 0, 0)
        chmod(fanOut, 0o700)
        let result = try #require(try CommandRunner().runAsNobody(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root,
                                                                  environment: ["HOME": "/tmp"]))
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("cannot resolve '\(unreadable)': \(fanOut) cannot be read by this user"), "\(result.standardError)")
        #expect(!result.standardError.contains("unknown revision"))
        // Given back to root, the fixture's owner, so the temporary directory can be removed.
        let back = try Process.run(URL(fileURLWithPath: "/bin/chown"), arguments: ["-R", "0:0", fixture.root.path])
        back.waitUntilExit()
    }

    /// A repository owned by another user, which git reads only when trusted (safe.directory):
    /// the repository cannot be read — exit 2, a CI gate must not take it for a missing
    /// migration (exit 1) — and the message says how to trust it.
    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func anotherUsersRepositoryIsAReadFailure() throws {
        let fixture = try Self.repository(at: 1)
        let open = try Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "a+rX", fixture.root.path])
        open.waitUntilExit()
        let result = try #require(try CommandRunner().runAsNobody(["check"] + Self.configuration, in: fixture.root,
                                                                  environment: ["HOME": "/tmp"]))
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("safe.directory"), "\(result.standardError)")
        #expect(!result.standardError.contains("could not be read"), "\(result.standardError)")
        // HOME another user's (sudo without -H): the trust may be in the file that cannot be read.
        let home = try TemporaryDirectory()
        try home.write("[safe]\n\tdirectory = *\n", to: ".gitconfig")
        #expect(chmod(home.url.path, 0o700) == 0)
        let sudo = try #require(try CommandRunner().runAsNobody(["check"] + Self.configuration, in: fixture.root,
                                                                environment: ["HOME": home.url.path]))
        #expect(sudo.status == 2, "\(sudo.standardError)")
        #expect(sudo.standardError.contains("(\(home.url.path)/.gitconfig and \(home.url.path)/.config/git/config could not be read — permission "
            + "denied — so a safe.directory entry there was not seen: is HOME another user's?)"), "\(sudo.standardError)")
    }

    /// A flow directory that is a submodule: its files are in another repository, so the
    /// configuration at a revision cannot be read — said, rather than read as "no flows there".
    @Test func aFlowDirectoryThatIsASubmoduleIsNamed() throws {
        let flows = try GitFixture()
        try FileManager.default.copyItem(atPath: Self.examples.appendingPathComponent("v1/flows").path, toPath: flows.path("f"))
        try flows.git("add", "-A")
        try flows.git("commit", "-q", "-m", "flows")
        let fixture = try GitFixture()
        try FileManager.default.createDirectory(atPath: fixture.path("config"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.examples.appendingPathComponent("v1/nodes.yml").path, toPath: fixture.path("config/nodes.yml"))
        try fixture.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", flows.root.path, "config/flows")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        // An edit in the submodule's checkout: check must compare with HEAD's configuration.
        let handle = try FileHandle(forWritingTo: fixture.root.appendingPathComponent("config/flows/f/ingest.yml"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("# edited\n".utf8))
        try handle.close()
        let result = try CommandRunner().run(["check"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("'config/flows' is a git submodule: its files are in another repository"), "\(result.standardError)")
        // verify --git and history read every revision: the same error, not a pass over
        // configurations that "cannot be loaded".
        for command in [["verify", "--git"], ["history"]] {
            let read = try CommandRunner().run(command + Self.configuration, in: fixture.root)
            #expect(read.status == 1, "\(command): \(read.standardOutput)")
            #expect(read.standardError.contains("'config/flows' is a git submodule"), "\(command): \(read.standardError)")
        }
    }

    /// A warning the old and the new configuration share is said once, where it can be fixed:
    /// at the working tree's file, not again at the revision's.
    @Test func aWarningBothConfigurationsHaveIsSaidOnce() throws {
        let unused = "  - name: NeverRun\n    import: package_analysis.tasks\n"
        let fixture = try GitFixture()
        for version in [1, 2] {
            try Self.install(version, in: fixture)
            let nodes = fixture.root.appendingPathComponent("config/nodes.yml")
            let text = try String(contentsOf: nodes, encoding: .utf8)
            try text.replacingOccurrences(of: "tasks:\n", with: "tasks:\n" + unused).write(to: nodes, atomically: true, encoding: .utf8)
            if version == 1 {
                try fixture.git("add", "-A")
                try fixture.git("commit", "-q", "-m", "v1")
            }
        }
        let generated = try CommandRunner().run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let warnings = generated.standardError.components(separatedBy: "\n").filter { $0.contains("task 'NeverRun' is never run") }
        #expect(warnings.count == 1 && warnings.first?.hasPrefix("config/nodes.yml:") == true, "\(generated.standardError)")
    }

    /// Right after generate, review and analyze without -n/-f: the files `_meta.new` names lead
    /// to the repository, so the old configuration (a revision) is read too and the review is
    /// whole — a changed condition shown, not an edge called "kept" with the new one.
    @Test func reviewWithoutAConfigurationFindsTheRepositoryThroughTheRecordedFiles() throws {
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let runner = try CommandRunner()
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        let review = try runner.run(["review", "1"], in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(!review.standardOutput.contains("not shown"), "\(review.standardOutput)")
        #expect(review.standardOutput.contains("every reachable state"), "\(review.standardOutput)")
        let analyze = try runner.run(["analyze", "1"], in: fixture.root)
        #expect(analyze.status == 0, "\(analyze.standardError)")
        // From elsewhere the recorded paths lead nowhere: the review says what it cannot show.
        let elsewhere = try runner.run(["review", "1", "-m", fixture.path("migrations")], in: fixture.root.appendingPathComponent("config"))
        #expect(elsewhere.standardOutput.contains("not shown"), "\(elsewhere.standardOutput)")
    }

    /// A configuration in a submodule, checked from the superproject: HEAD and --base would be
    /// the submodule's, not the superproject's the user means (a superproject commit that moves
    /// the submodule to a change without a migration passed) — refused with where to run and how
    /// to name the commit a superproject revision records. Reviewing named versions (commit ids
    /// from _meta) still reads git.
    @Test func aConfigurationInASubmoduleIsCheckedInsideIt() throws {
        let configuration = try Self.repositoryWithMigration()
        let pinned = try configuration.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        try Self.install(3, in: configuration)
        try configuration.git("add", "-A")
        try configuration.git("commit", "-q", "-m", "v3 without a migration")
        try Data("docs\n".utf8).write(to: configuration.root.appendingPathComponent("README"))
        try configuration.git("add", "-A")
        try configuration.git("commit", "-q", "-m", "docs")
        let superproject = try GitFixture()
        try superproject.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", configuration.root.path, "cfg")
        try superproject.git("-C", "cfg", "checkout", "-q", pinned)
        try superproject.git("add", "-A")
        try superproject.git("commit", "-q", "-m", "pin the configuration at v2")
        try superproject.git("-C", "cfg", "checkout", "-q", "main")
        try superproject.git("add", "-A")
        try superproject.git("commit", "-q", "-m", "move the configuration to v3")
        let nested = ["-n", "cfg/config/nodes.yml", "-f", "cfg/config/flows", "-m", "cfg/migrations"]
        let runner = try CommandRunner()
        for command in [["check", "--base", "HEAD~1"], ["check"], ["history"], ["review", "--pending", "--base", "HEAD~1"]] {
            let refused = try runner.run(command + nested, in: superproject.root)
            #expect(refused.status == 1, "\(command): \(refused.standardOutput)")
            #expect(refused.standardError.contains("'cfg/config/nodes.yml' is in cfg, a repository of its own (a submodule?) inside the "
                + "repository of the current directory") || refused.standardError.contains("'cfg/migrations' is in cfg"),
                    "\(command): \(refused.standardError)")
            #expect(refused.standardError.contains("--base \"$(git rev-parse REV:cfg)\""), "\(command): \(refused.standardError)")
        }
        // Inside the submodule, with the commit the superproject's base records: the change
        // without a migration is found.
        let base = try superproject.git("rev-parse", "HEAD~1:cfg").trimmingCharacters(in: .whitespacesAndNewlines)
        let inside = try runner.run(["check", "--base", base] + Self.configuration, in: superproject.root.appendingPathComponent("cfg"))
        #expect(inside.status == 1, "\(inside.standardError)")
        #expect(inside.standardError.contains("without a migration"), "\(inside.standardError)")
        let review = try runner.run(["review", "1"] + nested, in: superproject.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(!review.standardError.contains("a repository of its own"), "\(review.standardError)")
    }

    /// A migration the base has, removed on the branch: the hint restores it with the sum, and
    /// check passes again.
    @Test func aRemovedMigrationIsRestoredWithItsSum() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("checkout", "-q", "-b", "clean-up")
        try fixture.git("rm", "-q", "migrations/1.json")
        let runner = try CommandRunner()
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        try fixture.git("commit", "-q", "-am", "remove a migration")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        let base = try fixture.git("rev-parse", "--short=12", "main")
        #expect(check.standardError.contains("hint: restore it, with the sum that lists it: git checkout \(base) -- migrations/1.json "
            + "migrations/migrations.sum"), "\(check.standardError)")
        try fixture.git("checkout", base, "--", "migrations/1.json", "migrations/migrations.sum")
        let again = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(again.status == 0, "\(again.standardError)")
    }

    /// The revisions `_meta` names are gone after a history rewrite, but their configurations are
    /// still in the history: analyze and review --git find them by their digests.
    @Test func configurationsOfRewrittenRevisionsAreFoundByTheirDigests() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("rebase", "-q", "--root", "--force-rebase")
        try fixture.git("reflog", "expire", "--expire=now", "--all")
        try fixture.git("gc", "-q", "--prune=now")
        let runner = try CommandRunner()
        let analyze = try runner.run(["analyze", "1", "--git"] + Self.configuration, in: fixture.root)
        #expect(analyze.status == 0, "\(analyze.standardError)")
        #expect(analyze.standardOutput.contains("package_analysis_flow: "), "\(analyze.standardOutput)")
        let review = try runner.run(["review", "1", "--git"] + Self.configuration, in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(!review.standardOutput.contains("cannot be read"), "\(review.standardOutput)")
    }

    /// A commit with an invalid configuration, then one that fixes it and changes flows: the
    /// change is taken from the last valid configuration, which is what was running.
    @Test func aChangeAfterAnInvalidCommitIsTakenFromTheLastValidConfiguration() throws {
        let fixture = try Self.repository(at: 1)
        let plain = Self.reportingEdge
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", plain, plain + "      - from: [\n")
        try fixture.git("commit", "-q", "-am", "broken YAML")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", plain + "      - from: [\n", Self.reportingEdges)
        try fixture.git("commit", "-q", "-am", "fixed, with an edge more")
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        let v1 = try fixture.git("rev-parse", "--short=12", "HEAD~2")
        #expect(history.standardOutput.contains("fixed, with an edge more — reporting_flow (since \(v1), the last valid configuration "
            + "before it) — needs migration"), "\(history.standardOutput)")
        #expect(history.standardOutput.contains("broken YAML — invalid configuration\n"), "\(history.standardOutput)")
    }

    @Test func gitOptionsAndExplicitFilesExcludeEachOther() throws {
        let result = try CommandRunner().run(["generate", "--git", "-N", "a.yml", "-F", "b", "-n", "c.yml", "-f", "d"])
        #expect(result.status == 64)
    }

    @Test func outsideARepositoryGenerateAsksForTheOldConfiguration() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v1"), to: directory.url.appendingPathComponent("config"))
        let result = try CommandRunner().run(["generate"] + Self.configuration, in: directory.url)
        #expect(result.status == 64)
        #expect(result.standardError.contains("Give the old configuration with -N/-F, or run inside the git repository"))
        for command in [["check"], ["history"]] {
            let outside = try CommandRunner().run(command + Self.configuration, in: directory.url)
            #expect(outside.status == 1, "\(command)")
            #expect(outside.standardError == "error: 'config/nodes.yml' is not inside a git repository\n  hint: this command reads the "
                + "configuration from git: run it on a configuration inside a git working tree (git init, and commit the configuration, "
                + "to start one)\n", "\(command): \(outside.standardError)")
        }
    }

    @Test func checkPassesFailsAndNamesTheFix() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let clean = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(clean.standardOutput == "ok: no flow change since \(try fixture.git("rev-parse", "--short=12", "HEAD")) (HEAD) needs a migration\n")
        // No upstream: only uncommitted changes are checked, and check says so.
        #expect(clean.standardError.contains("note: comparing with HEAD, so only uncommitted changes count: the branch has no upstream branch here"))
        #expect(clean.standardError.contains("pass --base with the revision they will be merged into (this repository has no origin, "
            + "main or master elsewhere to name)"), "\(clean.standardError)")
        // A branch just made from main, at the same commit: main is what it will be merged into.
        try fixture.git("checkout", "-q", "-b", "feature")
        let fresh = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(fresh.standardError.contains("pass --base (for example --base main)"), "\(fresh.standardError)")
        try fixture.git("checkout", "-q", "main")
        // A CI checkout of one ref: a remote, none of its branches fetched — the note says to fetch one.
        try fixture.git("remote", "add", "origin", "https://example.com/repo.git")
        let oneRef = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(oneRef.standardError.contains("pass --base with the branch they will be merged into, once fetched: this checkout has none "
            + "of origin's branches (a CI checkout of one ref; for example git fetch origin main, then --base origin/main)"),
                "\(oneRef.standardError)")
        try fixture.git("remote", "remove", "origin")
        // …in JSON too, for a tool that reads only the report.
        let cleanJSON = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
        let note = (try JSONSerialization.jsonObject(with: Data(cleanJSON.standardOutput.utf8)) as? [String: Any])?["note"] as? String
        #expect(note?.hasPrefix("comparing with HEAD, so only uncommitted changes count: the branch has no upstream branch here") == true,
                "\(cleanJSON.standardOutput)")
        try Self.install(2, in: fixture)
        let missing = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("without a migration: package_analysis_flow: 4 edges renumbered, 1 added"))
        #expect(missing.standardError.contains("hint: run: selinon-migrate generate -n config/nodes.yml -f config/flows --from"))
        _ = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        let covered = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(covered.status == 0, "\(covered.standardError)")
        #expect(covered.standardOutput.hasPrefix("ok: 1.json covers the change since"))
        // A migration that no longer matches the configuration is stale.
        try Self.install(3, in: fixture)
        let stale = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(stale.status == 1)
        #expect(stale.standardOutput.contains("\"kind\": \"stale-migration\""))
        #expect(stale.standardOutput.contains("\"summary\": \"1 problem found\""))
    }

    /// A feature branch pushed with `git push -u` tracks its own copy: check compares it with
    /// the remote's default branch (else it says that only unpushed commits count).
    @Test func aBranchTrackingItsOwnCopyIsCheckedAgainstTheRemotesDefaultBranch() throws {
        let fixture = try Self.repository(at: 1)
        let remote = try TemporaryDirectory()
        try fixture.git("clone", "-q", "--bare", ".", remote.url.path)
        try fixture.git("remote", "add", "origin", remote.url.path)
        try fixture.git("fetch", "-q", "origin")
        try fixture.git("remote", "set-head", "origin", "main")
        try fixture.git("checkout", "-q", "-b", "feature")
        try Self.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 without its migration")
        try fixture.git("push", "-q", "-u", "origin", "feature")
        let runner = try CommandRunner()
        let checked = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 1, "\(checked.standardOutput)")
        #expect(checked.standardError.contains("note: comparing with origin/main, origin's default branch: origin/feature, the upstream, "
            + "is this branch's own copy"), "\(checked.standardError)")
        #expect(checked.standardError.contains("(merge base with origin/main) without a migration: package_analysis_flow"),
                "\(checked.standardError)")
        // A shallow clone of the pushed branch (CI's checkout), once main has moved on, reaches no merge
        // base with the default branch: compared with the default branch itself, and said so — never
        // passed on the branch's own copy.
        try fixture.git("checkout", "-q", "main")
        try fixture.commit("docs on main", ["README.md": "main moved on"])
        try fixture.git("push", "-q", "origin", "main")
        try fixture.git("checkout", "-q", "feature")
        try fixture.run(["clone", "-q", "--depth", "1", "--no-single-branch", "file://" + remote.url.path, "shallow"])
        try fixture.run(["checkout", "-q", "feature"], in: "shallow")
        let shallow = try runner.run(["check"] + Self.configuration, in: fixture.root.appendingPathComponent("shallow"))
        #expect(shallow.status == 1, "\(shallow.standardOutput)\(shallow.standardError)")
        #expect(shallow.standardError.contains("the repository is a shallow clone, so the merge base of HEAD and origin/main cannot be "
            + "found: comparing with origin/main itself"), "\(shallow.standardError)")
        #expect(shallow.standardError.contains("(origin/main) without a migration: package_analysis_flow"), "\(shallow.standardError)")
        // Its hint does not send the branch straight to generating from the base branch itself.
        #expect(shallow.standardError.contains("hint: the base is origin/main itself, not the merge base (a shallow clone): if this "
            + "branch is behind origin/main, that change may be its newer commits read as reverted — fetch the history first"),
                "\(shallow.standardError)")
        // Without a recorded default branch: the upstream, and a note that says what that misses.
        try fixture.git("remote", "set-head", "origin", "-d")
        let unpushed = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(unpushed.status == 0, "\(unpushed.standardError)")
        #expect(unpushed.standardError.contains("note: origin/feature, the upstream, is this branch's own copy on the remote, so only "
            + "commits not pushed there count"), "\(unpushed.standardError)")
        #expect(unpushed.standardError.contains("git remote set-head origin --auto"), "\(unpushed.standardError)")
    }

    /// Edits the committed 1.json of `fixture` (its strategy: FAIL); returns its URL.
    static func editFirstMigration(_ fixture: GitFixture) throws -> URL {
        let path = fixture.root.appendingPathComponent("migrations/1.json")
        let edited = try String(contentsOf: path, encoding: .utf8).replacingOccurrences(of: "\"IGNORE\"", with: "\"FAIL\"")
        try edited.write(to: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkRejectsAChangedAppliedMigration() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        let path = try Self.editFirstMigration(fixture)
        let result = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("migrations/1.json changed since"))
        // In JSON, the problems name their file, for annotations in CI; a broken file, its line too.
        func problems() throws -> [[String: Any]] {
            let json = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
            #expect(json.status == 1)
            return try #require((try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])?["problems"]
                                as? [[String: Any]], "\(json.standardOutput)")
        }
        let changed = try problems()
        #expect(changed.contains { $0["kind"] as? String == "changed-migration" && $0["file"] as? String == "migrations/1.json" }, "\(changed)")
        try "{\n  \"migration\": [\n".write(to: path, atomically: true, encoding: .utf8)
        let broken = try problems()
        #expect(broken.contains { $0["kind"] as? String == "invalid" && $0["file"] as? String == "migrations/1.json" && $0["line"] as? Int != nil },
                "\(broken)")
    }

    /// An edited and rehashed migration: the hint restores the file with its sum, and that one
    /// command, run as printed, is the whole fix.
    @Test func theFixForAChangedAndRehashedMigrationRestoresTheSumToo() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        _ = try Self.editFirstMigration(fixture)
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let result = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        let marker = "hint: restore it, with the sum that lists it as it was: git "
        let hint = try #require(result.standardError.components(separatedBy: "\n").first { $0.contains(marker) }, "\(result.standardError)")
        let command = try #require(hint.components(separatedBy: marker).last?.components(separatedBy: " (then").first)
        #expect(command.hasSuffix(" -- migrations/1.json migrations/migrations.sum"), "\(command)")
        try fixture.run(command.split(separator: " ").map(String.init))
        let fixed = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    @Test func checkAcceptsMigrationsCheckedOutWithCRLF() throws {
        // core.autocrlf=true or eol=crlf: the working tree has CRLF, the commits LF.
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        let path = fixture.root.appendingPathComponent("migrations/1.json")
        let text = try String(contentsOf: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: path, atomically: true, encoding: .utf8)
        let result = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func configurationThroughAGitFilterIsRefused() throws {
        // Git stores such files cleaned and checks them out smudged: the blobs are not what workers read.
        let fixture = try GitFixture()
        try fixture.git("config", "filter.tpl.clean", "cat")
        try fixture.git("config", "filter.tpl.smudge", "cat")
        try fixture.directory.write("config/** filter=tpl\n", to: ".gitattributes")
        try Self.install(1, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        try Self.install(2, in: fixture)
        let result = try CommandRunner().run(["generate", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains(":config/nodes.yml: error: git stores this file through the filter 'tpl' (.gitattributes, "
            + "as they are now)"), "\(result.standardError)")
        let commit = try fixture.git("rev-parse", "--short=12", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.standardError.contains("hint: compare checked-out files instead: check the revision out elsewhere (git worktree add "
            + "/tmp/old \(commit)) and pass its files with -N/-F"), "\(result.standardError)")
        // The commands that walk history refuse it the same way (exit 1: the repository's setting).
        for command in [["history"], ["verify", "--git"]] {
            let walked = try CommandRunner().run(command + Self.configuration, in: fixture.root)
            #expect(walked.status == 1, "\(command): \(walked.standardError)")
            #expect(walked.standardError.contains("through the filter 'tpl'"))
        }
    }

    /// A configuration tracked by Git LFS is named as such — git holds a pointer, not the file —
    /// rather than as a filter the tool cannot run, which would send the user looking for one.
    @Test func configurationInGitLFSIsNamedAsAPointer() throws {
        let fixture = try GitFixture()
        try fixture.directory.write("config/nodes.yml filter=lfs diff=lfs merge=lfs -text\n", to: ".gitattributes")
        try Self.install(1, in: fixture)
        let nodes = fixture.root.appendingPathComponent("config/nodes.yml")
        let size = try Data(contentsOf: nodes).count
        // What git lfs's clean filter stores, committed as it is (git-lfs itself is not needed).
        try ("version https://git-lfs.github.com/spec/v1\noid sha256:" + String(repeating: "ab", count: 32) + "\nsize \(size)\n")
            .write(to: nodes, atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1 in LFS")
        try Self.install(2, in: fixture)
        let result = try CommandRunner().run(["generate", "--dry-run", "--from", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("config/nodes.yml: error: the nodes file is a Git LFS pointer, not the file itself"),
                "\(result.standardError)")
        #expect(!result.standardError.contains("through the filter 'lfs'"), "\(result.standardError)")
    }

    @Test func aMigrationHistoryNextToTheConfigurationIsNamedFromTheRoot() throws {
        // The configuration and its migrations live in config/ (workers start there); run from
        // the root, global.migration_dir names ./migrations, which would start a second history.
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let runner = try CommandRunner()
        let subdirectory = fixture.root.appendingPathComponent("config")
        let first = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows"], in: subdirectory)
        #expect(first.status == 0, "\(first.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        let v3 = Self.examples.appendingPathComponent("v3")
        try FileManager.default.removeItem(at: subdirectory.appendingPathComponent("nodes.yml"))
        try FileManager.default.copyItem(at: v3.appendingPathComponent("nodes.yml"), to: subdirectory.appendingPathComponent("nodes.yml"))
        try FileManager.default.removeItem(at: subdirectory.appendingPathComponent("flows"))
        try FileManager.default.copyItem(at: v3.appendingPathComponent("flows"), to: subdirectory.appendingPathComponent("flows"))
        for command in [["check"], ["generate"], ["verify", "--git"]] {
            let result = try runner.run(command + Self.configuration, in: fixture.root)
            #expect(result.status == 1, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("error: the migration directory migrations does not exist here (\(fixture.root.standardizedFileURL.path)), "
                + "but \(subdirectory.standardizedFileURL.path)/migrations does"), "\(command): \(result.standardError)")
            #expect(result.standardError.contains("hint: run from \(subdirectory.standardizedFileURL.path), or pass -m"), "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("migrations").path), "no second history")
    }

    @Test func aSubdirectoryDoesNotStartASecondMigrationHistory() throws {
        // global.migration_dir is relative to where the command starts; from config/ it would
        // name config/migrations while the history is in migrations/ at the root.
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let runner = try CommandRunner()
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        try Self.install(3, in: fixture)
        let subdirectory = fixture.root.appendingPathComponent("config")
        let commands = [["generate"], ["check"], ["history"], ["rebase", "--onto", "HEAD"], ["verify"], ["verify", "--git"],
                        ["review", "--pending"], ["analyze", "--pending"]]
        for command in commands.map({ $0 + ["-n", "nodes.yml", "-f", "flows"] }) + [["rehash"], ["verify"], ["review"]] {
            let result = try runner.run(command, in: subdirectory)
            #expect(result.status == 1, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("error: the migration directory migrations does not exist here"))
            #expect(result.standardError.contains("hint: run from \(fixture.root.path), or pass -m \(fixture.root.path)/migrations"))
        }
        // An empty migrations/ made here changes nothing: it holds no history to continue.
        try FileManager.default.createDirectory(at: subdirectory.appendingPathComponent("migrations"), withIntermediateDirectories: false)
        let empty = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows"], in: subdirectory)
        #expect(empty.status == 1)
        #expect(empty.standardError.contains("error: the migration directory migrations holds no migrations here"), "\(empty.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: subdirectory.appendingPathComponent("migrations").path).isEmpty)
        try FileManager.default.removeItem(at: subdirectory.appendingPathComponent("migrations"))
        #expect(!FileManager.default.fileExists(atPath: subdirectory.appendingPathComponent("migrations").path))
        // check's command to run keeps -m.
        let check = try runner.run(["check", "-n", "nodes.yml", "-f", "flows", "-m", "../migrations"], in: subdirectory)
        #expect(check.standardError.contains("hint: run: selinon-migrate generate -n nodes.yml -f flows -m ../migrations --from "))

        // Nothing left to migrate: generate looks for the last change's migration where the history is, not in config/migrations.
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3")
        let unchanged = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows"], in: subdirectory)
        #expect(unchanged.status == 1, "\(unchanged.standardError)")
        #expect(unchanged.standardError.contains("error: the migration directory migrations does not exist here"), "\(unchanged.standardError)")
        #expect(!unchanged.standardError.contains("added no migration"))
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).standardError.isEmpty, "no note at the root")
    }

    @Test func anUnresolvedConflictInTheIndexIsNamed() throws {
        let fixture = try Self.repository(at: 1)
        let ingest = fixture.root.appendingPathComponent("config/flows/ingest.yml")
        let text = try String(contentsOf: ingest, encoding: .utf8)
        func commitFirstLine(_ line: String, _ message: String) throws {
            try (line + "\n" + text).write(to: ingest, atomically: true, encoding: .utf8)
            try fixture.git("commit", "-q", "-am", message)
        }
        try fixture.git("checkout", "-q", "-b", "other")
        try commitFirstLine("# edited on other", "other")
        try fixture.git("checkout", "-q", "main")
        try commitFirstLine("# edited on main", "main")
        #expect(throws: (any Error).self) { try fixture.git("merge", "-q", "other") }
        let result = try CommandRunner().run(["generate", "--to", "index", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("has an unresolved merge conflict in the index: resolve it and stage the result"),
                "\(result.standardError)")
    }

    @Test func checkAcceptsABranchThatAddsTheConfiguration() throws {
        let fixture = try GitFixture()
        try fixture.commit("before the flows", ["README.md": "a service"])
        try Self.install(1, in: fixture)
        let result = try CommandRunner().run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("ok: the configuration is new since "))
    }

    @Test func checkHintsCanBePastedWhateverThePaths() throws {
        let fixture = try GitFixture()
        let target = fixture.root.appendingPathComponent("my config")
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v1"), to: target)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        try FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2"), to: target)
        let result = try CommandRunner().run(["check", "-n", "my config/nodes.yml", "-f", "my config/flows"], in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("hint: run: selinon-migrate generate -n 'my config/nodes.yml' -f 'my config/flows' --from "),
                "\(result.standardError)")
    }

    @Test func theRestoreHintOfARemovedMigrationWorksWhenPasted() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try fixture.git("rm", "-q", "migrations/1.json")
        let removed = try runner.run(["verify", "-m", "migrations"], in: fixture.root)
        #expect(removed.status == 1)
        #expect(removed.standardError.contains("git checkout HEAD -- migrations/1.json"), "\(removed.standardError)")
        try fixture.git("checkout", "HEAD", "--", "migrations/1.json")
        #expect(try runner.run(["verify", "-m", "migrations"], in: fixture.root).status == 0)
    }

    @Test func checkNamesAFlowThatWasOnlyRemoved() throws {
        let fixture = try GitFixture()
        let nodes = """
            tasks:
              - name: Fetch
                import: tasks
              - name: Store
                import: tasks
            flows: [%@]
            global:
              migration_dir: migrations
            """
        let edges = "    edges:\n      - from:\n        to: Fetch\n      - from: Fetch\n        to: Store\n"
        try fixture.directory.write(nodes.replacingOccurrences(of: "%@", with: "ingest, legacy"), to: "nodes.yml")
        try fixture.directory.write("flow-definitions:\n  - name: ingest\n\(edges)  - name: legacy\n\(edges)", to: "flows.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "two flows")
        try fixture.directory.write(nodes.replacingOccurrences(of: "%@", with: "ingest"), to: "nodes.yml")
        try fixture.directory.write("flow-definitions:\n  - name: ingest\n\(edges)", to: "flows.yml")
        let runner = try CommandRunner()
        let result = try runner.run(["check", "-n", "nodes.yml", "-f", "flows.yml"], in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("without a migration: legacy: removed (its in-flight flows fail)"), "\(result.standardError)")
        let generated = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows.yml"], in: fixture.root)
        #expect(generated.standardOutput == "Wrote migrations/1.json\n  legacy: removed (its in-flight flows fail)\n", "\(generated.standardError)")
    }

    /// A repository at v1 with a `feature` branch (checked out) forked at v1, after which `main`
    /// moved on to v2 with its migration 1.json.
    static func featureBehindMain(_ runner: CommandRunner) throws -> GitFixture {
        let fixture = try Self.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.git("checkout", "-q", "main")
        try Self.install(2, in: fixture)
        _ = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "main: v2")
        try fixture.git("checkout", "-q", "feature")
        return fixture
    }

    @Test func checkReportsTwoBranchesAddingTheSameMigration() throws {
        let runner = try CommandRunner()
        let fixture = try Self.featureBehindMain(runner)
        // The feature branch, tracking main, makes the same change but migrates it its own way.
        try fixture.git("branch", "-q", "--set-upstream-to=main")
        try Self.install(2, in: fixture)
        _ = try runner.run(["generate", "-t", "RETRY"] + Self.configuration, in: fixture.root)
        let result = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        // Located as every diagnostic about one file is, and in JSON with its `file` (a CI annotation).
        #expect(result.standardError.contains("migrations/1.json: error: both this branch and main add migrations/1.json"),
                "\(result.standardError)")
        let json = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let conflict = (report["problems"] as? [[String: Any]])?.first { $0["kind"] as? String == "conflicting-migration" }
        #expect(conflict?["file"] as? String == "migrations/1.json", "\(json.standardOutput)")
    }

    @Test func checkWithAnExplicitBaseComparesWithTheMergeBase() throws {
        // main moves on (v2 and its migration) after the feature branch forked at v1.
        let runner = try CommandRunner()
        let fixture = try Self.featureBehindMain(runner)
        try "unrelated\n".write(to: fixture.root.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "feature: unrelated")
        // The branch changed no flow: main's v2 is not a change it reverts, nor is 1.json one it removed.
        let behind = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(behind.status == 0, "\(behind.standardError)")
        #expect(behind.standardOutput.contains("merge base with main"), "\(behind.standardOutput)")
        // The branch makes main's change its own way: the same number, and the rebase hint.
        try Self.install(2, in: fixture)
        _ = try runner.run(["generate", "-t", "RETRY"] + Self.configuration, in: fixture.root)
        let conflict = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(conflict.status == 1)
        #expect(conflict.standardError.contains("both this branch and main add migrations/1.json"), "\(conflict.standardError)")
        #expect(conflict.standardError.contains("selinon-migrate rebase --onto main"))
        // A base HEAD already contains is the base itself.
        try fixture.git("stash", "-q", "-u")
        try fixture.git("checkout", "-q", "main")
        let contained = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(contained.status == 0, "\(contained.standardError)")
        #expect(contained.standardOutput.contains("(HEAD~1)"), "\(contained.standardOutput)")
    }

    @Test func generateRefusesAChangeAnEarlierMigrationCovers() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try Self.install(3, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)  // 2.json: v2 → v3
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3")
        try Self.install(4, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)  // 3.json: v3 → v4
        // v2 → v3 again, as 4.json: flows at version 3 would have their edges moved twice.
        let sum = try Data(contentsOf: fixture.root.appendingPathComponent("migrations/migrations.sum"))
        let again = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(again.status == 1)
        #expect(again.standardError.contains("migrations/2.json already migrates this change"), "\(again.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("migrations/4.json").path))
        #expect(try Data(contentsOf: fixture.root.appendingPathComponent("migrations/migrations.sum")) == sum)
        let dryRun = try runner.run(["generate", "--dry-run", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(dryRun.status == 1, "a dry run ends as the real run would")
        #expect(dryRun.standardError.contains("a real run would refuse it"), "\(dryRun.standardError)")
        #expect(!dryRun.standardError.contains("would write migrations/4.json"), "\(dryRun.standardError)")
    }

    /// A flow file named with -f that was renamed (not committed yet) is read where HEAD has it.
    @Test func aFlowFileRenamedSinceTheOldRevisionIsFollowed() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("mv", "config/flows/analysis.yml", "config/flows/scans.yml")
        let files = ["ingest.yml", "scans.yml", "reporting.yml"].flatMap { ["-f", "config/flows/\($0)"] }
        let result = try CommandRunner().run(["generate", "-n", "config/nodes.yml"] + files, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "No flow changes need a migration\n", "\(result.standardOutput)")
    }

    /// A commit amended with further edits after its migration was generated: generate has
    /// nothing new to compare, and says that the commit's migration leads elsewhere, naming the
    /// check whose fix then works.
    @Test func generateAfterAnAmendWithFurtherEditsSaysTheMigrationDoesNotFit() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--amend", "--no-edit")
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let result = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1, "the repository lacks a migration it needs")
        #expect(result.standardOutput.contains("but that commit's change has no migration that fits it"), "\(result.standardOutput)")
        #expect(result.standardError.contains("note: the last commit that changed the configuration, \(head) (v2), added 1.json, but 1.json "
            + "leads to another configuration than the commit has (was the commit amended after generate?): run selinon-migrate check "
            + "--base \(head)~1 -n config/nodes.yml -f config/flows, which says what to do"), "\(result.standardError)")
        let check = try runner.run(["check", "--base", "\(head)~1"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("1.json does not match the configuration change"), "\(check.standardError)")
    }

    /// A migration (or the whole directory) replaced by a symbolic link out of the repository
    /// reads fine here, but git commits only the link: check and verify --git fail, naming the
    /// link and the copy that fixes it; a link inside the repository is committed with its target.
    @Test func migrationsLinkedOutOfTheRepositoryFailCheckAndVerify() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        let outside = try TemporaryDirectory()
        let file = fixture.root.appendingPathComponent("migrations/1.json")
        try FileManager.default.copyItem(at: file, to: outside.url.appendingPathComponent("1.json"))
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: outside.path("1.json"))
        try fixture.git("add", "-A")
        let fix = "replace the link with the file: cp --remove-destination \(resolvedOutside(outside, "1.json")) migrations/1.json, "
            + "then git add migrations/1.json"
        let staged = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(staged.status == 1)
        #expect(staged.standardError.contains("migrations/1.json: error: 1.json is a symbolic link to \(outside.path("1.json")), outside the "
            + "repository: git commits the link, not the migration, so a clone (CI, a deployment from git) lacks it\n  hint: \(fix)"),
                "\(staged.standardError)")
        try fixture.git("commit", "-q", "-m", "1.json linked")
        #expect(try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root).status == 1)
        let verified = try runner.run(["verify", "--git", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(verified.standardOutput.utf8)) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["kind"] as? String } == ["linked-outside-repository"] && findings[0]["file"] as? String == "migrations/1.json",
                "\(findings)")
        // Following the hint fixes it.
        #expect(try fixture.git("ls-files", "-s", "migrations/1.json").hasPrefix("120000"))
        let steps = String(fix.split(separator: ": ", maxSplits: 1)[1]).replacingOccurrences(of: ", then ", with: " && ")
        let followed = try Process.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "cd '\(fixture.root.path)' && " + steps])
        followed.waitUntilExit()
        #expect(followed.terminationStatus == 0)
        #expect(try fixture.git("ls-files", "-s", "migrations/1.json").hasPrefix("100644"))
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
        // The whole directory linked out of the repository.
        try FileManager.default.moveItem(at: fixture.root.appendingPathComponent("migrations"), to: outside.url.appendingPathComponent("migrations"))
        try FileManager.default.createSymbolicLink(atPath: fixture.root.appendingPathComponent("migrations").path,
                                                   withDestinationPath: outside.path("migrations"))
        let linkedDirectory = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(linkedDirectory.status == 1)
        #expect(linkedDirectory.standardError.contains("migrations: error: migrations is a symbolic link to \(outside.path("migrations")), "
            + "outside the repository: git commits the link, not the migrations"), "\(linkedDirectory.standardError)")
        // A link inside the repository is committed with what it leads to.
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("migrations"))
        try FileManager.default.moveItem(at: outside.url.appendingPathComponent("migrations"), to: fixture.root.appendingPathComponent("kept"))
        try FileManager.default.createSymbolicLink(atPath: fixture.root.appendingPathComponent("migrations").path, withDestinationPath: "kept")
        let inside = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(inside.status == 0, "\(inside.standardError)")
    }

    /// `name` in `directory` with links resolved (a temporary directory may be under a link).
    private func resolvedOutside(_ directory: TemporaryDirectory, _ name: String) -> String {
        URL(fileURLWithPath: directory.path(name)).resolvingSymlinksInPath().path
    }

    @Test func generateAfterCommittingWithoutTheMigrationSaysHowToGenerateIt() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        let covered = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(covered.standardOutput == "No flow changes need a migration\n")
        #expect(!covered.standardError.contains("note:"), "v2 was committed with 1.json: \(covered.standardError)")
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without its migration")
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let forgot = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(forgot.status == 1, "`generate && git commit` must not go on")
        #expect(forgot.standardOutput == "No migration file written: nothing changed since the last commit that changed the configuration, "
            + "but that commit's change has no migration that fits it (see the note)\n", "\(forgot.standardOutput)")
        #expect(forgot.standardError.contains("note: the last commit that changed the configuration, \(head) (v3 without its migration), "
            + "changed licence_analysis_flow, package_analysis_flow and added no migration for it"), "\(forgot.standardError)")
        let command = try #require(forgot.standardError.components(separatedBy: "run: selinon-migrate ").last?
            .trimmingCharacters(in: .newlines).split(separator: " ").map(String.init))
        #expect(command == ["generate"] + Self.configuration + ["--from", "\(head)~1", "--to", head])
        // A tool reading JSON gets the note in the document, and the same exit status.
        let json = try runner.run(["generate", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect((document["last_change_note"] as? String)?.hasSuffix("run: " + (["selinon-migrate"] + command).joined(separator: " ")) == true,
                "\(json.standardOutput)")
        #expect(try runner.run(command, in: fixture.root).status == 0)
        let after = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(!after.standardError.contains("note:"), "2.json's digests name the change: \(after.standardError)")
    }

    /// A change reverted with its migration, then made again without one: the first migration's
    /// digests name the change, but the migrations end before it — generate says so, as verify
    /// --git, check and history do, and following the note gives the migration they accept.
    @Test func generateAfterAChangeMadeAgainWithoutItsMigrationSaysHowToGenerateIt() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try Self.install(1, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "back to v1")
        try Self.commit([2], in: fixture) { _ in "v2 again" }
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let forgot = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(forgot.status == 1, "\(forgot.standardOutput)")
        #expect(forgot.standardError.contains("note: the last commit that changed the configuration, \(head) (v2 again), "), "\(forgot.standardError)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 1)
        #expect(try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        let after = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(after.status == 0 && !after.standardError.contains("note:"), "3.json migrates it: \(after.standardError)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// generate's note judges the last change as verify --git does: covered by a migration over
    /// several commits (no note), and not covered by a migration whose digests name it but that
    /// verify matches to an earlier pass of the same change — where the configuration went back
    /// and forth, one command per commit, which followed in order give what verify accepts.
    @Test func generatesNoteJudgesTheLastChangeAsVerifyDoes() throws {
        let spanned = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.commit([2, 3], in: spanned) { "v\($0) without its migration" }
        #expect(try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: spanned.root).status == 0)
        try spanned.git("add", "-A")
        try spanned.git("commit", "-q", "-m", "one migration for v2 and v3")
        let covered = try runner.run(["generate"] + Self.configuration, in: spanned.root)
        #expect(covered.status == 0 && !covered.standardError.contains("note:"), "\(covered.standardError)")

        let fixture = try Self.repositoryWithMigration()
        try Self.commit([1, 2], in: fixture) { "back to v\($0) without its migration" }
        let forgot = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(forgot.status == 1, "\(forgot.standardOutput)")
        #expect(forgot.standardError.contains("on the way the configuration went back to one it had before, so no one migration fits them all"),
                "\(forgot.standardError)")
        let commands = try #require(forgot.standardError.components(separatedBy: "in this order: ").last?
            .trimmingCharacters(in: .newlines).components(separatedBy: "; "))
        #expect(commands.count == 2, "\(commands)")
        for command in commands {
            let arguments = command.split(separator: " ").dropFirst().map(String.init)
            #expect(try runner.run(arguments, in: fixture.root).status == 0, "\(command)")
        }
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// The configuration went back to the one the latest migration leads to, after a commit that
    /// only added a flow (nothing to migrate) and one that changed edges: the note's commands —
    /// the first from the commit that added the flow — are not refused as comparing from before
    /// the latest migration's configuration, and give what verify --git accepts.
    @Test func theNotesCommandsAfterAnAddedFlowAndABackAndForthAreAccepted() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try TeamWorkflowTests.commitWithItsMigration(fixture, "licence store")
        // The SBOM flow of v2, added on its own.
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("config/nodes.yml"))
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2/nodes.yml"), to: fixture.root.appendingPathComponent("config/nodes.yml"))
        let v2Analysis = try String(contentsOf: Self.examples.appendingPathComponent("v2/flows/analysis.yml"), encoding: .utf8)
        let sbom = try #require(v2Analysis.range(of: "  # Added in v2: SBOM")).lowerBound
        let analysis = fixture.root.appendingPathComponent("config/flows/analysis.yml")
        try (String(contentsOf: analysis, encoding: .utf8) + String(v2Analysis[sbom...])).write(to: analysis, atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "sbom flow")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        try fixture.git("commit", "-q", "-am", "badge without its migration")
        try fixture.git("checkout", "-q", "HEAD~2", "--", "config")
        try fixture.git("commit", "-q", "-am", "back to the licence store alone")

        let note = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        let commands = try #require(note.standardError.components(separatedBy: "in this order: ").last?
            .trimmingCharacters(in: .newlines).components(separatedBy: "; "))
        #expect(commands.count == 2, "\(note.standardError)")
        for command in commands {
            let result = try runner.run(command.split(separator: " ").dropFirst().map(String.init), in: fixture.root)
            #expect(result.status == 0, "\(command): \(result.standardError)")
        }
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A migration committed after its change, with a condition changed and an unmigrated
    /// change between: verify --git's hint compares from the condition's commit — a
    /// configuration the migration's flows run, as far as edges go — and generate does not
    /// refuse it as coming before the commit that added the file.
    @Test(arguments: [false, true])
    func verifysHintAfterAMigrationCommittedLaterIsAccepted(withoutMeta: Bool) throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let start = try fixture.git("rev-parse", "--short=12", "HEAD")
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try fixture.git("commit", "-q", "-am", "licence store")
        let changed = try fixture.git("rev-parse", "--short=12", "HEAD")
        try TeamWorkflowTests.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-am", "a condition")
        try TeamWorkflowTests.removeNotification(fixture)
        try fixture.git("commit", "-q", "-am", "no notification, no migration")
        let generated = try runner.run(["generate", "--from", start, "--to", changed] + (withoutMeta ? ["--no-meta"] : []) + Self.configuration,
                                       in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "the licence store's migration")

        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        let hint = try #require(verified.standardError.range(of: "selinon-migrate generate --from [0-9a-f]+ --to [0-9a-f]+", options: .regularExpression),
                                "\(verified.standardError)")
        let followed = try runner.run(String(verified.standardError[hint]).split(separator: " ").dropFirst().map(String.init) + Self.configuration,
                                      in: fixture.root)
        #expect(followed.status == 0, "\(followed.standardError)")
        let again = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(again.status == 0, "\(again.standardError)")
    }

    /// No migration yet, and two changes without one with a condition-only commit between them:
    /// the note's one migration starts before the first change, not after the condition.
    @Test func generatesFirstNoteSpansPastAConditionOnlyCommit() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let start = try fixture.git("rev-parse", "--short=12", "HEAD")
        try TeamWorkflowTests.changeLicenceStore(fixture)
        try fixture.git("commit", "-q", "-am", "licence store")
        try TeamWorkflowTests.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-am", "a condition")
        try TeamWorkflowTests.removeNotification(fixture)
        try fixture.git("commit", "-q", "-am", "no notification")
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let noted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(noted.status == 1 && noted.standardError.contains("--from \(start) --to \(head)\n"), "\(noted.standardError)")
        #expect(try runner.run(["generate", "--from", start, "--to", head] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration for both")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A change committed without its migration, then a commit that changed only a condition:
    /// generate (nothing to migrate since the condition) does not say that nothing needs a
    /// migration — its note names the change before the condition, whose command verify accepts.
    @Test func generateNamesAnUnmigratedChangeBeforeAConditionOnlyCommit() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        try fixture.git("commit", "-q", "-am", "badge without its migration")
        let badge = try fixture.git("rev-parse", "--short=12", "HEAD")
        try TeamWorkflowTests.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-am", "a condition")
        let condition = try fixture.git("rev-parse", "--short=12", "HEAD")

        let noted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(noted.status == 1, "\(noted.standardOutput)")
        #expect(noted.standardError.contains("note: \(condition) (a condition), the last commit that changed the configuration, changed only "
            + "what needs no migration; the one that changed flows before it, \(badge) (badge without its migration), changed reporting_flow "
            + "and added no migration for it; if it needs one (no deployment ran it without), run: selinon-migrate generate -n "
            + "config/nodes.yml -f config/flows --from \(badge)~1 --to \(badge)"), "\(noted.standardError)")
        // With a further edit, generate does not write its migration on top: the badge's comes first.
        try TeamWorkflowTests.removeNotification(fixture)
        let edited = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        let beforeBadge = try fixture.git("rev-parse", "--short=12", "\(badge)~1")
        #expect(edited.status == 1 && edited.standardError.contains("hint: first migrate that commit's change: selinon-migrate generate -n "
            + "config/nodes.yml -f config/flows --from \(beforeBadge) --to \(badge)"), "\(edited.standardError)")
        try fixture.git("checkout", "--", "config")
        #expect(try runner.run(["generate", "--from", "\(badge)~1", "--to", badge] + Self.configuration, in: fixture.root).status == 0)
        let after = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(after.status == 0 && after.standardOutput.contains("No flow changes need a migration"), "\(after.standardOutput)\(after.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "the badge's migration")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// Two commits in a row without their migration: the note names the change from where the
    /// migrations end, so following it gives the migration check accepts.
    @Test func generateAfterTwoCommitsWithoutMigrationsNamesTheWholeChange() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        let migrated = try fixture.git("rev-parse", "--short=12", "HEAD")
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", Self.reportingEdge, Self.reportingEdges)
        try fixture.git("commit", "-q", "-am", "badge without its migration")
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without its migration")
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let forgot = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(forgot.standardError.contains("note: the commits after \(migrated) (v2) to \(head) (v3 without its migration) changed "),
                "\(forgot.standardError)")
        let command = try #require(forgot.standardError.components(separatedBy: "run: selinon-migrate ").last?
            .trimmingCharacters(in: .newlines).split(separator: " ").map(String.init))
        #expect(command == ["generate"] + Self.configuration + ["--from", migrated, "--to", head])
        #expect(try runner.run(command, in: fixture.root).status == 0)
        let checked = try runner.run(["check", "--base", migrated] + Self.configuration, in: fixture.root)
        #expect(checked.status == 0, "\(checked.standardError)")
    }

    /// A revert of a commit with its migration removes the migration too: the note says to
    /// restore it before migrating the change back, and that command then writes the next number.
    @Test func generateAfterARevertSaysToRestoreTheRemovedMigration() throws {
        let fixture = try Self.repositoryWithBadge()
        let runner = try CommandRunner()
        try fixture.git("revert", "--no-edit", "HEAD")
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        let reverted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        // Migration files deployments may have applied are gone: not a state to pass.
        #expect(reverted.status == 1)
        #expect(!reverted.standardOutput.contains("No flow changes need a migration"), "\(reverted.standardOutput)")
        #expect(reverted.standardError.contains("note: the last commit that changed the configuration, \(head) (Revert \"badge\"), changed "
            + "reporting_flow and removed migrations/2.json (a revert?), which deployments may have applied: restore it with the sum "
            + "(git checkout \(head)~1 -- migrations/2.json migrations/migrations.sum), then migrate the change with: selinon-migrate generate"),
                "\(reverted.standardError)")
        try fixture.git("checkout", "\(head)~1", "--", "migrations/2.json", "migrations/migrations.sum")
        let command = try #require(reverted.standardError.components(separatedBy: "migrate the change with: selinon-migrate ").last?
            .trimmingCharacters(in: .newlines).split(separator: " ").map(String.init))
        let generated = try runner.run(command, in: fixture.root)
        #expect(generated.status == 0 && generated.standardOutput.hasPrefix("Wrote migrations/3.json"), "\(generated.standardOutput)\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migrate the revert")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A change whose migration was committed on its own, both then reverted (`git revert
    /// HEAD~1 HEAD`): the migration's removal is in a commit that changed no flow. The note still
    /// says to restore it, and its command migrates back from the configuration it led to.
    @Test func generateAfterRevertingAChangeAndItsSeparateMigrationSaysToRestoreIt() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 without its migration")
        let changed = try fixture.git("rev-parse", "--short=12", "HEAD")
        let generated = try runner.run(["generate"] + Self.configuration + ["--from", "\(changed)~1", "--to", changed], in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "its migration")
        let migrated = try fixture.git("rev-parse", "--short=12", "HEAD")
        try fixture.git("revert", "--no-edit", "HEAD~1", "HEAD")
        // (The change is reverted first: the last commit that changed the configuration is HEAD~1.)
        let revertedChange = try fixture.git("rev-parse", "--short=12", "HEAD~1")
        let reverted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(reverted.status == 1, "\(reverted.standardOutput)\(reverted.standardError)")
        #expect(reverted.standardError.contains("note: migrations/1.json was in \(migrated) (its migration) and is gone since (a revert?); "
            + "deployments may have applied it: restore it with the sum (git checkout \(migrated) -- migrations/1.json "
            + "migrations/migrations.sum), then migrate from the configuration \(migrated) has: selinon-migrate generate"),
                "\(reverted.standardError)")
        try fixture.git("checkout", migrated, "--", "migrations/1.json", "migrations/migrations.sum")
        let command = try #require(reverted.standardError.components(separatedBy: "\(migrated) has: selinon-migrate ").last?
            .trimmingCharacters(in: .newlines).split(separator: " ").map(String.init))
        #expect(command.suffix(4) == ["--from", migrated, "--to", revertedChange], "\(command)")
        let back = try runner.run(command, in: fixture.root)
        #expect(back.status == 0 && back.standardOutput.hasPrefix("Wrote migrations/2.json"), "\(back.standardOutput)\(back.standardError)")
    }

    /// A migration directory a commit moved away (or deleted) is not a directory that never
    /// existed: generate refuses to start a second history at 1.json there, names the commit and
    /// where the files went; an empty directory made on purpose starts one.
    @Test func generateRefusesToRestartAMigrationDirectoryACommitMovedAway() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try fixture.git("mv", "migrations", "db-migrations")
        try fixture.git("commit", "-q", "-m", "move the migrations")
        let mover = try fixture.git("rev-parse", "--short=12", "HEAD")
        try Self.install(3, in: fixture)
        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.hasPrefix("error: the migration directory migrations does not exist, but \(mover) (move the "
            + "migrations) moved its migration to db-migrations: deployments may have applied it, and a new history starting at "
            + "1.json would take its number again\n  hint: give the directory it is in now: -m db-migrations"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("migrations").path))
        try fixture.git("rm", "-rq", "db-migrations")
        try fixture.git("commit", "-q", "-m", "drop them")
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 1, "the first removal is still named")
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        let restarted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(restarted.status == 0 && restarted.standardOutput.hasPrefix("Wrote migrations/1.json"), "\(restarted.standardError)")
    }

    /// A directory kept by a placeholder file (`.gitkeep`) after a commit removed its migrations
    /// was not made for a new history either: refused, naming the commit and the file to remove
    /// to start one on purpose; a directory whose migrations are deleted in the working tree only
    /// is refused as well.
    @Test func aDirectoryKeptByAPlaceholderAfterItsMigrationsWereRemovedIsNoNewHistory() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try fixture.directory.write("", to: "migrations/.gitkeep")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "keep the directory")
        try fixture.git("rm", "-q", "migrations/1.json", "migrations/migrations.sum")
        try Self.install(3, in: fixture)
        let deleted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(deleted.status == 1 && deleted.standardError.contains("error: the migration directory migrations holds no migration, but "
            + "HEAD holds 1 migration there (files deleted)"), "\(deleted.standardError)")
        try fixture.git("commit", "-q", "-m", "drop the migration", "--", "migrations")
        let remover = try fixture.git("rev-parse", "--short=12", "HEAD")
        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.hasPrefix("error: the migration directory migrations holds no migration (only .gitkeep), but "
            + "\(remover) (drop the migration) removed its migration: deployments may have applied it"), "\(refused.standardError)")
        #expect(refused.standardError.contains("to start a new history here on purpose (no deployment ever ran it), remove that file "
            + "first (rm -r migrations/.gitkeep)"), "\(refused.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path("migrations")) == [".gitkeep"])
        // A sum rehashed after the deletion keeps the directory as well.
        try FileManager.default.removeItem(atPath: fixture.path("migrations/.gitkeep"))
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let rehashed = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(rehashed.status == 1 && rehashed.standardError.contains("holds no migration (only migrations.sum)"), "\(rehashed.standardError)")
        try FileManager.default.removeItem(atPath: fixture.path("migrations/migrations.sum"))
        let restarted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(restarted.status == 0 && restarted.standardOutput.hasPrefix("Wrote migrations/1.json"), "\(restarted.standardError)")
    }

    /// A move of the directory merged with `--no-ff`: the merge commit is the one that took the
    /// migrations away on the first-parent history, and the move is found against its first
    /// parent (against the merged branch, which made the move, nothing moved).
    @Test func aDirectoryMovedOnAMergedBranchIsNamedAsMoved() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "move")
        try fixture.git("mv", "migrations", "mig2")
        try fixture.git("commit", "-q", "-m", "move the migrations")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge move", "move")
        try Self.install(3, in: fixture)
        let refused = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("(merge move) moved its migration to mig2:"), "\(refused.standardError)")
    }

    /// The same refusal run from a subdirectory names the new place as -m takes it there, and
    /// applies to configurations given as files (-N/-F) too: the directory's repository tells.
    @Test func theMovedDirectoryRefusalNamesThePathFromHereAndCoversFiles() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        let config = fixture.root.appendingPathComponent("config")
        try Self.install(2, in: fixture)
        let generated = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows"], in: config)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        try fixture.git("mv", "config/migrations", "config/mig2")
        try fixture.git("commit", "-q", "-m", "move")
        try Self.install(3, in: fixture)
        let refused = try runner.run(["generate", "-n", "nodes.yml", "-f", "flows"], in: config)
        #expect(refused.status == 1 && refused.standardError.contains("moved its migration to mig2:")
                && refused.standardError.contains("give the directory it is in now: -m mig2 "), "\(refused.standardError)")
        let old = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Self.examples.appendingPathComponent("v2"), to: old.url.appendingPathComponent("v2"))
        let files = try runner.run(["generate", "-N", old.path("v2/nodes.yml"), "-F", old.path("v2/flows"), "-n", "nodes.yml", "-f", "flows"],
                                   in: config)
        #expect(files.status == 1 && files.standardError.contains("moved its migration to mig2:"), "\(files.standardOutput)\(files.standardError)")
        #expect(!FileManager.default.fileExists(atPath: config.appendingPathComponent("migrations").path))
    }

    @Test func withoutMigrationDirInTheNodesFileAMigrationsDirectoryIsUsed() throws {
        // The nodes file names no migration directory; ./migrations is where generate -m put it.
        func dropMigrationDir(_ fixture: GitFixture) throws {
            let nodes = fixture.root.appendingPathComponent("config/nodes.yml")
            let text = try String(contentsOf: nodes, encoding: .utf8)
            #expect(text.contains("  migration_dir: migrations\n"))
            try text.replacingOccurrences(of: "  migration_dir: migrations\n", with: "").write(to: nodes, atomically: true, encoding: .utf8)
        }
        let fixture = try GitFixture()
        try Self.install(1, in: fixture)
        try dropMigrationDir(fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        try Self.install(2, in: fixture)
        try dropMigrationDir(fixture)
        let runner = try CommandRunner()
        #expect(try runner.run(["generate", "-m", "migrations"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix("— covered by 1.json") == true, "\(history.standardOutput)")
        let check = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test func aStrayFileInTheMigrationDirectoryLeavesHistorysVerdictsAlone() throws {
        let fixture = try Self.repositoryWithMigration()
        try "{}\n".write(to: fixture.root.appendingPathComponent("migrations/notes.json"), atomically: true, encoding: .utf8)
        try "<<<<<<< HEAD\n".write(to: fixture.root.appendingPathComponent("migrations/2.json"), atomically: true, encoding: .utf8)
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix("— covered by 1.json") == true, "\(history.standardOutput)")
        // …but the directory's problems are said, not passed over.
        #expect(history.standardError.contains("migrations/2.json:1: warning: 2.json has a git merge conflict"), "\(history.standardError)")
        #expect(history.standardError.contains("note: the migration directory has problems"))
        #expect(history.status == 0)
        let json = try CommandRunner().run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(json.standardOutput)")
        let problems = try #require(document["migration_directory_problems"] as? [[String: Any]], "\(document)")
        #expect(Set(problems.compactMap { ($0["file"] as? String).map { ($0 as NSString).lastPathComponent } }) == ["2.json", "notes.json"], "\(problems)")
    }

    @Test func historyWarnsAboutABrokenMigrationFile() throws {
        let fixture = try Self.repositoryWithMigration()
        try "".write(to: fixture.root.appendingPathComponent("migrations/1.json"), atomically: true, encoding: .utf8)
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardError.contains("migrations/1.json"), "\(history.standardError)")
        #expect(history.standardError.contains("warning:"), "\(history.standardError)")
        #expect(history.standardError.contains("note: the migration directory has problems"))
    }

    @Test func checkInAShallowCloneComparesWithTheBaseItselfAndSaysSo() throws {
        // CI's shallow checkout: the branch's tip and the target's tip, not the fork between them.
        let fixture = try Self.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.commit("docs", ["README.md": "a"])
        try fixture.commit("more docs", ["README.md": "b"])
        try fixture.run(["clone", "-q", "--depth", "1", "--branch", "feature", "file://" + fixture.root.path, "clone"])
        try fixture.run(["fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main"], in: "clone")
        let check = try CommandRunner().run(["check", "--base", "origin/main"] + Self.configuration,
                                            in: fixture.root.appendingPathComponent("clone"))
        #expect(check.status == 0, "\(check.standardError)")
        #expect(check.standardError.contains("note: the repository is a shallow clone"), "\(check.standardError)")
    }

    @Test func historyAndVerifyInAShallowCloneSayGitCouldNotBeReadAndHowToFetch() throws {
        // Exit 2 (git could not be read), not 1: a CI gate must not take it for a finding.
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        _ = try CommandRunner().run(["generate"] + Self.configuration, in: fixture.root)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 with its migration")
        try fixture.run(["clone", "-q", "--depth", "1", "file://" + fixture.root.path, "clone"])
        let clone = fixture.root.appendingPathComponent("clone")
        for command in [["history"], ["verify", "--git"]] {
            let result = try CommandRunner().run(command + Self.configuration, in: clone)
            #expect(result.status == 2, "\(command): \(result.standardError)")
            #expect(result.standardError.contains("git fetch --unshallow"), "\(command): \(result.standardError)")
        }
    }

    /// A merge that brought a change with its migration, reverted: the change's migration is
    /// gone, and verify says to restore it (deployments may have applied it), not to generate
    /// another in its place, as check and generate already said.
    @Test func verifyAfterARevertThatDeletedAMigrationSaysToRestoreIt() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        try Self.install(2, in: fixture)
        let generated = try CommandRunner().run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--no-ff", "feature", "-m", "Merge feature")
        let merge = try fixture.git("rev-parse", "--short=12", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        try fixture.git("revert", "-m", "1", "--no-edit", "HEAD")
        let verify = try CommandRunner().run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 1, "\(verify.standardError)")
        #expect(verify.standardError.contains("error: \(merge) (Merge feature) changed package_analysis_flow with no migration"),
                "\(verify.standardError)")
        #expect(verify.standardError.contains("this commit added 1.json, which the directory no longer holds (a revert deleted it?)"
            + "; deployments may have applied it: restore, do not regenerate — git checkout \(merge) -- migrations/1.json "
            + "migrations/migrations.sum"), "\(verify.standardError)")
    }

    @Test func aRevisionASquashMergeRewroteIsNamedAsSuchNotAsAShallowClone() throws {
        // A branch of two migrations landed by squash merge, then deleted: the configuration
        // between them (2.json's _meta.old, a commit of the branch) is in no commit any more.
        let fixture = try Self.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        for version in [2, 3] {
            try Self.install(version, in: fixture)
            let generated = try CommandRunner().run(["generate"] + Self.configuration, in: fixture.root)
            #expect(generated.status == 0, "\(generated.standardError)")
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "v\(version)")
        }
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--squash", "feature")
        try fixture.git("commit", "-q", "-m", "feature, squashed")
        try fixture.git("branch", "-q", "-D", "feature")
        try fixture.git("reflog", "expire", "--expire=now", "--all")
        try fixture.git("gc", "-q", "--prune=now")

        // review shows what it can (the edges derived through the migrations) and says what it could not read.
        let review = try CommandRunner().run(["review", "2", "--git"] + Self.configuration, in: fixture.root)
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.standardOutput.contains("is not in this repository (squashed or rebased since, or on a branch deleted since or not fetched here)"),
                "\(review.standardOutput)")
        // analyze needs that configuration: an input it must be given (1), with -N/-F, not a fetch.
        let analyze = try CommandRunner().run(["analyze", "2", "--git", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(analyze.status == 1, "\(analyze.standardError)")
        #expect(analyze.standardError.contains("is not in this repository") && analyze.standardError.contains("hint: pass it with -N/-F")
                && !analyze.standardError.contains("unshallow"), "\(analyze.standardError)")
        let document = try JSONSerialization.jsonObject(with: Data(analyze.standardOutput.utf8)) as? [String: Any]
        #expect(document?["error"] as? String == "unavailable-configuration", "\(analyze.standardOutput)")
    }

    /// A `_meta.old` edited to name another commit of the history (rehashed), or removed: the
    /// configuration its digest records is found in the history, as for a revision no longer
    /// there, not refused as "changed since the migration was generated" or as not recorded.
    @Test func aMigrationWhoseMetaNamesAnotherCommitIsReadByItsDigest() throws {
        let fixture = try Self.repositoryWithBadge()
        let runner = try CommandRunner()
        let first = try fixture.git("rev-list", "--max-parents=0", "HEAD").prefix(12)
        let path = fixture.path("migrations/2.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""old": "git:[0-9a-f]{12}"#, with: "\"old\": \"git:\(first)", options: .regularExpression)
        #expect(edited != text)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let analyze = try runner.run(["analyze", "2", "--git"] + Self.configuration, in: fixture.root)
        #expect(analyze.status == 0 && analyze.standardOutput.contains("reporting_flow: "), "\(analyze.standardError)")
        let review = try runner.run(["review", "2", "--git"] + Self.configuration, in: fixture.root)
        #expect(review.status == 0 && !review.standardOutput.contains("changed since the migration was generated"), "\(review.standardOutput)")
        // No `_meta.old` at all: analyze finds it by its digest all the same.
        let unnamed = edited.replacingOccurrences(of: #""old": "git:[0-9a-f]{12}[^"]*","#, with: "", options: .regularExpression)
        #expect(unnamed != edited)
        try unnamed.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let withoutOld = try runner.run(["analyze", "2", "--git"] + Self.configuration, in: fixture.root)
        #expect(withoutOld.status == 0 && withoutOld.standardOutput.contains("reporting_flow: "), "\(withoutOld.standardError)")
    }

    @Test func aMigrationForAnotherChangeDoesNotCoverACommit() throws {
        // The commit brings v3 but adds the migration generated for v1 → v2 (its digests say so),
        // as a fast-forward landing can leave a branch's merge of main: not "covered".
        let fixture = try Self.repository(at: 1)
        try Self.install(2, in: fixture)
        let generated = try CommandRunner().run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 with the v2 migration")
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?
            .hasSuffix("— added 1.json, which migrates another change (by its _meta digests) — needs migration") == true,
                "\(history.standardOutput)")
    }

    /// A file generated from the wrong base (from before the previous migration) leads to the
    /// commit's configuration, but does not start where the migrations before it end: history
    /// does not call the change covered, as verify --git does not.
    @Test func historyDoesNotCreditAMigrationFromTheWrongBase() throws {
        let fixture = try Self.repositoryWithBadge()
        let runner = try CommandRunner()
        // The next change, migrated from v2 (before the badge) as if 2.json did not exist.
        try TeamWorkflowTests.changeLicenceStore(fixture)
        let elsewhere = try TemporaryDirectory()
        let wrong = try runner.run(["generate", "-N", Self.examples.appendingPathComponent("v2/nodes.yml").path,
                                    "-F", Self.examples.appendingPathComponent("v2/flows").path, "-m", elsewhere.path("m")]
                                   + Self.configuration, in: fixture.root)
        #expect(wrong.status == 0, "\(wrong.standardError)")
        try FileManager.default.copyItem(atPath: elsewhere.path("m/1.json"), toPath: fixture.path("migrations/3.json"))
        // It starts where 2.json starts: the directory refuses it (history reads the commits all the same).
        let rehash = try runner.run(["rehash", "-m", "migrations"], in: fixture.root)
        #expect(rehash.status == 1 && rehash.standardError.contains("3.json migrates from the same configuration as 2.json"),
                "\(rehash.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "licence store")
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix(
            "licence store — licence_analysis_flow — added 3.json, which migrates another change (by its _meta digests) — needs migration")
                == true, "\(history.standardOutput)")
        #expect(history.standardOutput.contains("badge — reporting_flow — covered by 2.json"), "\(history.standardOutput)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 1)
    }

    /// A change that needs no migration (a flow added) between two migrations moves the start
    /// of the second away from where the first leads: the second still covers its own change,
    /// generated from the configuration just before it — not "edited since it was added".
    @Test func aChangeWithoutMigrationBetweenTwoMigrationsLeavesTheSecondCovered() throws {
        let fixture = try GitFixture()
        let runner = try CommandRunner()
        let nodes = """
            tasks:
              - name: A
                import: tasks
              - name: B
                import: tasks
              - name: C
                import: tasks
            flows: [%@]
            global:
              migration_dir: migrations
            """
        func flow(_ name: String, _ edges: [(String, String)]) -> String {
            "  - name: \(name)\n    edges:\n" + edges.map { "      - from: \($0.0)\n        to: \($0.1)\n" }.joined()
        }
        let inOrder = [("", "A"), ("A", "B"), ("B", "C")], reordered = [("", "A"), ("B", "C"), ("A", "B")]
        func install(_ edges: [(String, String)], second: Bool) throws {
            try fixture.directory.write(nodes.replacingOccurrences(of: "%@", with: second ? "f1, f2" : "f1"), to: "nodes.yml")
            try fixture.directory.write("flow-definitions:\n" + flow("f1", edges) + (second ? flow("f2", inOrder) : ""), to: "flows.yml")
        }
        let configuration = ["-n", "nodes.yml", "-f", "flows.yml"]
        func commit(_ message: String, _ edges: [(String, String)], second: Bool, generating: Bool) throws {
            try install(edges, second: second)
            if generating { #expect(try runner.run(["generate"] + configuration, in: fixture.root).status == 0, "\(message)") }
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", message)
        }
        try commit("v1", inOrder, second: false, generating: false)
        try commit("reorder", reordered, second: false, generating: true)
        try commit("add f2", reordered, second: true, generating: false)
        try commit("reorder back", inOrder, second: true, generating: true)
        let history = try runner.run(["history"] + configuration, in: fixture.root)
        #expect(history.status == 0, "\(history.standardError)")
        let lines = history.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(history.standardOutput)")
        #expect(lines.first?.hasSuffix("reorder back — f1 — covered by 2.json") == true, "\(history.standardOutput)")
        #expect(lines.dropFirst().first?.hasSuffix("add f2 — +f2 — no migration needed") == true, "\(history.standardOutput)")
        #expect(lines.dropFirst(2).first?.hasSuffix("reorder — f1 — covered by 1.json") == true, "\(history.standardOutput)")
        #expect(try runner.run(["verify", "--git"] + configuration, in: fixture.root).status == 0)
    }

    /// A configuration that was never valid before a commit leaves nothing to compare it with:
    /// the line says so, and still names the migration the commit added; the invalid commits
    /// before it are searched for a valid one once, not once per later commit.
    @Test func historyNamesTheMigrationOfACommitAfterAnInvalidConfiguration() throws {
        let fixture = try GitFixture()
        let runner = try CommandRunner()
        let nodes = "tasks:\n  - name: A\n    import: tasks\n  - name: B\n    import: tasks\nflows: [f]\nglobal:\n  migration_dir: migrations\n"
        let edges = "flow-definitions:\n  - name: f\n    edges:\n      - from:\n        to: A\n      - from: A\n        to: B\n"
        try fixture.directory.write(nodes.replacingOccurrences(of: "flows: [f]", with: "flows: [f, g]"), to: "nodes.yml")
        try fixture.directory.write(edges, to: "flows.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "broken: g is listed, not defined")
        try fixture.commit("still broken", ["notes.txt": "x"])
        let old = try TemporaryDirectory()
        try old.write(nodes, to: "nodes.yml")
        try old.write(edges, to: "flows.yml")
        try fixture.directory.write(nodes, to: "nodes.yml")
        let reordered = "flow-definitions:\n  - name: f\n    edges:\n      - from: A\n        to: B\n      - from:\n        to: A\n"
        try fixture.directory.write(reordered, to: "flows.yml")
        let generated = try runner.run(["generate", "-N", old.path("nodes.yml"), "-F", old.path("flows.yml"), "-n", "nodes.yml", "-f", "flows.yml"],
                                       in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "fixed, with its migration")
        let history = try runner.run(["history", "-n", "nodes.yml", "-f", "flows.yml"], in: fixture.root)
        #expect(history.status == 0, "\(history.standardError)")
        let lines = history.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("fixed, with its migration — f — previous configuration invalid (added 1.json)") == true,
                "\(history.standardOutput)")
        #expect(lines.last?.hasSuffix("broken: g is listed, not defined — invalid configuration") == true, "\(history.standardOutput)")
    }

    /// A repository whose commit "v1" holds a flow `f` of two edges (∅ → A, A → B) in
    /// `nodes.yml` and `flows.yml`, with `global` as given, and whose working tree has the edges
    /// swapped: a change that needs a migration. Returns the nodes file's text too.
    static func reorderedTwoEdgeFlow(global: String) throws -> (GitFixture, nodes: String) {
        let fixture = try GitFixture()
        let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\nglobal: \(global)\n"
        try fixture.directory.write(nodes, to: "nodes.yml")
        try fixture.directory.write("flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: B}]}]\n", to: "flows.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        try fixture.directory.write("flow-definitions: [{name: f, edges: [{from: A, to: B}, {from: , to: A}]}]\n", to: "flows.yml")
        return (fixture, nodes)
    }

    static let twoEdgeConfiguration = ["-n", "nodes.yml", "-f", "flows.yml"]

    /// A configuration an earlier Selinon ran, with its form of `trace`, is read as an old
    /// configuration (a warning): a change that also brings the configuration to Selinon 1.4 is
    /// migrated, and `history` and `verify --git` read the earlier revision the same way; the
    /// configuration being deployed must suit Selinon 1.4 (`--no-check` lets generate through).
    @Test func anEarlierSelinonsTraceFormIsReadAsAnOldConfiguration() throws {
        let (fixture, nodes) = try Self.reorderedTwoEdgeFlow(global: "{trace: true, migration_dir: migrations}")
        let runner = try CommandRunner()
        let configuration = Self.twoEdgeConfiguration
        let stillOld = try runner.run(["generate", "--dry-run"] + configuration, in: fixture.root)
        #expect(stillOld.status == 1 && stillOld.standardError.contains("or pass --no-check to take them as warnings"), "\(stillOld.standardError)")
        #expect(try runner.run(["generate", "--dry-run", "--no-check"] + configuration, in: fixture.root).status == 0)
        try fixture.directory.write(nodes.replacingOccurrences(of: "trace: true", with: "trace: false"), to: "nodes.yml")
        let generated = try runner.run(["generate"] + configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        #expect(generated.standardError.contains("warning: 'trace' must be a mapping"), "the old one's, as a warning: \(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "reorder")
        let verified = try runner.run(["verify", "--git"] + configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(!verified.standardError.contains("cannot be loaded"), "\(verified.standardError)")
        let history = try runner.run(["history"] + configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix("reorder — f — covered by 1.json") == true, "\(history.standardOutput)")
        // The configuration to deploy with Selinon 1.4's form refused again: verify says so.
        try fixture.directory.write(nodes, to: "nodes.yml")
        #expect(try runner.run(["verify", "--git"] + configuration, in: fixture.root).status == 1)
    }

    /// A migration committed with its change in a commit whose configuration was invalid (an
    /// unrelated error, fixed in the next commit): the fix's change since the last valid
    /// configuration is covered by it, added in another commit — not "needs migration"; a file
    /// without `_meta` (`--no-meta`, Selinon's own) by its effect.
    @Test(arguments: [[], ["--no-meta"]])
    func aMigrationAddedWithAnInvalidConfigurationCoversTheFixedChange(_ options: [String]) throws {
        let (fixture, nodes) = try Self.reorderedTwoEdgeFlow(global: "{migration_dir: migrations}")
        let runner = try CommandRunner()
        let configuration = Self.twoEdgeConfiguration
        #expect(try runner.run(["generate"] + options + configuration, in: fixture.root).status == 0)
        try fixture.directory.write(nodes.replacingOccurrences(of: "flows: [f]", with: "flows: [f, g]"), to: "nodes.yml")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "reorder, with an error")
        try fixture.directory.write(nodes, to: "nodes.yml")
        try fixture.git("commit", "-qam", "fix the error")
        let history = try runner.run(["history"] + configuration, in: fixture.root)
        let lines = history.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("fix the error — f (since ") == true
                && lines.first?.hasSuffix("— covered by 1.json, added in another commit") == true, "\(history.standardOutput)")
        #expect(try runner.run(["verify", "--git"] + configuration, in: fixture.root).status == 0)
    }

    /// A change that drops `migration_dir` and the migrations the base kept there (a revert of
    /// the commit that added them): check names the base's migrations, not "no migration
    /// directory is configured" (whose hint would start a second history).
    @Test func checkNamesTheBasesMigrationsAChangeDrops() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("rm", "-rq", "migrations")
        try Self.install(3, in: fixture)
        let nodes = fixture.root.appendingPathComponent("config/nodes.yml")
        let text = try String(contentsOf: nodes, encoding: .utf8)
        #expect(text.contains("  migration_dir: migrations\n"))
        try text.replacingOccurrences(of: "  migration_dir: migrations\n", with: "").write(to: nodes, atomically: true, encoding: .utf8)
        let result = try CommandRunner().run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("sets global.migration_dir to migrations, which holds 1 migration there, and this "
            + "configuration sets none while "), "\(result.standardError)")
        #expect(result.standardError.contains("git checkout "), "\(result.standardError)")
        #expect(!result.standardError.contains("no migration directory is configured"), "\(result.standardError)")
        // The setting dropped, the directory kept (and a migration for the change added there): still named.
        try fixture.git("checkout", "HEAD", "--", "migrations")
        #expect(try CommandRunner().run(["generate", "-m", "migrations"] + Self.configuration, in: fixture.root).status == 0)
        let kept = try CommandRunner().run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(kept.status == 1 && kept.standardError.contains("and this configuration sets none while "), "\(kept.standardOutput)\(kept.standardError)")
    }

    /// A revert of the commit that added a migration removes the file with the change: history
    /// says so, as deployments may have applied it.
    @Test func historyNamesTheMigrationsACommitRemoved() throws {
        let fixture = try Self.repositoryWithMigration()
        try fixture.git("revert", "--no-edit", "HEAD")
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.status == 0, "\(history.standardError)")
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix("— removed 1.json, which deployments may have applied") == true,
                "\(history.standardOutput)")
        let json = try CommandRunner().run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.first?["removed_migrations"] as? [String] == ["1.json"], "\(revisions)")
        #expect(revisions.dropFirst().allSatisfy { $0["removed_migrations"] == nil })
        // The commit that added it: removed since, not "renumbered or replaced"; and the note on
        // the directory, gone with its only file, does not deny the files the lines name.
        #expect(revisions.dropFirst().first?["status"] as? String == "covered-by-removed", "\(revisions)")
        let lines = history.standardOutput.split(separator: "\n")
        #expect(lines.dropFirst().first?.hasSuffix("v2 — package_analysis_flow, security_analysis_flow (condition changed), +sbom_flow — added 1.json, which the directory no longer holds "
            + "(removed since)") == true, "\(history.standardOutput)")
        #expect(history.standardError == "note: there is no migration directory migrations here now, so no change is covered by a migration "
            + "that is still there\n", "\(history.standardError)")
    }

    /// A commit subject is anyone's text: its escape sequences and direction overrides are shown,
    /// not sent — also when standard output is a file or a CI log, which act on them too.
    @Test func historyShowsTheControlsOfACommitSubject() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.commit("docs \u{1B}]0;title\u{07} \u{1B}[31mred\u{1B}[0m \u{202E}evil", ["README.md": "x"])
        try Self.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 \u{1B}[2K")
        let result = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardOutput.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E }, "\(result.standardOutput)")
        #expect(result.standardOutput.contains(#"v2 \u{1B}[2K — "#), "\(result.standardOutput)")
    }

    /// History follows a renamed flow directory back to where it was (as `git log --follow`
    /// does): the rename changed nothing, and v1 is the initial configuration at its old paths.
    @Test func historyFollowsARenamedFlowDirectory() throws {
        let fixture = try Self.repository(at: 1)
        try fixture.git("mv", "config/flows", "config/pipelines")
        try fixture.git("commit", "-q", "-m", "rename the flow directory")
        let arguments = ["history", "-n", "config/nodes.yml", "-f", "config/pipelines"]
        let result = try CommandRunner().run(arguments, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.standardOutput)")
        #expect(lines.first?.hasSuffix("rename the flow directory — no edge changes (moved from config/nodes.yml, config/flows) — "
            + "no migration needed") == true, "\(result.standardOutput)")
        #expect(lines.last?.contains("v1 — ") == true && lines.last?.hasSuffix("— initial configuration") == true, "\(result.standardOutput)")
        let json = try CommandRunner().run(arguments + ["--format", "json"], in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(json.standardOutput)")
        let revisions = try #require(document["revisions"] as? [[String: Any]], "\(document)")
        #expect(revisions.first?["moved_from"] as? [String] == ["config/nodes.yml", "config/flows"], "\(revisions)")
    }

    /// A flow directory copied (the old one kept) is not a move: history reads the paths given,
    /// and before the copy the flow files were not there — said so, not "invalid configuration"
    /// and "every flow changed".
    @Test func historyBeforeACopiedFlowDirectorySaysItWasNotThere() throws {
        let fixture = try Self.repository(at: 1)
        try FileManager.default.copyItem(atPath: fixture.path("config/flows"), toPath: fixture.path("config/pipelines"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "copy the flow directory")
        let arguments = ["history", "-n", "config/nodes.yml", "-f", "config/pipelines"]
        let result = try CommandRunner().run(arguments, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.standardOutput)")
        #expect(lines.first?.hasSuffix("copy the flow directory — the flow files are at these paths from here on (moved here?); "
            + "compare with the old paths by hand (diff -N/-F)") == true, "\(result.standardOutput)")
        #expect(lines.last?.hasSuffix("v1 — the flow files are not at these paths here (moved since?); history reads the paths given") == true,
                "\(result.standardOutput)")
        let json = try CommandRunner().run(arguments + ["--format", "json"], in: fixture.root)
        #expect(json.standardOutput.contains("\"status\": \"first-at-these-paths\"") && json.standardOutput.contains("\"status\": \"not-at-these-paths\""))
    }

    /// One migration generated over two commits' changes (`generate --from HEAD~2 --to HEAD`)
    /// covers both, as verify --git and check find — history said both needed a migration.
    @Test func historyCreditsAMigrationGeneratedOverSeveralCommits() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        for version in [2, 3] {
            try Self.install(version, in: fixture)
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "v\(version) without its migration")
        }
        let generated = try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration for v2 and v3")
        let ids = try fixture.git("rev-list", "--max-count=3", "HEAD~1").split(separator: "\n").map(String.init)
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        let lines = history.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(history.standardOutput)")
        #expect(lines.first?.hasSuffix("v3 without its migration — licence_analysis_flow, package_analysis_flow — covered by 1.json "
            + "(one migration for this change and that of \(ids[1].prefix(12))), added in another commit") == true, "\(history.standardOutput)")
        #expect(lines.dropFirst().first?.hasSuffix("v2 without its migration — package_analysis_flow, security_analysis_flow (condition changed), +sbom_flow — covered by 1.json "
            + "(one migration for this change and that of \(ids[0].prefix(12))), added in another commit") == true, "\(history.standardOutput)")
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String } == ["covered-together", "covered-together", "initial"], "\(revisions)")
        #expect(revisions.map { $0["covered_together_with"] as? [String] } == [[ids[1]], [ids[0]], nil], "\(revisions)")
        // verify --git agrees: the file leads from v1 to v3.
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        // A migration of the newest change alone does not cover the one before it.
        try fixture.git("reset", "-q", "--hard", "HEAD~1")
        _ = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        let partial = try runner.run(["history"] + Self.configuration, in: fixture.root)
        let partialLines = partial.standardOutput.split(separator: "\n").map(String.init)
        #expect(partialLines.count == 3 && partialLines[0].hasSuffix("covered by 1.json, which is not committed as it is (git add and commit it)")
            && partialLines[1].hasSuffix("— needs migration"), "\(partial.standardOutput)")
    }

    /// Commits the example at each version in turn, one commit per version.
    static func commit(_ versions: [Int], in fixture: GitFixture, as message: (Int) -> String) throws {
        for version in versions {
            try install(version, in: fixture)
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", message(version))
        }
    }

    /// A migration generated over two commits covers those two, not a revert and re-apply of
    /// the newer one after it, though they lead back to the same configurations: migrations are
    /// matched to the history in order, each from where the one before it ended, as verify --git
    /// matches them.
    @Test func historyDoesNotCreditASpanningMigrationToARevertAfterIt() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.commit([2, 3], in: fixture) { "v\($0) without its migration" }
        let generated = try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration for v2 and v3")
        try Self.commit([2, 3], in: fixture) { "back to v\($0)" }
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String }
                == ["needs-migration", "needs-migration", "covered-together", "covered-together", "initial"], "\(revisions)")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1, "\(verified.standardOutput)")
    }

    /// The same change made twice — inside a span, and again after a revert — with a migration
    /// each time: the later migration covers the later change only, though its digests name the
    /// earlier too, as verify --git matches them.
    @Test func historyCreditsAChangeMadeTwiceWithTheMigrationOfEach() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.commit([2, 3], in: fixture) { "v\($0) without its migration" }
        #expect(try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration for v2 and v3")
        for version in [2, 3] {
            try Self.install(version, in: fixture)
            #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "back to v\(version)")
        }
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String } == ["covered", "covered", "covered-together", "covered-together", "initial"], "\(revisions)")
        #expect(revisions.map { $0["migrations"] as? [String] } == [["3.json"], ["2.json"], ["1.json"], ["1.json"], []], "\(revisions)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A change made, reverted and made again, all without migrations, then the last one
    /// migrated: the migration covers the change it was generated from (`_meta.old` names the
    /// revert), not the first with the same digests — verify --git and history agree, and both
    /// name the earlier changes as needing migrations.
    @Test func aMigrationCoversTheChangeItsMetaNamesWhenTheSameChangeWasMadeTwice() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.commit([2, 3, 2], in: fixture) { "to v\($0)" }
        try Self.install(3, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 again, with its migration")
        let ids = try fixture.git("rev-list", "--max-count=5", "HEAD").split(separator: "\n").map { String($0.prefix(12)) }
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        for (id, subject) in [(ids[3], "to v2"), (ids[2], "to v3"), (ids[1], "to v2")] {
            #expect(verified.standardError.contains("error: \(id) (\(subject)) changed "), "\(verified.standardError)")
        }
        #expect(!verified.standardError.contains("\(ids[0]) (v3 again"), "\(verified.standardError)")
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String }
                == ["covered", "needs-migration", "needs-migration", "needs-migration", "initial"], "\(revisions)")
    }

    /// A migration generated over a commit that needed none (a condition changed) and one that
    /// needed it covers that one change: "covered by 1.json", not "one migration for this
    /// change and that of" a commit that needed none.
    @Test func aSpanOverACommitThatNeededNoMigrationCoversTheOtherAlone() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try TeamWorkflowTests.edit(fixture, "config/flows/analysis.yml", "            key: licences\n            length: 0",
                                   "            key: licences\n            length: 5")
        try fixture.git("commit", "-q", "-a", "-m", "five licences")
        try Self.commit([2], in: fixture) { "v\($0) without its migration" }
        #expect(try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "the migration")
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String } == ["covered-later", "not-needed", "initial"], "\(revisions)")
        #expect(revisions.allSatisfy { $0["covered_together_with"] == nil }, "\(revisions)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A change made again with its migration, then amended to go further: verify --git names
    /// the file as not matching the change it was generated for (its `_meta.old` commit's), not
    /// as a copy of the first pass's migration to delete.
    @Test func anAmendedChangeMadeAgainDoesNotMatchItsMigration() throws {
        let fixture = try Self.repositoryWithMigration()
        let runner = try CommandRunner()
        for version in [1, 2] {
            try Self.install(version, in: fixture)
            #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "to v\(version) with its migration")
        }
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--amend", "-m", "to v3, amended")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("error: 3.json does not match the change ") && verified.standardError.contains("(to v3, amended) it was generated for"),
                "\(verified.standardError)")
        #expect(!verified.standardError.contains("generated twice"), "\(verified.standardError)")
    }

    /// A change and its revert inside a span are covered by the migration over the span, as
    /// verify --git finds: the file leads from the configuration before them to the one after
    /// (the last change, from the reverted configuration, has its digests, and is covered with
    /// the others all the same).
    @Test func historyCreditsASpanningMigrationToARevertInsideIt() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.commit([2, 1, 4], in: fixture) { "to v\($0)" }
        let generated = try runner.run(["generate", "--from", "HEAD~3", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration from v1 to v4")
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let revisions = try #require(document["revisions"] as? [[String: Any]])
        #expect(revisions.map { $0["status"] as? String }
                == ["covered-together", "covered-together", "covered-together", "initial"], "\(revisions)")
        #expect(revisions.map { ($0["covered_together_with"] as? [String])?.count } == [2, 2, 2, nil], "\(revisions)")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
    }

    /// A commit that changed a condition changed an edge — in place, needing no migration —
    /// and its line says which flow and what, not "no edge changes".
    @Test func historySaysWhichEdgesChangedInPlace() throws {
        let fixture = try Self.repository(at: 1)
        try TeamWorkflowTests.edit(fixture, "config/flows/analysis.yml", "            key: licences\n            length: 0",
                                   "            key: licences\n            length: 5")
        try fixture.git("commit", "-q", "-a", "-m", "five licences")
        let history = try CommandRunner().run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.split(separator: "\n").first?.hasSuffix(
            "five licences — licence_analysis_flow (condition changed) — no migration needed") == true, "\(history.standardOutput)")
        let json = try CommandRunner().run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let first = try #require((document["revisions"] as? [[String: Any]])?.first)
        #expect(first["changed_in_place"] as? [String: [String]] == ["licence_analysis_flow": ["condition"]], "\(first)")
        #expect(first["changed_flows"] as? [String] == [] && first["status"] as? String == "not-needed", "\(first)")
    }

    @Test func historyListsEachChangeAndItsMigration() throws {
        let fixture = try Self.repository(at: 1)
        let runner = try CommandRunner()
        try Self.install(2, in: fixture)
        _ = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 with its migration")
        try fixture.commit("docs only", ["README.md": "x"])
        try Self.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 forgot the migration")
        let result = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("v3 forgot the migration — licence_analysis_flow, package_analysis_flow — needs migration"))
        #expect(lines[1].hasSuffix("v2 with its migration — package_analysis_flow, security_analysis_flow (condition changed), +sbom_flow — covered by 1.json"))
        #expect(lines[2].hasSuffix("— initial configuration"))
        let json = try runner.run(["history", "--format", "json"] + Self.configuration, in: fixture.root)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any], "\(json.standardOutput)")
        let revisions = try #require(document["revisions"] as? [[String: Any]], "\(document)")
        #expect(revisions.map { $0["status"] as? String } == ["needs-migration", "covered", "initial"], "\(revisions)")
        #expect(document["migration_directory"] as? String == "migrations" && document["migration_directory_problems"] == nil, "\(document)")
        // The migration, committed afterwards, covers the change its _meta digests name; before it
        // is committed, history and verify --git say that it is not.
        let generated = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let uncommitted = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(uncommitted.standardOutput.split(separator: "\n").first?.hasSuffix("v3 forgot the migration — licence_analysis_flow, "
            + "package_analysis_flow — covered by 2.json, which is not committed as it is (git add and commit it)") == true,
                "\(uncommitted.standardOutput)")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardError.contains("note: not committed as they are here (HEAD lacks them, or holds other bytes): 2.json; "
            + "commit them with the changes they migrate"), "\(verified.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migration for v3")
        let later = try runner.run(["history"] + Self.configuration, in: fixture.root)
        let typo = try runner.run(["history", "-n", "config/nodes.yml", "-f", "config/flow"], in: fixture.root)
        #expect(typo.status == 1)
        #expect(typo.standardError == "error: config/flow is neither in the working tree nor at HEAD\n  hint: check the paths given with -n/-f\n")
        #expect(later.standardOutput.split(separator: "\n")[0].hasSuffix(
            "v3 forgot the migration — licence_analysis_flow, package_analysis_flow — covered by 2.json, added in another commit"),
            "\(later.standardOutput)")
        // A commit's own migration, edited and rehashed since, is not "added in another commit".
        try TeamWorkflowTests.edit(fixture, "migrations/1.json", "\"IGNORE\"", "\"FAIL\"")
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        try fixture.git("commit", "-q", "-a", "-m", "fail instead")
        let edited = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(edited.standardOutput.contains("v2 with its migration — package_analysis_flow, security_analysis_flow (condition changed), +sbom_flow — "
            + "covered by 1.json, edited since this commit added it\n"), "\(edited.standardOutput)")
    }
}
