import Foundation
import Testing
import TestSupport

/// `check` as a pre-commit hook runs it: what passes is what the commit holds, the first commit
/// goes through, a repository with a separate git directory is read where the hook runs, and the
/// merge a hook sees is not resolved by dropping the merged branch's migrations.
struct PreCommitTests {
    static let configuration = GitCommandTests.configuration

    @Test func stagedRefusesAMigrationThatIsNotAdded() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "config")
        // Without --staged the working tree (with its migration) passes; the commit would not hold it.
        #expect(try runner.run(["check"] + Self.configuration, in: fixture.root).status == 0)
        let unstaged = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(unstaged.status == 1)
        #expect(unstaged.standardError.contains("error: migrations/1.json is not added to git: the commit would not hold what was checked"))
        #expect(unstaged.standardError.contains("hint: stage it (git add migrations/1.json)"))
        #expect(unstaged.standardError.contains("migrations/migrations.sum is not added to git"))
        // `git commit -a` stages into a temporary index (GIT_INDEX_FILE) for its hooks: that one is read.
        try FileManager.default.copyItem(atPath: fixture.path(".git/index"), toPath: fixture.path(".git/commit-index"))
        try fixture.run(["add", "migrations"], environment: ["GIT_INDEX_FILE": fixture.path(".git/commit-index")])
        let hooked = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root,
                                    environment: ["GIT_INDEX_FILE": fixture.path(".git/commit-index")])
        #expect(hooked.status == 0, "\(hooked.standardError)")
        try fixture.git("add", "migrations")
        let staged = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(staged.status == 0, "\(staged.standardError)")
        #expect(staged.standardOutput.hasPrefix("ok: 1.json covers the change since"))
    }

    /// Nothing staged yet: the configuration's files and the migration's are named in one run.
    @Test func stagedNamesTheConfigurationAndTheMigrationAtOnce() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        let result = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        for file in ["config/nodes.yml has changes", "migrations/1.json is not added", "migrations/migrations.sum is not added"] {
            #expect(result.standardError.contains(file), "\(file): \(result.standardError)")
        }
    }

    @Test func stagedReportsOnlyTheUnstagedFilesWhenTheWorkingTreeIsAhead() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        // Staged: v2 and its migration. The working tree moves on to v3 without staging it.
        try GitCommandTests.install(3, in: fixture)
        let ahead = try runner.run(["check", "--staged", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(ahead.status == 1)
        #expect(ahead.standardOutput.contains("\"kind\": \"unstaged-change\""))
        #expect(ahead.standardOutput.contains("config/nodes.yml has changes that are not staged"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ahead.standardOutput.utf8)) as? [String: Any])
        let files = (report["problems"] as? [[String: Any]])?.compactMap { $0["kind"] as? String == "unstaged-change" ? $0["file"] as? String : nil }
        #expect(files?.contains("config/nodes.yml") == true, "\(ahead.standardOutput)")
        // The working tree's own findings (a stale 1.json) would judge what the commit does not hold.
        #expect(!ahead.standardOutput.contains("stale-migration"))
        // A deleted flow file whose deletion is not staged is named with its fix.
        try GitCommandTests.install(2, in: fixture)
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("config/flows/ingest.yml"))
        let deleted = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(deleted.status == 1)
        #expect(deleted.standardError.contains("config/flows/ingest.yml is deleted but the deletion is not staged"))
        #expect(deleted.standardError.contains("git rm config/flows/ingest.yml"))
    }

    @Test func stagedIgnoresFilesCheckDoesNotRead() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        try fixture.directory.write("notes", to: "config/flows/README.md")
        try fixture.directory.write("notes", to: "migrations/NOTES.txt")
        // Not direct, or hidden: not what the sum covers, nor what check reads.
        try fixture.directory.write("{}", to: "migrations/archive/1.json")
        try fixture.directory.write("{}", to: "migrations/.draft.json")
        let result = try CommandRunner().run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(result.status == 0, "\(result.standardError)")
        // A flow file replaced by a link is one change, not a deletion to stage with git rm.
        let link = fixture.root.appendingPathComponent("config/flows/ingest.yml")
        try FileManager.default.moveItem(at: link, to: fixture.root.appendingPathComponent("config/ingest.yml"))
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../ingest.yml")
        let linked = try CommandRunner().run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(linked.status == 1)
        #expect(linked.standardError.contains("config/flows/ingest.yml has changes that are not staged"))
        #expect(!linked.standardError.contains("git rm"), "\(linked.standardError)")
    }

    /// Files git does not report as changed can still differ from what the commit holds: a flow
    /// file marked skip-worktree (or assume-unchanged), one git ignores. --staged compares the
    /// configuration the index holds with the working tree's and refuses the difference.
    @Test(arguments: ["skip-worktree", "ignored"])
    func stagedRefusesAConfigurationGitDoesNotSeeChanged(_ hiding: String) throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        if hiding == "skip-worktree" {
            try fixture.git("update-index", "--skip-worktree", "config/nodes.yml", "config/flows/analysis.yml", "config/flows/ingest.yml")
            try GitCommandTests.install(2, in: fixture)
            #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        } else {
            // The flow file moves to a name .gitignore matches, and its old name's deletion is staged.
            try fixture.directory.write("config/flows/local-*.yml\n", to: ".gitignore")
            try fixture.git("add", ".gitignore")
            try fixture.git("mv", "config/flows/reporting.yml", "config/flows/local-reporting.yml")
            try fixture.git("rm", "-q", "--cached", "config/flows/local-reporting.yml")
        }
        try fixture.git("add", "-A")
        let result = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1, "\(result.standardOutput)")
        let expected = hiding == "ignored"
            ? "the configuration as it would be committed (the git index) does not load, while the working tree's does"
            : "the edges of 'package_analysis_flow', 'sbom_flow', 'security_analysis_flow' differ between the working tree and what git would commit"
        #expect(result.standardError.contains(expected), "\(result.standardError)")
        #expect(result.standardError.contains("git update-index --no-skip-worktree"), "\(result.standardError)")
        // Without --staged, the working tree is what is checked, and it is consistent.
        #expect(try runner.run(["check"] + Self.configuration, in: fixture.root).status == 0)
    }

    @Test func theFirstCommitPasses() throws {
        let fixture = try GitFixture()
        try GitCommandTests.install(1, in: fixture)
        let runner = try CommandRunner()
        #expect(try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root).status == 1, "nothing is staged yet")
        try fixture.git("add", "-A")
        let first = try runner.run(["check", "--staged"] + Self.configuration, in: fixture.root)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput == "ok: HEAD's branch has no commits yet (a new repository, or an orphan branch): no flow of it can be in flight, "
                + "so nothing needs a migration\n")
        // The hook of docs/ci compares with HEAD explicitly: the same.
        let hook = try CIDocsTests.commands(in: "pre-commit-config.yaml", base: "HEAD")[0]
        let hooked = try runner.run(hook, in: fixture.root)
        #expect(hooked.status == 0, "\(hooked.standardError)")
        let json = try runner.run(["check", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(json.status == 0)
        #expect(json.standardOutput.contains("\"base\": null"), "\(json.standardOutput)")
        // The other commands that read the history agree: no commits yet is no error, and every
        // migration there is the branch's own.
        let old = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v2").path
        #expect(try runner.run(["generate", "-N", old + "/nodes.yml", "-F", old + "/flows"] + Self.configuration, in: fixture.root).status == 0)
        for (command, says) in [(["review", "--pending"], "migration 1 (IGNORE)"), (["analyze", "--pending"], "migration 1:"),
                                (["verify", "--git"], "ok: migrations matches migrations.sum\n"), (["history"], "no commits yet\n")] {
            let result = try runner.run(command + Self.configuration, in: fixture.root)
            #expect(result.status == 0, "\(command): \(result.standardError)")
            #expect(result.standardOutput.contains(says), "\(command): \(result.standardOutput)")
            #expect(command == ["history"] || result.standardError.contains("note: HEAD's branch has no commits yet"), "\(command): \(result.standardError)")
        }
        // An invalid configuration still fails.
        try fixture.directory.write("tasks: [", to: "config/nodes.yml")
        #expect(try runner.run(["check"] + Self.configuration, in: fixture.root).status == 1)
    }

    @Test func aSeparateGitDirectoryIsReadWhereTheHookRuns() throws {
        // `git init --separate-git-dir`: hooks get GIT_DIR, and the working tree is where they run.
        let fixture = try GitFixture()
        let gitDirectory = try TemporaryDirectory(prefix: "selinon-migrate-gitdir")
        let separate = gitDirectory.url.appendingPathComponent("repo.git").path
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent(".git"))
        try fixture.git("init", "-q", "-b", "main", "--separate-git-dir", separate)
        try GitCommandTests.install(1, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v1")
        try GitCommandTests.install(2, in: fixture)
        let result = try CommandRunner().run(["check"] + Self.configuration, in: fixture.root, environment: ["GIT_DIR": separate])
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardError.contains("changed since"))
        #expect(result.standardError.contains("without a migration"))
    }

    @Test func aFlowFileLinkedOutOfTheRepositoryIsAnErrorNotANewConfiguration() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let outside = try TemporaryDirectory(prefix: "selinon-migrate-outside")
        let target = outside.url.appendingPathComponent("ingest.yml")
        let link = fixture.root.appendingPathComponent("config/flows/ingest.yml")
        try FileManager.default.moveItem(at: link, to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "linked")
        let result = try CommandRunner().run(["check"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(!result.standardOutput.contains("ok:"))
        #expect(result.standardError.contains("config/flows/ingest.yml' is a symbolic link to"))
        #expect(result.standardError.contains("outside the repository"))
        // What the repository holds (exit 1), as generate says, not a failure to read it (2).
        let diff = try CommandRunner().run(["diff", "--from", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(diff.status == 1, "\(diff.standardError)")
        #expect(diff.standardError.contains("config/flows/ingest.yml' is a symbolic link to"))
    }

    @Test func rebaseOntoHeadDuringAMergeDoesNotDropTheMergedMigrations() throws {
        let runner = try CommandRunner()
        let fixture = try GitCommandTests.repositoryWithMigration()
        try fixture.git("checkout", "-q", "-b", "feature")
        let v3 = GitCommandTests.examples.appendingPathComponent("v3")
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("config/flows/ingest.yml"))
        try FileManager.default.copyItem(at: v3.appendingPathComponent("flows/ingest.yml"),
                                         to: fixture.root.appendingPathComponent("config/flows/ingest.yml"))
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "feature")
        // A second migration of the branch's own (3.json), a number the rebase below takes again.
        try TeamWorkflowTests.edit(fixture, "config/flows/reporting.yml", GitCommandTests.reportingEdge, GitCommandTests.reportingEdges)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "feature, badge")
        try fixture.git("checkout", "-q", "main")
        for file in ["nodes.yml", "flows/analysis.yml"] {
            let path = fixture.root.appendingPathComponent("config/" + file)
            try FileManager.default.removeItem(at: path)
            try FileManager.default.copyItem(at: v3.appendingPathComponent(file), to: path)
        }
        // Generated with RETRY: a rebase that drops it keeps its strategy for the change it migrates again.
        #expect(try runner.run(["generate", "-t", "RETRY"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "main's change")
        try fixture.git("checkout", "-q", "feature")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "main") }

        let refused = try runner.run(["rebase", "--onto", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("error: the merge under way brings 2.json from MERGE_HEAD, which HEAD does not have"))
        #expect(refused.standardError.contains("keep its migrations: selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f config/flows; "
            + "if it was never deployed, add --drop-merged"))
        // Only the user knows which side may be deployed: --drop-merged says the merged one was not.
        let dropping = try runner.run(["rebase", "--onto", "HEAD", "--drop-merged", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(dropping.status == 0, "\(dropping.standardError)")
        #expect(dropping.standardError.contains("note: dropping 2.json of the branch being merged (--drop-merged)"))
        #expect(dropping.standardOutput.contains("would write 4.json (RETRY)"), "\(dropping.standardOutput)")
        // The pre-commit hook's check --base HEAD names both.
        let check = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f config/flows when the branch being merged may be deployed"))
        #expect(check.standardError.contains("selinon-migrate rebase --onto HEAD --drop-merged -n config/nodes.yml -f config/flows when only this branch's"))
        // (Not followed by what the merged branch's rebase alone keeps, which --drop-merged does not.)
        #expect(!check.standardError.contains("may be: it keeps that branch's migrations"), "\(check.standardError)")
        let rebased = try runner.run(["rebase", "--onto", "MERGE_HEAD"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
        #expect(rebased.standardOutput.contains("kept 1.json … 2.json from MERGE_HEAD"))
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        // The pre-commit hook (--base HEAD) lets the merge commit through too: HEAD's own 3.json,
        // which the rebase replaced, is this branch's, not another branch's taking the number.
        try fixture.git("add", "-A")
        let hook = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(hook.status == 0, "\(hook.standardError)")
    }
}
