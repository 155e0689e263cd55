import FlowMigration
import Foundation
import Testing
import TestSupport

/// The migration directory in a team: the sum against edits, verification against history,
/// and two branches that add the same migration number — on real repositories.
struct TeamWorkflowTests {
    static let configuration = GitCommandTests.configuration

    /// Replaces `old` by `new` in `file` of the fixture (it must occur).
    static func edit(_ fixture: GitFixture, _ file: String, _ old: String, _ new: String) throws {
        let url = fixture.root.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old), "\(file) contains \(old)")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    /// The three edits the branches make.
    static func changeLicenceStore(_ fixture: GitFixture) throws {
        try edit(fixture, "config/flows/analysis.yml", "        to: StoreLicenceReport\n", "        to: [StoreLicenceReport, FlagUnknownLicence]\n")
    }

    static func changeLicenceReview(_ fixture: GitFixture) throws {
        try edit(fixture, "config/flows/analysis.yml", "        to: RequestLegalReview\n", "        to: [RequestLegalReview, FlagUnknownLicence]\n")
    }

    static func removeNotification(_ fixture: GitFixture) throws {
        try edit(fixture, "config/flows/reporting.yml", "      - from: PublishReport\n        to: notification_flow\n", "")
    }

    /// `main` at v1, branch `first` merged into it with its migration, and `second` branched
    /// from v1 with its own migration 1.json (and whatever `then` commits after it), then
    /// merging main: the migrations conflict.
    static func conflictingBranches(second secondChange: (GitFixture) throws -> Void,
                                    then: (GitFixture) throws -> Void = { _ in }) throws -> GitFixture {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "first")
        try changeLicenceStore(fixture)
        #expect(try runner.run(["generate"] + configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "first: licence store")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("checkout", "-q", "-b", "second")
        try secondChange(fixture)
        #expect(try runner.run(["generate", "-t", "RETRY"] + configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "second: its change")
        try then(fixture)
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--ff-only", "first")
        try fixture.git("checkout", "-q", "second")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "main") }
        return fixture
    }

    /// A repository at v2 whose commit holds migration 1 (v1 → v2), generated as the README says.
    /// Generates the migration of the working tree's change and commits both as `message`.
    static func commitWithItsMigration(_ fixture: GitFixture, _ message: String) throws {
        #expect(try CommandRunner().run(["generate"] + configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", message)
    }

    static func committedV2WithItsMigration() throws -> GitFixture {
        let fixture = try GitCommandTests.repository(at: 1)
        try GitCommandTests.install(2, in: fixture)
        #expect(try CommandRunner().run(["generate"] + configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        return fixture
    }

    /// ``conflictingBranches(second:)`` (removing the notification) with the migration conflict
    /// resolved by taking one side's files (`--ours`, `--theirs`), staged, and committed when
    /// `commit` gives the message.
    static func mergeResolvingMigrations(keeping side: String, commit: String?) throws -> GitFixture {
        let fixture = try conflictingBranches(second: removeNotification)
        try fixture.git("checkout", side, "migrations/1.json", "migrations/migrations.sum")
        try fixture.git("add", "-A")
        if let commit { try fixture.git("commit", "-q", "-m", commit) }
        return fixture
    }

    /// `main` at v1, checked out, and a branch `feature` made from it that changed the licence
    /// store with its migration (1.json).
    static func mainWithFeatureBranch() throws -> GitFixture {
        let fixture = try GitCommandTests.repository(at: 1)
        try fixture.git("checkout", "-q", "-b", "feature")
        try changeLicenceStore(fixture)
        try commitWithItsMigration(fixture, "feature: licence store")
        try fixture.git("checkout", "-q", "main")
        return fixture
    }

    /// ``mainWithFeatureBranch()`` whose `feature` then commits a change without its migration
    /// (no notification); main checked out.
    static func mainWithFeatureMissingItsLastMigration() throws -> GitFixture {
        let fixture = try mainWithFeatureBranch()
        try fixture.git("checkout", "-q", "feature")
        try removeNotification(fixture)
        try fixture.git("commit", "-q", "-am", "feature: no notification, no migration")
        try fixture.git("checkout", "-q", "main")
        return fixture
    }

    /// `main` at v1 and a branch `feature` (licence store) with its migration; `main` then
    /// changes `mainChange` (with its migration when `migrated`), and squashes the branch in:
    /// `git merge --squash feature`, whose result is staged, not committed, and has no MERGE_HEAD.
    static func squashingFeatureIntoMain(after mainChange: (GitFixture) throws -> Void, migrated: Bool) throws -> GitFixture {
        let fixture = try mainWithFeatureBranch()
        try mainChange(fixture)
        if migrated {
            try commitWithItsMigration(fixture, "main: its change")
            // Both added 1.json: git stops at the conflicts.
            #expect(throws: GitFixtureError.self) { try fixture.git("merge", "--squash", "feature") }
        } else {
            try fixture.git("commit", "-q", "-a", "-m", "main: its change, which needs no migration")
            try fixture.git("merge", "--squash", "feature")
        }
        return fixture
    }

    /// A squash whose migrations collide with main's: no MERGE_HEAD names the branch, so the
    /// hints give `rebase --onto HEAD` (main's migrations stay, the squashed change is migrated
    /// after them) — and following them gives a history `verify --git` accepts.
    @Test func aConflictedSquashMergeIsFixedByRebasingOntoHead() throws {
        let fixture = try Self.squashingFeatureIntoMain(after: Self.changeLicenceReview, migrated: true)
        let runner = try CommandRunner()
        let fix = "run selinon-migrate rebase --onto HEAD -n config/nodes.yml -f config/flows: a git merge --squash is under way, and it "
            + "keeps HEAD's migrations and migrates the squashed change after them"
        let checked = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 1 && checked.standardError.contains("1.json has a git merge conflict"), "\(checked.standardError)")
        #expect(checked.standardError.contains("hint: " + fix), "\(checked.standardError)")
        #expect(!checked.standardError.contains("<the branch you merged>"), "\(checked.standardError)")
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 1 && generated.standardError.contains("hint: finish the squash first — selinon-migrate check says "
            + "whether the migrations need `selinon-migrate rebase --onto HEAD`"), "\(generated.standardError)")

        let mainsMigration = try fixture.git("show", "HEAD:migrations/1.json")
        let rebased = try runner.run(["rebase", "--onto", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
        #expect(try String(contentsOfFile: fixture.path("migrations/1.json"), encoding: .utf8) == mainsMigration + "\n")
        let covered = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(covered.status == 0 && covered.standardError.contains("migrations/2.json already leads to this configuration (a git merge "
            + "--squash is under way); nothing to generate — commit the merge"), "\(covered.standardError)")
        try fixture.git("add", "-A")
        #expect(try runner.run(["check"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("commit", "-q", "-m", "squashed feature")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A squash that brings a migration covering its change (main's own change needed none):
    /// check approves it, and generate — whose old configuration, HEAD's, is not the one the
    /// squashed migration starts from — refuses to migrate the change a second time.
    @Test func generateDuringASquashMergeThatBringsItsMigrationRefusesASecondOne() throws {
        let fixture = try Self.squashingFeatureIntoMain(after: { fixture in
            try Self.edit(fixture, "config/flows/reporting.yml", "          name: fieldExist\n", "          name: fieldLenGreater\n")
            try Self.edit(fixture, "config/flows/reporting.yml", "            key: results\n", "            key: results\n            length: 0\n")
        }, migrated: false)
        let runner = try CommandRunner()
        let checked = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 0 && checked.standardOutput.contains("1.json covers the change"), "\(checked.standardOutput)\(checked.standardError)")
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 1, "\(generated.standardOutput)")
        #expect(generated.standardError.contains("error: a git merge --squash is under way and brings 1.json, which HEAD does not have"),
                "\(generated.standardError)")
        #expect(generated.standardError.contains("hint: finish the squash first"), "\(generated.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("migrations/2.json")))
    }

    /// A merge committed with the conflict markers still in the migration directory: no git
    /// operation names the sides any more, so check, verify and generate name them from the
    /// commit that recorded the markers — and the rebase onto main's side mends the history.
    @Test func conflictMarkersCommittedByAMergeNameBothSidesOfIt() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        // During the merge, verify gives the choice check gives — for the sum's conflict too, with or without --base.
        let merging = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(merging.status == 1 && merging.standardError.contains("selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f "
            + "config/flows when the branch being merged may be deployed"), "\(merging.standardError)")
        for command in [["verify", "--git"], ["check"], ["check", "--base", "second"]] {
            let result = try runner.run(command + Self.configuration, in: fixture.root)
            #expect(result.standardError.contains("migrations.sum has a git merge conflict: two branches added migrations\n  hint: run "
                + "selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f config/flows when the branch being merged may be deployed"),
                    "\(command): \(result.standardError)")
            #expect(!result.standardError.contains("<the branch you merged>"), "\(command): \(result.standardError)")
        }
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--no-edit")
        let (merge, ours, theirs) = (try fixture.git("rev-parse", "--short=12", "HEAD"), try fixture.git("rev-parse", "--short=12", "HEAD^1"),
                                     try fixture.git("rev-parse", "--short=12", "HEAD^2"))
        let fix = "migrations/1.json was committed with git's conflict markers by \(merge) (Merge branch 'main' into second), a merge "
            + "of \(theirs) (first: licence store) into \(ours) (second: its change): keep the migrations of the side that may be "
            + "deployed and migrate the other's change after them — selinon-migrate rebase --onto \(ours) -n config/nodes.yml -f "
            + "config/flows keeps \(ours)'s (the side merged into), selinon-migrate rebase --onto \(theirs) -n config/nodes.yml -f "
            + "config/flows keeps \(theirs)'s (the side merged); then commit the result"
        for command in [["check"], ["verify", "--git"]] {
            let result = try runner.run(command + Self.configuration, in: fixture.root)
            #expect(result.status == 1 && result.standardError.contains("1.json has a git merge conflict"), "\(command): \(result.standardError)")
            #expect(result.standardError.contains("hint: " + fix), "\(command): \(result.standardError)")
            #expect(!result.standardError.contains("<the branch you merged>"), "\(command): \(result.standardError)")
        }
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 1 && generated.standardError.contains("note: the migration directory holds no valid history: " + fix),
                "\(generated.standardError)")
        let listed = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(listed.standardError.contains("hint: " + fix) && !listed.standardError.contains("<the branch you merged>"), "\(listed.standardError)")

        #expect(try runner.run(["rebase", "--onto", theirs] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migrations mended")
        #expect(try fixture.git("show", "HEAD:migrations/1.json") == (try fixture.git("show", "main:migrations/1.json")))
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A bare repository holding `fixture`'s main as `origin` (its default branch recorded as
    /// `origin/HEAD`), main tracking it.
    static func pushToNewOrigin(_ fixture: GitFixture) throws -> TemporaryDirectory {
        let remote = try TemporaryDirectory()
        try fixture.git("clone", "-q", "--bare", ".", remote.url.path)
        try fixture.git("remote", "add", "origin", remote.url.path)
        try fixture.git("fetch", "-q", "origin")
        try fixture.git("remote", "set-head", "origin", "main")
        try fixture.git("branch", "-q", "-u", "origin/main", "main")
        return remote
    }

    /// On main, merging a feature whose 1.json collides with main's pushed one and resolving it
    /// the way round meant for a feature branch (`--onto MERGE_HEAD`) rewrites an applied
    /// migration: before the merge is pushed (with or without commits of its own before it),
    /// verify --git names it with the rebase that
    /// restores main's file; once pushed, git cannot tell it from a `git pull` that kept the
    /// remote's files, and it is a note.
    @Test func verifyFindsAnUnpushedMergeThatReplacedAPushedMigration() throws {
        let fixture = try Self.mainWithFeatureBranch()
        let runner = try CommandRunner()
        try Self.removeNotification(fixture)
        try Self.commitWithItsMigration(fixture, "main: no notification")
        let remote = try Self.pushToNewOrigin(fixture)
        let mainsMigration = try fixture.git("show", "HEAD:migrations/1.json")
        // A commit not pushed yet between them: the pushed file is what counts.
        try fixture.commit("notes", ["NOTES.md": "notes\n"])
        let kept = try fixture.git("rev-parse", "--short=12", "HEAD")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "feature") }
        #expect(try runner.run(["rebase", "--onto", "MERGE_HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--no-edit")
        let merge = try fixture.git("rev-parse", "--short=12", "HEAD")

        let unpushed = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(unpushed.status == 1)
        #expect(unpushed.standardError.contains("migrations/1.json: error: \(merge) (Merge branch 'feature'), not pushed yet, replaced "
            + "1.json as \(kept) had it — already on origin/main — with the merged branch's"), "\(unpushed.standardError)")
        #expect(unpushed.standardError.contains("hint: selinon-migrate rebase --onto \(kept) -n config/nodes.yml -f config/flows keeps the "
            + "migrations as \(kept) had them"), "\(unpushed.standardError)")
        try fixture.git("push", "-q", "origin", "main")
        let pushed = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(pushed.status == 0 && pushed.standardError.contains("note: after \(merge) (Merge branch 'feature') the directory holds "
            + "the merged branch's migrations/1.json over what \(kept) had committed"), "\(pushed.standardError)")

        #expect(try runner.run(["rebase", "--onto", kept] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "main's 1.json restored")
        #expect(try fixture.git("show", "HEAD:migrations/1.json") == mainsMigration)
        let mended = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(mended.status == 0 && !mended.standardError.contains("over what"), "\(mended.standardError)")
        withExtendedLifetime(remote) {}
    }

    /// A `git pull` on main whose merge keeps the remote's 1.json over an unpushed one (as
    /// check's `rebase --onto origin/main` resolves it): the replaced file was never pushed, so verify --git passes
    /// (with a note), and does not hint at restoring it.
    @Test func verifyAfterAPullThatKeptTheRemotesMigrationPasses() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        let remote = try Self.pushToNewOrigin(fixture)
        let bob = try GitFixture()
        try bob.git("remote", "add", "origin", remote.url.path)
        try bob.git("fetch", "-q", "origin")
        try bob.git("reset", "-q", "--hard", "origin/main")
        try bob.git("remote", "set-head", "origin", "main")
        try bob.git("branch", "-q", "-u", "origin/main", "main")
        try Self.changeLicenceStore(fixture)
        try Self.commitWithItsMigration(fixture, "alice: licence store")
        try fixture.git("push", "-q", "origin", "main")
        try Self.removeNotification(bob)
        try Self.commitWithItsMigration(bob, "bob: no notification (unpushed)")
        #expect(throws: GitFixtureError.self) { try bob.git("pull", "-q", "--no-rebase", "origin", "main") }
        let checked = try runner.run(["check"] + Self.configuration, in: bob.root)
        #expect(checked.status == 1 && checked.standardError.contains("run selinon-migrate rebase --onto origin/main"), "\(checked.standardError)")
        #expect(try runner.run(["rebase", "--onto", "origin/main"] + Self.configuration, in: bob.root).status == 0)
        try bob.git("add", "-A")
        try bob.git("commit", "-q", "--no-edit")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: bob.root)
        #expect(verified.status == 0 && verified.standardError.contains("or a git pull whose merge kept the remote's"), "\(verified.standardError)")
    }

    /// A branch whose last change came without its migration, merged into main: verify --git's
    /// hint migrates the rest of the merge's change from where the branch's migration leads (from
    /// main's last change it would migrate the branch's first change a second time), and
    /// following it gives a history verify accepts.
    @Test func verifyAfterMergingABranchMissingItsLastMigrationStartsWhereItsMigrationsEnd() throws {
        let fixture = try Self.mainWithFeatureMissingItsLastMigration()
        let runner = try CommandRunner()
        try fixture.commit("notes", ["NOTES.md": "notes\n"])
        try fixture.git("merge", "-q", "--no-ff", "--no-edit", "feature")
        let (merge, migrated) = (try fixture.git("rev-parse", "--short=12", "HEAD"), try fixture.git("rev-parse", "--short=12", "feature~1"))

        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("hint: this merge brought 1.json, which leads to the configuration of \(migrated) (feature: "
            + "licence store) on the merged branch; migrate the rest of the change from there: selinon-migrate generate --from "
            + "\(migrated) --to \(merge) -n config/nodes.yml -f config/flows"), "\(verified.standardError)")
        // generate's note gives the same start.
        let noted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(noted.status == 1 && noted.standardError.contains("brought 1.json, which leads to the configuration of \(migrated) (feature: "
            + "licence store) on the merged branch; migrate the rest of the change from there: selinon-migrate generate -n "
            + "config/nodes.yml -f config/flows --from \(migrated) --to \(merge)"), "\(noted.standardError)")
        #expect(try runner.run(["generate", "--from", migrated, "--to", merge] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "the branch's missing migration")
        let mended = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(mended.status == 0, "\(mended.standardError)")
    }

    /// A repository at v1 with a commit "licence store" and, after it, "its migration" (generated
    /// for that commit, committed on its own); the id of the latter.
    static func changeWithItsMigrationCommittedApart() throws -> (GitFixture, holder: String) {
        let fixture = try GitCommandTests.repository(at: 1)
        try changeLicenceStore(fixture)
        try fixture.git("commit", "-q", "-am", "licence store")
        #expect(try CommandRunner().run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "its migration")
        return (fixture, try fixture.git("rev-parse", "--short=12", "HEAD"))
    }

    /// A change, its migration committed apart, and a revert of both: verify --git says first to
    /// restore the migration deployments may have applied (not to generate the change's again),
    /// and with it restored and the revert's migration generated, the history passes.
    @Test func verifyAfterRevertingAMigrationCommittedApartSaysToRestoreIt() throws {
        let (fixture, holder) = try Self.changeWithItsMigrationCommittedApart()
        let runner = try CommandRunner()
        try fixture.git("revert", "--no-edit", "HEAD", "HEAD~1")

        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("migrations/1.json: error: migrations/1.json was in \(holder) (its migration) and is gone "
            + "since (a revert?); deployments may have applied it\n  hint: restore it with the sum, do not regenerate: git checkout "
            + "\(holder) -- migrations/1.json migrations/migrations.sum"), "\(verified.standardError)")
        try fixture.git("checkout", holder, "--", "migrations/1.json", "migrations/migrations.sum")
        #expect(try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "restored, and the revert's migration")
        let mended = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(mended.status == 0, "\(mended.standardError)")
    }

    /// A migration committed after its change, then reverted on its own: generate's note says to
    /// restore it (it migrates up to the configuration as it is), not to generate it again.
    @Test func generateAfterRevertingOnlyAMigrationSaysToRestoreIt() throws {
        let (fixture, holder) = try Self.changeWithItsMigrationCommittedApart()
        let runner = try CommandRunner()
        try fixture.git("revert", "--no-edit", "HEAD")

        let noted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(noted.status == 1)
        #expect(noted.standardError.contains("note: migrations/1.json was in \(holder) (its migration) and is gone since (a revert?); "
            + "deployments may have applied it: restore it with the sum (git checkout \(holder) -- migrations/1.json "
            + "migrations/migrations.sum), which migrates up to this configuration\n"), "\(noted.standardError)")
        try fixture.git("checkout", holder, "--", "migrations/1.json", "migrations/migrations.sum")
        try fixture.git("commit", "-q", "-m", "restored")
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A branch with two migrations and a commit that changed only a condition between them:
    /// the second starts where the first does not end. Merged into main (no-ff) or squashed,
    /// verify --git still matches the two to the one step that brought them.
    @Test(arguments: [false, true])
    func verifyMatchesABranchsMigrationsWithAConditionBetweenThem(squashed: Bool) throws {
        let fixture = try Self.mainWithFeatureBranch()
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "feature")
        try Self.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-am", "feature: a condition")
        try Self.removeNotification(fixture)
        try Self.commitWithItsMigration(fixture, "feature: no notification")
        try fixture.git("checkout", "-q", "main")
        if squashed {
            try fixture.git("merge", "-q", "--squash", "feature")
            try fixture.git("commit", "-q", "-m", "feature, squashed")
        } else {
            try fixture.git("merge", "-q", "--no-ff", "--no-edit", "feature")
        }
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardError.contains("note: 1.json and 2.json cover one step of the first-parent history"), "\(verified.standardError)")
    }

    /// On a feature branch that merged main (rebase --onto main) after a commit of its own without
    /// a migration, verify --git fails — its first parents cannot place main's 1.json — and says
    /// first that the file came with the merge, not to move or regenerate it there.
    @Test func verifyOnABranchThatMergedMainSaysWhichFilesCameWithTheMerge() throws {
        let fixture = try Self.mainWithFeatureMissingItsLastMigration()
        let runner = try CommandRunner()
        try Self.changeLicenceReview(fixture)
        try Self.commitWithItsMigration(fixture, "main: licence review")
        let main = try fixture.git("rev-parse", "--short=12", "main")
        try fixture.git("checkout", "-q", "feature")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "main") }
        #expect(try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--no-edit")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("note: 1.json came with "), "\(verified.standardError)")
        #expect(verified.standardError.contains("as \(main) (main: licence review) on the merged branch has it: this branch's first "
            + "parents cannot place it, so what follows may be about that; do not move or regenerate it here"), "\(verified.standardError)")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// On the branch, once the merge is committed, its first parents see main's migration and
    /// its own as one step: verify --git passes and says why both cover it, and where to run it.
    @Test func verifyOnABranchThatMergedMainSaysWhereToRunIt() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        #expect(try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--no-edit")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardError.contains("note: 1.json and 2.json cover one step of the first-parent history"), "\(verified.standardError)")
        #expect(verified.standardError.contains("run it on main for the deployed history"), "\(verified.standardError)")
        // The JSON report gives the same note (on standard error), and its matches.
        let json = try runner.run(["verify", "--git", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(json.status == 0, "\(json.standardError)")
        #expect(json.standardError.contains("note: 1.json and 2.json cover one step of the first-parent history"), "\(json.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect((report["matches"] as? [[String: Any]])?.compactMap { $0["file"] as? String } == ["migrations/1.json", "migrations/2.json"],
                "\(json.standardOutput)")
        #expect((report["matches"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [1, 2], "\(json.standardOutput)")
        #expect(report["migration_directory"] as? String == "migrations", "as every command names it: \(json.standardOutput)")
    }

    /// On main: a branch "feature" that migrated its change (licence store), made before main
    /// committed a change without a migration (no notification), merged with `--no-ff`.
    static func mergeBranchAfterAnUnmigratedChangeOnMain(_ fixture: GitFixture) throws {
        try fixture.git("checkout", "-q", "-b", "feature")
        try Self.changeLicenceStore(fixture)
        try Self.commitWithItsMigration(fixture, "feature: licence store")
        try fixture.git("checkout", "-q", "main")
        try Self.removeNotification(fixture)
        try fixture.git("commit", "-q", "-a", "-m", "main: no notification, no migration")
        try fixture.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    }

    /// main changed a flow without a migration while a branch, made before, migrated its own
    /// change; merged, the branch's file starts from the configuration before main's change, as
    /// main's missing one will: verify's hint has it generated again after that one (moved back,
    /// it would not continue it, and rehash refuses two files from one configuration) — and
    /// following the hint gives a directory verify --git accepts, also where the branch's file
    /// is the first of the history (moved out, the directory holds none, its sum rehashed to say
    /// so: generate starts it again at 1.json).
    @Test(arguments: [true, false])
    func verifyHasABranchsMigrationGeneratedAgainAfterTheOneMainLacks(afterAnEarlierMigration: Bool) throws {
        let fixture = afterAnEarlierMigration ? try GitCommandTests.repositoryWithMigration() : try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        let version = afterAnEarlierMigration ? 2 : 1
        try Self.mergeBranchAfterAnUnmigratedChangeOnMain(fixture)
        let ids = try fixture.git("rev-list", "--first-parent", "--max-count=3", "HEAD").split(separator: "\n").map { String($0.prefix(12)) }
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("the missing migration goes before it, and it must be generated again after it: \(version).json was "
            + "generated from the configuration before that change"), "\(verified.standardError)")
        let steps = ["generate", "--from", ids[2], "--to", ids[1]], again = ["generate", "--from", ids[1], "--to", ids[0]]
        for step in [steps, again] {
            #expect(verified.standardError.contains("selinon-migrate " + (step + Self.configuration).joined(separator: " ")), "\(verified.standardError)")
        }
        // The hint's steps.
        let aside = try TemporaryDirectory()
        try FileManager.default.moveItem(atPath: fixture.path("migrations/\(version).json"), toPath: aside.path("\(version).json"))
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        for step in [steps, again] { #expect(try runner.run(step + Self.configuration, in: fixture.root).status == 0) }
        let fixed = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    /// The same merge, then the merge's change migrated on top of the branch's file: the two
    /// files chain from before main's change to the merge, but main ran its change without a
    /// migration in between — verify --git says so, as history does, rather than taking the
    /// files for a branch that landed as one commit.
    @Test func branchMigrationsDoNotCoverAChangeMainMadeWithoutOneInBetween() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try Self.mergeBranchAfterAnUnmigratedChangeOnMain(fixture)
        #expect(try runner.run(["generate", "--from", "feature", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "the merge's migration")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("(main: no notification, no migration) changed reporting_flow with no migration"),
                "\(verified.standardError)")
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.contains("main: no notification, no migration — reporting_flow — needs migration"), "\(history.standardOutput)")
    }

    /// A file of REV that is no migration (its `_meta` edited to null): rebase,
    /// which keeps REV's files as they are, names it as git names a file at a revision, with
    /// what is wrong, and changes nothing (exit 1, as for any directory at REV it cannot use).
    @Test func rebaseNamesAFileOfTheBaseThatIsNoMigration() throws {
        let fixture = try GitCommandTests.repositoryWithMigration()
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try GitCommandTests.install(3, in: fixture)
        try Self.commitWithItsMigration(fixture, "feature: v3")
        try fixture.git("checkout", "-q", "main")
        // (rehash refuses such a file: committed with the sum as it was.)
        let file = URL(fileURLWithPath: fixture.path("migrations/1.json"))
        var migration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        migration["_meta"] = NSNull()
        try JSONSerialization.data(withJSONObject: migration, options: [.prettyPrinted, .sortedKeys]).write(to: file)
        try fixture.git("commit", "-q", "-am", "1.json edited")
        try fixture.git("checkout", "-q", "feature")
        try fixture.git("merge", "-q", "--no-edit", "main")
        let before = try String(contentsOfFile: fixture.path("migrations/migrations.sum"), encoding: .utf8)
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 1)
        #expect(rebase.standardError.hasPrefix("main:migrations/1.json:2:3: error: '_meta' must be an object, found null"), "\(rebase.standardError)")
        #expect(rebase.standardError.contains("fix the file there") && rebase.standardError.contains("nothing was changed"), "\(rebase.standardError)")
        #expect(try String(contentsOfFile: fixture.path("migrations/migrations.sum"), encoding: .utf8) == before)
    }

    /// A migration edited (and rehashed) so that it no longer does what its change needs: a
    /// finding of verify --git, and not also among the JSON report's matches.
    @Test func anEditedMigrationIsAFindingNotAMatch() throws {
        let fixture = try GitCommandTests.repositoryWithBadge()
        let runner = try CommandRunner()
        let second = fixture.root.appendingPathComponent("migrations/2.json")
        var migration = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: second)) as? [String: Any])
        var flows = try #require(migration["migration"] as? [String: Any])
        for (name, entry) in flows {
            var flow = try #require(entry as? [String: Any])
            flow["tainting_nodes"] = [String: Any]()
            flows[name] = flow
        }
        migration["migration"] = flows
        try JSONSerialization.data(withJSONObject: migration).write(to: second)
        let rehashed = try runner.run(["rehash", "-m", "migrations"], in: fixture.root)
        #expect(rehashed.status == 0, "\(rehashed.standardError)")
        let verified = try runner.run(["verify", "--git", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1, "\(verified.standardOutput)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verified.standardOutput.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.compactMap { $0["kind"] as? String } == ["mismatch"], "\(verified.standardOutput)")
        #expect(findings.compactMap { $0["file"] as? String } == ["migrations/2.json"], "\(verified.standardOutput)")
        #expect((report["matches"] as? [[String: Any]])?.compactMap { $0["file"] as? String } == ["migrations/1.json"], "\(verified.standardOutput)")
    }

    @Test(arguments: ["different flows", "the same flow"])
    func twoBranchesAddingMigrationOneAreRebasedAndVerified(_ scenario: String) throws {
        let fixture = try Self.conflictingBranches(second: scenario == "different flows" ? Self.removeNotification : Self.changeLicenceReview)
        let runner = try CommandRunner()

        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("1.json has a git merge conflict"), "\(check.standardError)")
        #expect(check.standardError.contains("selinon-migrate rebase --onto main -n config/nodes.yml -f config/flows"), "\(check.standardError)")
        // Without --base (no upstream: HEAD), the branch being merged is the one to rebase onto.
        let unbased = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(unbased.status == 1)
        #expect(unbased.standardError.contains("selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f config/flows when"),
                "\(unbased.standardError)")

        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput.contains("kept 1.json from main\ndropped this branch's 1.json\nwrote 2.json (RETRY): "))
        // In the merge, git holds the files as unmerged until they are added: the next step says so.
        #expect(rebase.standardOutput.contains("then git add migrations, then conclude the merge (git commit)"), "\(rebase.standardOutput)")
        #expect(try String(contentsOf: fixture.root.appendingPathComponent("migrations/1.json"), encoding: .utf8)
                == (try fixture.git("show", "main:migrations/1.json")) + "\n")
        // 2.json is this branch's change, recomputed against main's configuration.
        let regenerated = try runner.run(["generate", "--from", "main", "--dry-run", "--no-meta", "-t", "RETRY"] + Self.configuration, in: fixture.root)
        let written = try MigrationDirectory.load(from: fixture.root.appendingPathComponent("migrations").path).files[1].migration
        #expect(try Migration(selinonJSON: Array(regenerated.standardOutput.utf8), file: "-").hasSameEffect(as: written))
        #expect(try runner.run(["verify", "-m", "migrations"], in: fixture.root).status == 0)
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        // The pre-commit hook's check (--base HEAD) of the merge commit: main's migrations come first, as with --base main.
        let hook = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(hook.status == 0, "\(hook.standardError)")
        #expect(hook.standardOutput.contains("2.json covers the change since") && hook.standardOutput.contains("(MERGE_HEAD, the branch being merged)"),
                "\(hook.standardOutput)")

        // Land it: main's history now proves both migrations.
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "merge main")
        // The branch's own commit added a 1.json that main's has replaced: history says so
        // instead of crediting main's 1.json with the branch's change.
        let history = try runner.run(["history"] + Self.configuration, in: fixture.root)
        #expect(history.standardOutput.contains(
            "second: its change — \(scenario == "different flows" ? "reporting_flow" : "licence_analysis_flow") — added 1.json, "
                + "which the directory no longer holds as it was (renumbered or replaced)"), "\(history.standardOutput)")
        // The merge brought main's change with main's 1.json (at the number this branch's had)
        // and this branch's change renumbered to 2.json: both files cover it.
        #expect(history.standardOutput.contains("merge main — licence_analysis_flow — covered by 1.json, 2.json"), "\(history.standardOutput)")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge second", "second")
        let verify = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("1.json: ") && verify.standardOutput.contains("(merge second)"), "\(verify.standardOutput)")
    }

    /// During a merge that brings migrations, the newest change on this side is not the
    /// configuration the merged migrations lead to: `generate` for a further edit refuses to
    /// migrate from it (a reordering would be migrated twice), and works once the merge is committed.
    @Test func generateDuringAMergeBringingMigrationsRefusesThisSidesLastChange() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        #expect(try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root).status == 0)
        let merged = try String(contentsOf: fixture.root.appendingPathComponent("config/flows/analysis.yml"), encoding: .utf8)
        // Right after the rebase, nothing is left to generate.
        let nothing = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(nothing.status == 0, "\(nothing.standardError)")
        #expect(nothing.standardError.contains("migrations/2.json already leads to this configuration"), "\(nothing.standardError)")
        let report = try runner.run(["generate", "--format", "json"] + Self.configuration, in: fixture.root)
        #expect(report.status == 0, "\(report.standardError)")
        let reported = try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any]
        #expect((reported?["covered_by"] as? String)?.hasSuffix("migrations/2.json") == true, "\(report.standardOutput)")
        try Self.changeLicenceReview(fixture)
        let edited = try String(contentsOf: fixture.root.appendingPathComponent("config/flows/analysis.yml"), encoding: .utf8)

        for dryRun in [[], ["--dry-run"]] {
            let refused = try runner.run(["generate"] + dryRun + Self.configuration, in: fixture.root)
            #expect(refused.status == 1, "\(refused.standardOutput)")
            #expect(refused.standardError.contains("a merge is under way and MERGE_HEAD brings 1.json, which HEAD does not have"),
                    "\(refused.standardError)")
            #expect(refused.standardError.contains("selinon-migrate rebase --onto MERGE_HEAD"))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("migrations/3.json").path))

        // The merge committed as check approves it, then the edit generated from it.
        try merged.write(to: fixture.root.appendingPathComponent("config/flows/analysis.yml"), atomically: true, encoding: .utf8)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "merge main")
        try edited.write(to: fixture.root.appendingPathComponent("config/flows/analysis.yml"), atomically: true, encoding: .utf8)
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        #expect(generated.standardOutput.contains("Wrote migrations/3.json"), "\(generated.standardOutput)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "licence review")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// What a rebase killed while it swapped the migration directory leaves behind is cleaned up
    /// by the next run once its process is gone: the directory moved aside comes back when the new
    /// one was not in place, is removed when it was, and an old staging directory goes.
    /// Ctrl-C or SIGTERM at any moment of a rebase: the directory is as it was (said so, nothing
    /// left beside it) or rebased (said so, valid), never half built or missing.
    @Test func aRebaseInterruptedAtAnyMomentLeavesTheOldDirectoryOrTheNewOne() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        let manager = FileManager.default
        let keep = try TemporaryDirectory()
        let migrations = fixture.path("migrations"), saved = keep.path("migrations")
        try manager.copyItem(atPath: migrations, toPath: saved)
        func contents(_ directory: String) throws -> [String: Data] {
            try Dictionary(uniqueKeysWithValues: manager.contentsOfDirectory(atPath: directory).map {
                ($0, try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)))
            })
        }
        let before = try contents(saved)
        var seen: Set<String> = []
        for attempt in 0..<24 {
            try? manager.removeItem(atPath: migrations)
            try manager.copyItem(atPath: saved, toPath: migrations)
            let delay = Double(attempt) * 0.012
            let signal = attempt % 2 == 0 ? "INT" : "TERM"
            let run = try runner.run(["rebase", "--onto", "main"] + Self.configuration,
                                     shellScript: "\"$0\" \"$@\" & child=$!; sleep \(delay); kill -\(signal) $child 2>/dev/null; wait $child",
                                     in: fixture.root)
            let leftBeside = try manager.contentsOfDirectory(atPath: fixture.root.path).filter { $0.hasPrefix(".migrations.rebase-") }
            #expect(leftBeside.isEmpty, "\(attempt): \(leftBeside)")
            let outcome = run.standardError.contains("nothing rebased") ? "as it was"
                : run.standardError.contains("was rebased (the new migrations are in place)") || run.status == 0 ? "rebased" : "ended before it began"
            seen.insert(outcome)
            if outcome == "rebased" {
                #expect(try contents(migrations) != before, "\(attempt)")
                #expect(manager.fileExists(atPath: migrations + "/2.json"), "\(attempt)")
                #expect(try runner.run(["verify", "-m", "migrations"], in: fixture.root).status == 0, "\(attempt)")
            } else {
                #expect(try contents(migrations) == before, "\(attempt): \(outcome): \(run.standardError)")
            }
        }
        #expect(seen.contains("rebased"), "the last runs have time to finish: \(seen)")
    }

    @Test func aRebaseKilledWhileSwappingTheDirectoryIsCleanedUpAfter() throws {
        let fixture = try GitCommandTests.repositoryWithMigration()
        let runner = try CommandRunner()
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        let manager = FileManager.default
        let migrations = fixture.path("migrations"), backup = fixture.path(".migrations.rebase-\(dead).old")
        let staging = fixture.path(".migrations.rebase-\(dead)")
        let sum = try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8)

        // Killed between the two renames: the history is only in the moved-aside directory.
        try manager.moveItem(atPath: migrations, toPath: backup)
        try manager.copyItem(atPath: backup, toPath: staging)
        try manager.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: staging)
        // What only reads the directory does not take it for one without migrations: it says where they are.
        for command in [["verify"] + Self.configuration, ["check"] + Self.configuration, ["verify", "--git"] + Self.configuration,
                        ["apply", "-m", "migrations", "--input", "-", "--dry-run"]] {
            let refused = try runner.run(command, in: fixture.root)
            #expect(refused.status == 1, "\(command)")
            #expect(refused.standardError.contains("error: the migration directory migrations is missing: a rebase that was killed while it "
                                                   + "replaced it left it at \(backup)"), "\(command): \(refused.standardError)")
            #expect(refused.standardError.contains("hint: run selinon-migrate rehash -m migrations, which moves it back"), "\(refused.standardError)")
        }
        let rehash = try runner.run(["rehash", "-m", "migrations"], in: fixture.root)
        #expect(rehash.status == 0, "\(rehash.standardError)")
        #expect(rehash.standardError.contains("had moved it aside as \(backup): moved it back"), "\(rehash.standardError)")
        #expect(try String(contentsOfFile: migrations + "/migrations.sum", encoding: .utf8) == sum)
        #expect(!manager.fileExists(atPath: backup) && !manager.fileExists(atPath: staging))

        // Killed after the swap: the old directory is left over next to the new one.
        try manager.copyItem(atPath: migrations, toPath: backup)
        try manager.createDirectory(atPath: staging, withIntermediateDirectories: false)  // recent: a live run's, maybe
        try GitCommandTests.install(3, in: fixture)
        let generate = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generate.status == 0, "\(generate.standardError)")
        #expect(generate.standardOutput.hasPrefix("Wrote migrations/2.json"), "\(generate.standardOutput)")
        #expect(!manager.fileExists(atPath: backup) && manager.fileExists(atPath: staging))
        // The recent staging directory is kept, but named, so that `git add -A` does not take it in unseen.
        #expect(generate.standardError.contains("note: \(staging) is a staging directory of a rebase whose process is gone (killed?), "
            + "removed once ten minutes old; unless a rebase runs in a container that shares this directory, remove it now (rm -rf "
            + "\(staging)), and do not commit it"), "\(generate.standardError)")
        #expect(try runner.run(["verify", "-m", "migrations"], in: fixture.root).status == 0)
    }

    /// A branch's two migrations landed by a --no-ff merge while main changed a condition: the
    /// merged configuration is not the one the second leads to, but their effect is the merge's.
    @Test func aBranchsMigrationsLandedWithAConditionChangeOnMainAreVerified() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        for version in [2, 3] {
            try GitCommandTests.install(version, in: fixture)
            #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "v\(version)")
        }
        try fixture.git("checkout", "-q", "main")
        try Self.edit(fixture, "config/flows/reporting.yml", "key: notify\n", "key: notify_maintainers\n")
        try fixture.git("commit", "-q", "-am", "main: a condition")
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
        let verify = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("2.json: ") && verify.standardOutput.contains("(merge feature)"), "\(verify.standardOutput)")
    }

    /// The branch removes an edge whose condition main changes meanwhile (a change that needs
    /// no migration): the branch's migration describes the removed edge with the old condition,
    /// and moves the same edges as one generated after main. `check` passes during the merge and
    /// after it is committed, and `verify --git` on main — the same verdict throughout.
    @Test func aMigrationRemovingAnEdgeWhoseConditionMainChangedStillCoversTheChange() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try Self.edit(fixture, "config/flows/reporting.yml",
                      "      - from: PublishReport\n        to: notification_flow\n        condition:\n          name: argsFieldExist\n"
                        + "          args:\n            key: notify\n", "")
        try Self.commitWithItsMigration(fixture, "feature: no notification")
        try fixture.git("checkout", "-q", "main")
        try Self.edit(fixture, "config/flows/reporting.yml", "key: notify\n", "key: notify_maintainers\n")
        try fixture.git("commit", "-q", "-am", "main: a condition")
        try fixture.git("checkout", "-q", "feature")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "main") }
        try fixture.git("checkout", "--ours", "config/flows/reporting.yml")
        try fixture.git("add", "-A")
        let during = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(during.status == 0, "\(during.standardError)")
        try fixture.git("commit", "-q", "-m", "merge main")
        let after = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(after.status == 0, "\(after.standardError)")
        #expect(after.standardOutput.contains("1.json covers the change since"), "\(after.standardOutput)")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
        let verify = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 0, "\(verify.standardError)")
    }

    /// A directory that never had a sum (migrations written by other tools) gaining one more
    /// migration: check fails as apply would refuse it, and says to rehash, not to commit a sum
    /// generate never wrote.
    @Test func checkOnADirectoryThatNeverHadASumSaysToRehash() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try FileManager.default.removeItem(atPath: fixture.path("migrations/migrations.sum"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2, its migration without a sum")
        try fixture.git("checkout", "-q", "-b", "feature")
        try GitCommandTests.install(3, in: fixture)
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try FileManager.default.removeItem(atPath: fixture.path("migrations/migrations.sum"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("there is no migrations/migrations.sum, which lists the migrations this branch adds (2.json)"),
                "\(check.standardError)")
        #expect(check.standardError.contains("has migrations but no migrations.sum either (written by other tools?): review the migrations, "
                                             + "run selinon-migrate rehash -m migrations and commit migrations/migrations.sum"), "\(check.standardError)")
    }

    /// Rebase puts REV's files in place: an edit of a committed migration and a file nobody
    /// committed (nor generated) would be lost, so it refuses, changing nothing, as git does.
    @Test func rebaseRefusesToLoseMigrationFilesGitDoesNotHold() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        let first = fixture.root.appendingPathComponent("migrations/1.json"), loose = fixture.root.appendingPathComponent("migrations/2.json")
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        let edited = try String(contentsOf: first, encoding: .utf8).replacingOccurrences(of: "\"IGNORE\"", with: "\"FAIL\"")
        try edited.write(to: first, atomically: true, encoding: .utf8)
        try "{\"translation\": {}}\n".write(to: loose, atomically: true, encoding: .utf8)
        let refused = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("error: rebase would lose migrations/1.json (edited since it was committed), migrations/2.json "
                                               + "(never committed, and not written by selinon-migrate)"), "\(refused.standardError)")
        #expect(refused.standardError.contains("hint: copy what is worth keeping elsewhere, restore the file git has (git checkout HEAD -- "
                                               + "migrations/1.json) and remove migrations/2.json, then run rebase again"), "\(refused.standardError)")
        #expect(try String(contentsOf: first, encoding: .utf8) == edited)
        #expect(try String(contentsOf: loose, encoding: .utf8) == "{\"translation\": {}}\n")
        // As the hint says: then it rebases.
        try fixture.git("checkout", "HEAD", "--", "migrations/1.json")
        try FileManager.default.removeItem(at: loose)
        let rebased = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
    }

    /// A migration generated by hand after main's (with the default strategy) fits the change, but
    /// not the branch's strategy (RETRY): rebase regenerates it with the branch's.
    @Test func rebaseRegeneratesAFollowingMigrationWithAWeakerStrategy() throws {
        let fixture = try Self.conflictingBranches(second: Self.changeLicenceReview)
        let runner = try CommandRunner()
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        let main = try fixture.git("rev-parse", "--short", "main")
        let generated = try runner.run(["generate", "--from", main] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput.contains("wrote 2.json (RETRY)"), "\(rebase.standardOutput)")
        #expect(try String(contentsOfFile: fixture.path("migrations/2.json"), encoding: .utf8).contains("\"tainted_flow_strategy\": \"RETRY\""))
    }

    /// A flow the base's migrations removed, brought back by the branch as it was is no new
    /// flow: runs of the old one may be in flight, and new workers must not take them for runs
    /// of the new one. `check` asks for the migration, as `generate` writes one.
    @Test func checkAsksForAMigrationWhenAFlowTheBaseRemovedComesBack() throws {
        let fixture = try GitCommandTests.repository(at: 3)
        let runner = try CommandRunner()
        let nodes = try String(contentsOfFile: fixture.path("config/nodes.yml"), encoding: .utf8)
        let analysis = try String(contentsOfFile: fixture.path("config/flows/analysis.yml"), encoding: .utf8)
        let definition = try #require(analysis.range(of: "\n  # Added in v2: SBOM generation"))
        #expect(nodes.contains("  - sbom_flow\n"))
        try (String(analysis[..<definition.lowerBound]) + "\n").write(toFile: fixture.path("config/flows/analysis.yml"), atomically: true, encoding: .utf8)
        try nodes.replacingOccurrences(of: "  - sbom_flow\n", with: "").write(toFile: fixture.path("config/nodes.yml"), atomically: true, encoding: .utf8)
        try Self.commitWithItsMigration(fixture, "sbom_flow removed")
        try analysis.write(toFile: fixture.path("config/flows/analysis.yml"), atomically: true, encoding: .utf8)
        try nodes.write(toFile: fixture.path("config/nodes.yml"), atomically: true, encoding: .utf8)
        try fixture.git("commit", "-qam", "sbom_flow back")
        let check = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardError.contains("sbom_flow"), "\(check.standardError)")
        let generate = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD", "--dry-run"] + Self.configuration, in: fixture.root)
        #expect(generate.status == 0 && generate.standardOutput.contains("sbom_flow"), "\(generate.standardOutput)\(generate.standardError)")
    }

    /// The branch's migrations that rebase drops and regenerates as one keep the most severe of
    /// their strategies: RETRY then IGNORE is RETRY, whatever their order.
    @Test func rebaseKeepsTheMostSevereStrategyOfTheMigrationsItJoins() throws {
        // The branch's 1.json RETRY, then 2.json IGNORE; main's 1.json and the sum taken in the merge.
        let fixture = try Self.conflictingBranches(second: Self.changeLicenceReview) { fixture in
            try Self.removeNotification(fixture)
            try Self.commitWithItsMigration(fixture, "second: notification removed (IGNORE)")
        }
        let runner = try CommandRunner()
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput.contains("wrote 2.json (RETRY)"), "\(rebase.standardOutput)")
        #expect(try String(contentsOfFile: fixture.path("migrations/2.json"), encoding: .utf8).contains("\"tainted_flow_strategy\": \"RETRY\""))
    }

    /// Rebase replaces the directory as a whole, yet keeps what generate keeps: a sum that is a
    /// link stays one (the file it names rewritten), and files keep their permissions.
    @Test func rebaseKeepsALinkedSumAndPermissions() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let manager = FileManager.default
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        try manager.createDirectory(atPath: fixture.path("migrations/meta"), withIntermediateDirectories: false)
        try manager.moveItem(atPath: fixture.path("migrations/migrations.sum"), toPath: fixture.path("migrations/meta/sum"))
        try manager.createSymbolicLink(atPath: fixture.path("migrations/migrations.sum"), withDestinationPath: "meta/sum")
        try manager.setAttributes([.posixPermissions: 0o444], ofItemAtPath: fixture.path("migrations/meta/sum"))
        try manager.setAttributes([.posixPermissions: 0o640], ofItemAtPath: fixture.path("migrations/1.json"))
        let rebase = try CommandRunner().run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(try manager.destinationOfSymbolicLink(atPath: fixture.path("migrations/migrations.sum")) == "meta/sum")
        #expect(try String(contentsOfFile: fixture.path("migrations/meta/sum"), encoding: .utf8).contains("2.json sha256:"))
        #expect(try manager.attributesOfItem(atPath: fixture.path("migrations/meta/sum"))[.posixPermissions] as? Int == 0o444)
        #expect(try manager.attributesOfItem(atPath: fixture.path("migrations/1.json"))[.posixPermissions] as? Int == 0o640)
        #expect(try CommandRunner().run(["verify", "-m", "migrations"], in: fixture.root).status == 0)
    }

    /// A sum linked out of the directory is not written through (generate refuses it too): rebase
    /// names the directory's link, changes nothing, and works once the link is gone.
    @Test func rebaseRefusesASumLinkedOutOfTheDirectory() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let manager = FileManager.default
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        try manager.createDirectory(atPath: fixture.path("sums"), withIntermediateDirectories: false)
        try manager.moveItem(atPath: fixture.path("migrations/migrations.sum"), toPath: fixture.path("sums/migrations.sum"))
        try manager.createSymbolicLink(atPath: fixture.path("migrations/migrations.sum"), withDestinationPath: "../sums/migrations.sum")
        let runner = try CommandRunner()
        let refused = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("error: migrations/migrations.sum is a symbolic link to ../sums/migrations.sum, outside the "
                                               + "migration directory: nothing is written there (remove the link, rm migrations/migrations.sum, "
                                               + "and run rebase again"), "\(refused.standardError)")
        #expect(try manager.destinationOfSymbolicLink(atPath: fixture.path("migrations/migrations.sum")) == "../sums/migrations.sum")
        try manager.removeItem(atPath: fixture.path("migrations/migrations.sum"))
        let rebased = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
    }

    /// A branch whose migration follows REV's and still migrates the change since REV (REV changed
    /// only a condition): nothing collides, so nothing is regenerated — check agrees.
    @Test func rebaseLeavesABranchsMigrationThatStillFitsAlone() throws {
        let fixture = try Self.mainWithFeatureBranch()
        let runner = try CommandRunner()
        try Self.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
        try fixture.git("commit", "-q", "-a", "-m", "main: a condition")
        try fixture.git("checkout", "-q", "feature")
        try fixture.git("merge", "-q", "--no-edit", "main")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput == "nothing to do: 1.json migrates the change since main, which has no migrations\n", "\(rebase.standardOutput)")
        #expect(try fixture.git("status", "--porcelain").isEmpty)
    }

    /// `git rebase` instead of a merge: HEAD is main's side while the rebase stops, so this
    /// branch's migration (and its strategy) is read from the branch being replayed.
    @Test func aGitRebaseKeepsTheBranchsStrategyAndRunningAgainChangesNothing() throws {
        let fixture = try Self.conflictingBranches(second: Self.changeLicenceReview)
        try fixture.git("merge", "--abort")
        #expect(throws: GitFixtureError.self) { try fixture.git("rebase", "-q", "main") }
        let runner = try CommandRunner()
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput.contains("kept 1.json from main\ndropped this branch's 1.json\nwrote 2.json (RETRY): "),
                "\(rebase.standardOutput)")
        // The command it prints to review the migration shows it.
        #expect(rebase.standardOutput.contains("review it (selinon-migrate review 2 -m migrations -n config/nodes.yml -f config/flows), "
                                                + "then git add migrations, then go on with the rebase (git rebase --continue)"),
                "\(rebase.standardOutput)")
        let review = try runner.run(["review", "2", "-m", "migrations"] + Self.configuration, in: fixture.root)
        #expect(review.status == 0 && review.standardOutput.contains("licence_analysis_flow"), "\(review.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("-c", "core.editor=true", "rebase", "--continue")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)

        // Once more, rebased: nothing to do, nothing rewritten.
        let again = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput == "nothing to do: 2.json already follows 1.json from main\n", "\(again.standardOutput)")
        #expect(try fixture.git("status", "--porcelain").isEmpty)

        // On main itself there is nothing of a branch to redo, and nothing to commit.
        try fixture.git("checkout", "-q", "main")
        let onMain = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(onMain.status == 0, "\(onMain.standardError)")
        #expect(onMain.standardOutput == "nothing to do: the directory holds 1.json from main, and no migration is needed after it\n",
                "\(onMain.standardOutput)")
        #expect(try fixture.git("status", "--porcelain").isEmpty)
    }

    /// A `git rebase` of a branch with two migration commits stops twice. At the second stop HEAD
    /// holds the first commit's migration as rebased at the first stop: `check` advises the rebase
    /// that keeps it (`--onto HEAD`), not one onto main that would rewrite a committed migration.
    @Test func aGitRebaseOfTwoMigrationCommitsKeepsTheOneAlreadyReplayed() throws {
        let fixture = try Self.conflictingBranches(second: Self.changeLicenceReview)
        let runner = try CommandRunner()
        try fixture.git("merge", "--abort")
        try Self.removeNotification(fixture)
        try Self.commitWithItsMigration(fixture, "second: another change")
        #expect(throws: GitFixtureError.self) { try fixture.git("rebase", "-q", "main") }
        // Each stop's migration has the strategy of the commit it replays (RETRY, then the default IGNORE).
        let first = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(first.standardOutput.contains("wrote 2.json (RETRY)"), "\(first.standardOutput)\(first.standardError)")
        try fixture.git("add", "-A")
        #expect(throws: GitFixtureError.self) { try fixture.git("-c", "core.editor=true", "rebase", "--continue") }

        let replayed = try fixture.git("show", "HEAD:migrations/2.json")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("selinon-migrate rebase --onto HEAD -n config/nodes.yml -f config/flows (a git rebase is under way"),
                "\(check.standardError)")
        // Without --base (a pre-commit hook, no upstream), the same advice, and why HEAD is detached.
        let hook = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(hook.standardError.contains("a git rebase is under way (HEAD is the commit being replayed, detached)")
                && hook.standardError.contains("selinon-migrate rebase --onto HEAD -n config/nodes.yml -f config/flows (a git rebase is under way")
                && !hook.standardError.contains("<the branch you merged>"), "\(hook.standardError)")
        let rebase = try runner.run(["rebase", "--onto", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        // Only this stop's file is dropped (the first commit's 2.json, replayed, stays).
        #expect(rebase.standardOutput.contains("kept 1.json … 2.json from HEAD\ndropped this branch's 2.json\nwrote 3.json (IGNORE)"),
                "\(rebase.standardOutput)")
        // The replayed commit's 2.json stays as committed.
        #expect(try String(contentsOfFile: fixture.path("migrations/2.json"), encoding: .utf8).trimmingCharacters(in: .newlines)
                == replayed.trimmingCharacters(in: .newlines))
        try fixture.git("add", "-A")
        #expect(try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("-c", "core.editor=true", "rebase", "--continue")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        let verify = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 0, "\(verify.standardError)")
    }

    /// A branch whose migration is committed apart from its change: `git rebase main` replays the
    /// change first (no migration), then stops at the migration's commit. `rebase --onto HEAD`
    /// there migrates from where HEAD's migrations end — main's — so the replayed change is not
    /// left without one.
    @Test func aGitRebaseStopAtAMigrationCommittedApartMigratesTheReplayedChange() throws {
        let fixture = try Self.mainWithFeatureBranch()
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "apart", "main")
        try Self.changeLicenceReview(fixture)
        try fixture.git("commit", "-q", "-am", "apart: licence review")
        #expect(try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "apart: its migration")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--ff-only", "feature")
        try fixture.git("checkout", "-q", "apart")
        #expect(throws: GitFixtureError.self) { try fixture.git("rebase", "-q", "main") }

        let rebased = try runner.run(["rebase", "--onto", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0 && rebased.standardOutput.contains("wrote 2.json (IGNORE): licence_analysis_flow"),
                "\(rebased.standardOutput)\(rebased.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("-c", "core.editor=true", "rebase", "--continue")
        let checked = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 0, "\(checked.standardError)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A merge of main, resolved with rebase and committed, then amended with a further edit: the
    /// migration it added no longer leads to its configuration, and generate's note sends to
    /// check against main (the branch merged), not against the branch's own commit before it.
    @Test func generateAfterAnAmendedMergeChecksAgainstTheMergedBranch() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        let runner = try CommandRunner()
        #expect(try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "--no-edit")
        try Self.changeLicenceReview(fixture)
        try fixture.git("commit", "-q", "--amend", "-a", "--no-edit")
        let main = try fixture.git("rev-parse", "--short=12", "main")
        let noted = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(noted.status == 1 && noted.standardError.contains("(was the commit amended after generate?): run selinon-migrate check "
            + "--base \(main) -n config/nodes.yml -f config/flows, which says what to do"), "\(noted.standardError)")
    }

    /// During the merge, `check --base REV` still finds REV's own next migration taken twice:
    /// the merged branch only takes the place of the base, not of the branch asked about.
    @Test func aMergeCheckedAgainstAnotherBranchStillFindsItsConflict() throws {
        let fixture = try Self.conflictingBranches(second: Self.changeLicenceReview)
        let runner = try CommandRunner()
        try fixture.git("merge", "--abort")
        // `upstream`: main and a 2.json of its own.
        try fixture.git("checkout", "-q", "-b", "upstream", "main")
        try Self.removeNotification(fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "upstream: its change")
        try fixture.git("checkout", "-q", "second")
        #expect(throws: GitFixtureError.self) { try fixture.git("merge", "-q", "main") }
        #expect(try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root).status == 0)

        let check = try runner.run(["check", "--base", "upstream"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1, "\(check.standardOutput)")
        #expect(check.standardError.contains("both this branch and upstream add migrations/2.json"), "\(check.standardError)")
        #expect(!check.standardError.contains("MERGE_HEAD, the branch being merged'"), "hints name revisions, not prose")
    }

    @Test func rebaseThroughALinkGitDoesNotTrackKeepsTheBaseMigrations() throws {
        // Read as written, an untracked link had no history: every migration looked like this
        // branch's own, and rebase dropped main's (the only copy in the working tree).
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        try FileManager.default.createSymbolicLink(atPath: fixture.path("miglink"), withDestinationPath: "migrations")
        let rebase = try CommandRunner().run(["rebase", "--onto", "main", "-m", "miglink"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(rebase.standardOutput.contains("kept 1.json from main\ndropped this branch's 1.json\nwrote 2.json"), "\(rebase.standardOutput)")
        #expect(try String(contentsOf: fixture.root.appendingPathComponent("migrations/1.json"), encoding: .utf8)
                == (try fixture.git("show", "main:migrations/1.json")) + "\n")
    }

    @Test func rebaseRefusesToReplaceADirectoryHoldingWhatIsNotAMigration() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        try FileManager.default.createDirectory(atPath: fixture.path("migrations/3.json"), withIntermediateDirectories: false)
        try "kept\n".write(toFile: fixture.path("migrations/3.json/notes.txt"), atomically: true, encoding: .utf8)
        try "{}\n".write(toFile: fixture.path("migrations/01.json"), atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: fixture.path("migrations")).sorted()
        for dryRun in [[], ["--dry-run"]] {
            let rebase = try CommandRunner().run(["rebase", "--onto", "main"] + dryRun + Self.configuration, in: fixture.root)
            #expect(rebase.status == 1, "\(rebase.standardOutput)")
            #expect(rebase.standardError.contains("error: migrations holds 01.json, 3.json, named like migration files but not one"),
                    "\(rebase.standardError)")
            #expect(rebase.standardError.contains("hint: move them out of migrations, then run rebase again"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.path("migrations")).sorted() == before)
        #expect(try String(contentsOfFile: fixture.path("migrations/3.json/notes.txt"), encoding: .utf8) == "kept\n")
    }

    @Test func checkAcceptsTheMigrationForAChangeTheBaseMadeWithoutOne() throws {
        // main: v1 → v2 with 1.json, then v3 committed without a migration. A branch adds it as
        // generate advises (--from the change's parent --to the change): check on the branch passes.
        let fixture = try GitCommandTests.repositoryWithMigration()
        try fixture.git("branch", "-q", "-M", "main")
        try GitCommandTests.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without migration")
        try fixture.git("checkout", "-q", "-b", "fix")
        let runner = try CommandRunner()
        let advice = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(advice.standardError.contains("--from "), "\(advice.standardError)")
        let generated = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "add the missing migration")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 0, "\(check.standardError)")
        #expect(check.standardOutput.contains("2.json covers the change since ") && check.standardOutput.contains("(v2), where the migrations of"),
                "\(check.standardOutput)")
        // Not from where main's migrations end (from v1 again): still refused.
        try fixture.git("reset", "-q", "--hard", "main")
        #expect(try runner.run(["generate", "--from", "HEAD~2", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 1)
        try FileManager.default.copyItem(atPath: fixture.path("migrations/1.json"), toPath: fixture.path("migrations/2.json"))
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "a copy")
        // A copy starts where 1.json starts: rehash will not bless it, and check names it.
        let copied = "2.json migrates from the same configuration as 1.json (equal _meta.digests.old)"
        let rehash = try runner.run(["rehash", "-m", "migrations"], in: fixture.root)
        #expect(rehash.status == 1 && rehash.standardError.contains(copied), "\(rehash.standardError)")
        let stale = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(stale.status == 1 && stale.standardError.contains(copied), "\(stale.standardError)")
    }

    /// The same fix where the base has no migrations yet: the first migration of the history
    /// may start from any configuration of it — before committing (`check --staged`, as a
    /// pre-commit hook runs it) and on a branch. A file for another change is still refused.
    @Test func checkAcceptsTheFirstMigrationForAChangeTheBaseMadeWithoutOne() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        try fixture.git("branch", "-q", "-M", "main")
        try GitCommandTests.install(2, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2 without migration")
        let runner = try CommandRunner()
        let generated = try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0, "\(generated.standardError)")
        try fixture.git("add", "-A")
        let staged = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(staged.status == 0, "\(staged.standardError)")
        #expect(staged.standardOutput.contains("1.json covers the change since ") && staged.standardOutput.contains("(v1) as the first migration of "),
                "\(staged.standardOutput)")
        try fixture.git("checkout", "-q", "-b", "fix")
        try fixture.git("commit", "-q", "-m", "add the missing migration")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 0, "\(check.standardError)")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
        // main moves on to v3 without a migration: 1.json (v1 → v2) does not cover v1 → v3.
        try fixture.git("checkout", "-q", "main")
        try GitCommandTests.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without migration")
        try fixture.git("checkout", "-q", "fix", "--", "migrations")
        let other = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(other.status == 1 && other.standardError.contains("1.json does not match the configuration change"), "\(other.standardError)")
    }

    /// One migration over changes that went back and forth (v2, v1, v2 again, none migrated):
    /// verify --git matches it to the first change to v2 and finds the others uncovered, so check
    /// does not accept it as catching up with them either.
    @Test func checkDoesNotAcceptAMigrationOverChangesThatWentBackAndForth() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        try GitCommandTests.commit([2, 1, 2], in: fixture) { "to v\($0)" }
        let runner = try CommandRunner()
        #expect(try runner.run(["generate", "--from", "HEAD~3", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "one migration for all")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 1)
        let check = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1 && check.standardError.contains("1.json does not match the configuration change"), "\(check.standardError)")
    }

    @Test func aMergeThatKeptThisBranchsMigrationIsAConflictWithTheRebaseFix() throws {
        // The conflict resolved by keeping this branch's 1.json and committed: check names the
        // collision and rebase (as it advises) fixes it — not "restore it", which generate refuses.
        let fixture = try Self.mergeResolvingMigrations(keeping: "--ours", commit: "merge main, keeping ours")
        let runner = try CommandRunner()
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("both this branch and ") && check.standardError.contains("add migrations/1.json"), "\(check.standardError)")
        #expect(check.standardError.contains("hint: run: selinon-migrate rebase --onto main -n config/nodes.yml -f config/flows (")
                && !check.standardError.contains("restore it"),
                "\(check.standardError)")
        // One fix: not also "generate --from main", which would migrate on top of the colliding file.
        #expect(!check.standardError.contains("without a migration") && !check.standardError.contains("selinon-migrate generate"),
                "\(check.standardError)")
        let rebase = try runner.run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(rebase.status == 0, "\(rebase.standardError)")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        // An edited migration (the file existed before with other bytes) is still "changed".
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "rebased")
        try Self.edit(fixture, "migrations/1.json", "\"IGNORE\"", "\"FAIL\"")
        let edited = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(edited.standardError.contains("migrations/1.json changed since"), "\(edited.standardError)")
    }

    @Test func theHookStopsAMergeKeepingThisBranchsMigrationAndNamesBothFixes() throws {
        // Resolved by keeping this branch's 1.json, not yet committed: the pre-commit hook's
        // check (--base HEAD) must not advise a migration on top, which would migrate main's
        // change a second time wherever main's 1.json was deployed.
        let fixture = try Self.mergeResolvingMigrations(keeping: "--ours", commit: nil)
        let runner = try CommandRunner()
        let hook = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(hook.status == 1)
        #expect(hook.standardError.contains("the merge keeps this branch's migrations where MERGE_HEAD, the branch being merged, has others "
            + "(migrations/1.json), and the change it brings has no migration: licence_analysis_flow"), "\(hook.standardError)")
        #expect(hook.standardError.contains("selinon-migrate rebase --onto MERGE_HEAD -n config/nodes.yml -f config/flows when the branch "
            + "being merged may be deployed") && hook.standardError.contains("--drop-merged"), "\(hook.standardError)")
        #expect(!hook.standardError.contains("selinon-migrate generate"), "\(hook.standardError)")
        // verify --git sends the merge to check as well, not to a migration generated on top.
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 1)
        #expect(verified.standardError.contains("hint: a merge is under way: run selinon-migrate check -n config/nodes.yml -f config/flows, "
            + "which compares the merge with both sides"), "\(verified.standardError)")
        #expect(!verified.standardError.contains("selinon-migrate generate -n"), "\(verified.standardError)")
        // The second fix, chosen when main's migrations were never deployed, passes the hook.
        let dropped = try runner.run(["rebase", "--onto", "HEAD", "--drop-merged"] + Self.configuration, in: fixture.root)
        #expect(dropped.status == 0, "\(dropped.standardError)")
        try fixture.git("add", "-A")
        let again = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(again.status == 0, "\(again.standardError)")
    }

    @Test func aCommittedMergeThatKeptThisBranchsMigrationIsNotMigratedOnTop() throws {
        // Resolved by keeping this branch's 1.json and committed: main's change is in the
        // configuration without its migration. generate and verify --git must not advise a
        // migration on top (main's change migrated twice where main's 1.json was deployed) but
        // the rebase that keeps main's migrations, as check does.
        let fixture = try Self.mergeResolvingMigrations(keeping: "--ours", commit: "merge main, keeping ours")
        let runner = try CommandRunner()
        let main = try fixture.git("rev-parse", "--short=12", "main")
        let advice = "run selinon-migrate rebase --onto \(main) -n config/nodes.yml -f config/flows"
        let generate = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generate.status == 1, "main's change has no migration here")
        #expect(generate.standardError.contains("kept this side's 1.json over \(main)'s") && generate.standardError.contains(advice),
                "\(generate.standardError)")
        #expect(!generate.standardError.contains("--from"), "\(generate.standardError)")
        let verify = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verify.status == 1)
        #expect(verify.standardError.contains("the merge kept this side's 1.json over \(main)'s of the same number")
                && verify.standardError.contains(advice), "\(verify.standardError)")
        let rebased = try runner.run(["rebase", "--onto", main] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "migrations after main's")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    @Test func generateAfterAMergeThatTookTheOtherBranchsMigrationNamesTheChangeLeft() throws {
        // Resolved by taking main's 1.json and committed: this branch's change is migrated by
        // nothing. generate finds nothing since the merge, and its note names the command that
        // migrates from the configuration main's migrations lead to.
        let fixture = try Self.mergeResolvingMigrations(keeping: "--theirs", commit: "merge main, taking theirs")
        let runner = try CommandRunner()
        let main = try fixture.git("rev-parse", "--short=12", "main"), merge = try fixture.git("rev-parse", "--short=12", "HEAD")
        let generate = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generate.status == 1, "this branch's change has no migration")
        #expect(generate.standardOutput.hasPrefix("No migration file written: nothing changed since the last commit"), "\(generate.standardOutput)")
        let command = "selinon-migrate generate -n config/nodes.yml -f config/flows --from \(main) --to \(merge)"
        #expect(generate.standardError.contains("changed reporting_flow and added no migration for it; if it needs one (no deployment ran it "
            + "without), run: \(command)"), "\(generate.standardError)")
        let advised = try runner.run(["generate"] + Self.configuration + ["--from", main, "--to", merge], in: fixture.root)
        #expect(advised.status == 0, "\(advised.standardError)")
        #expect(advised.standardOutput.contains("Wrote migrations/2.json"), "\(advised.standardOutput)")
        #expect(try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root).status == 0)
    }

    @Test func aFirstMigrationGeneratedBeforeAFurtherEditGetsAHintThatWorks() throws {
        // No migrations at the base: restoring the sum from it is no fix; deleting it is.
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try GitCommandTests.install(3, in: fixture)
        let stale = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(stale.status == 1)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        #expect(stale.standardError.contains("hint: delete 1.json and the sum, which \(head) (HEAD) does not have (rm migrations/migrations.sum) "
            + "and run: selinon-migrate generate -n config/nodes.yml -f config/flows --from \(head)"), "\(stale.standardError)")
        try FileManager.default.removeItem(atPath: fixture.path("migrations/1.json"))
        try FileManager.default.removeItem(atPath: fixture.path("migrations/migrations.sum"))
        #expect(try runner.run(["generate"] + Self.configuration + ["--from", head], in: fixture.root).status == 0)
        let fixed = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    /// v3 committed past the hook (no migration), v4 in the working tree: generate --from the
    /// base refuses, so check's hint migrates v3's change first — also where a commit that
    /// changed only a condition came between v2's migration and v3 (the first step then starts
    /// from it, and check accepts it as where the migrations end, edges and all).
    @Test(arguments: [false, true])
    func checkNamesBothStepsWhenItsBaseChangedFlowsWithoutAMigration(afterACondition: Bool) throws {
        let fixture = try Self.committedV2WithItsMigration()
        let runner = try CommandRunner()
        if afterACondition {
            try Self.edit(fixture, "config/flows/ingest.yml", "            key: releases\n", "            key: published_releases\n")
            try fixture.git("commit", "-q", "-am", "a condition")
        }
        try GitCommandTests.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without migration")
        try GitCommandTests.install(4, in: fixture)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD"), parent = try fixture.git("rev-parse", "--short=12", "HEAD~1")
        let check = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("; and \(head) (v3 without migration), which made \(head) (HEAD)'s configuration, changed "),
                "\(check.standardError)")
        let command = "selinon-migrate generate -n config/nodes.yml -f config/flows"
        #expect(check.standardError.contains("hint: first migrate that commit's change: \(command) --from \(parent) --to \(head); then run: "
            + "\(command) --from \(head)"), "\(check.standardError)")
        // The two steps, as advised, satisfy check.
        #expect(try runner.run(["generate"] + Self.configuration + ["--from", parent, "--to", head], in: fixture.root).status == 0)
        #expect(try runner.run(["generate"] + Self.configuration + ["--from", head], in: fixture.root).status == 0)
        let fixed = try runner.run(["check", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    /// A change and its migration committed apart on main, both cherry-picked onto a release
    /// branch whose migrations went their own way: the stop is at the migration's commit, which
    /// changes no configuration, so the hint migrates HEAD's newest change (`--to HEAD`) — which
    /// generate accepts and verify then passes.
    @Test func cherryPickingAMigrationCommittedApartMigratesTheChangePickedBefore() throws {
        let fixture = try Self.committedV2WithItsMigration()
        let runner = try CommandRunner()
        try fixture.git("branch", "release")
        try Self.changeLicenceStore(fixture)
        try fixture.git("commit", "-q", "-am", "licence store")
        #expect(try runner.run(["generate", "--from", "HEAD~1", "--to", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "its migration")
        try fixture.git("checkout", "-q", "release")
        try Self.removeNotification(fixture)
        try Self.commitWithItsMigration(fixture, "release: no notification")
        #expect(throws: GitFixtureError.self) { try fixture.git("cherry-pick", "main~1", "main") }

        let checked = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(checked.standardError.contains("then run selinon-migrate generate -n config/nodes.yml -f config/flows --to HEAD (the picked "
            + "commit changes no configuration"), "\(checked.standardError)")
        try fixture.git("checkout", "HEAD", "--", "migrations/2.json", "migrations/migrations.sum")
        let generated = try runner.run(["generate", "--to", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 0 && generated.standardOutput.hasPrefix("Wrote migrations/3.json"), "\(generated.standardError)")
        try fixture.git("add", "-A")
        try fixture.git("-c", "core.editor=true", "cherry-pick", "--continue")
        #expect(try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// `release` at v2 with migration 1; `main` adds migration 2 (licence store), then 3 (no
    /// notification) — the commit cherry-picked onto `release`, stopped at the sums' conflict.
    static func cherryPickingMainsLastCommitOntoRelease() throws -> (fixture: GitFixture, picked: String) {
        let fixture = try committedV2WithItsMigration()
        try fixture.git("branch", "release")
        for (change, message) in [(changeLicenceStore, "licence store"), (removeNotification, "no notification")] {
            try change(fixture)
            try commitWithItsMigration(fixture, message)
        }
        let picked = try fixture.git("rev-parse", "--short=12", "main")
        try fixture.git("checkout", "-q", "release")
        // The sums of the two histories conflict.
        #expect(throws: GitFixtureError.self) { try fixture.git("cherry-pick", "main") }
        return (fixture, picked)
    }

    /// The cherry-pick committed with its migration (the sum's conflict resolved by taking the
    /// picked side): the gap has nothing to restore, check says where it came from, and the fix
    /// it gives leads to the migration this branch needs.
    @Test func aCommittedCherryPickedMigrationIsNamedAsComingFromAnotherHistory() throws {
        let (fixture, _) = try Self.cherryPickingMainsLastCommitOntoRelease()
        let runner = try CommandRunner()
        try fixture.git("checkout", "--theirs", "migrations/migrations.sum")
        try fixture.git("add", "-A")
        try fixture.git("-c", "core.editor=true", "cherry-pick", "--continue")
        let check = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        let base = try fixture.git("rev-parse", "--short=12", "HEAD~1")
        #expect(check.standardError.contains("error: 2.json is missing before 3.json, and neither HEAD nor \(base) (HEAD~1) has it, "
            + "so there is nothing to restore"), "\(check.standardError)")
        #expect(check.standardError.contains("hint: if they came from another branch: git rm -q migrations/3.json, then selinon-migrate "
            + "rehash -m migrations"), "\(check.standardError)")
        #expect(!check.standardError.contains("restore the missing files"), "\(check.standardError)")
        try fixture.git("rm", "-q", "migrations/3.json")
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let named = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(named.status == 1)
        #expect(named.standardError.contains("hint: run: selinon-migrate generate -n config/nodes.yml -f config/flows --from \(base)"),
                "\(named.standardError)")
        #expect(try runner.run(["generate", "--from", base] + Self.configuration, in: fixture.root).status == 0)
        let fixed = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    /// A release branch cherry-picks a commit of main whose migration follows one the release
    /// does not have: check and generate name the cause (not a gap to restore, nor a merge to
    /// rebase), and the fix they give, followed as written, ends in a history verify accepts.
    @Test func aCherryPickedMigrationIsRefusedWithAFixThatWorks() throws {
        let (fixture, picked) = try Self.cherryPickingMainsLastCommitOntoRelease()
        let runner = try CommandRunner()
        let cause = "the cherry-pick under way copies 3.json from \(picked) (no notification), generated on its branch after migrations "
            + "this branch does not have (this branch's migrations end at 1.json)"
        let fix = "git rm -q -f migrations/3.json; git checkout HEAD -- migrations/migrations.sum;"
        let check = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains(cause), "\(check.standardError)")
        #expect(check.standardError.contains(fix), "\(check.standardError)")
        #expect(!check.standardError.contains("rebase --onto") && !check.standardError.contains("missing before"), "\(check.standardError)")
        let generate = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generate.status == 1)
        #expect(generate.standardError.contains(cause) && generate.standardError.contains("nothing was written"), "\(generate.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.root.appendingPathComponent("migrations/2.json").path))

        try fixture.git("rm", "-q", "-f", "migrations/3.json")
        try fixture.git("checkout", "HEAD", "--", "migrations/migrations.sum")
        let regenerated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(regenerated.status == 0, "\(regenerated.standardError)")
        #expect(regenerated.standardOutput.contains("Wrote migrations/2.json"), "\(regenerated.standardOutput)")
        try fixture.git("add", "-A")
        try fixture.git("-c", "core.editor=true", "cherry-pick", "--continue")
        #expect(try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root).status == 0)
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")
    }

    /// A backport picked a second time: git stops with nothing to commit, and the migration it
    /// would copy is the branch's own already — nothing to refuse.
    @Test func aCommitPickedTwiceIsNotACopiedMigration() throws {
        let fixture = try Self.committedV2WithItsMigration()
        let runner = try CommandRunner()
        try fixture.git("branch", "release")
        try Self.changeLicenceStore(fixture)
        try Self.commitWithItsMigration(fixture, "licence store")
        try fixture.git("checkout", "-q", "release")
        try fixture.git("cherry-pick", "main")
        #expect(throws: GitFixtureError.self) { try fixture.git("cherry-pick", "main") }
        #expect(try fixture.git("status", "--porcelain").isEmpty)
        for base in ["HEAD", "HEAD~1"] {
            let check = try runner.run(["check", "--base", base] + Self.configuration, in: fixture.root)
            #expect(check.status == 0, "\(base): \(check.standardError)")
            #expect(!check.standardError.contains("the cherry-pick under way copies"), "\(check.standardError)")
        }
    }

    /// A merged feature reverted on main deletes its migration, which deployments may have
    /// applied. The fix generate advises — put it back with the sum, migrate the revert as a new
    /// migration — passes check against main, and verify proves the history.
    @Test func theFixForARevertedMergeWithItsMigrationPassesCheck() throws {
        let fixture = try Self.committedV2WithItsMigration()
        try fixture.git("branch", "-q", "-M", "main")
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try Self.changeLicenceStore(fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "licence store")
        try fixture.git("checkout", "-q", "main")
        try fixture.git("merge", "-q", "--no-ff", "feature", "-m", "merge feature")
        try fixture.git("revert", "--no-edit", "-m", "1", "HEAD")
        try fixture.git("checkout", "-q", "-b", "fix")
        let revert = try fixture.git("rev-parse", "--short=12", "main")
        let note = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(note.standardError.contains("restore it with the sum (git checkout \(revert)~1 -- migrations/2.json migrations/migrations.sum)"),
                "\(note.standardError)")
        try fixture.git("checkout", "\(revert)~1", "--", "migrations/2.json", "migrations/migrations.sum")
        #expect(try runner.run(["generate", "--from", "\(revert)~1", "--to", revert] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "put back 2.json, migrate the revert")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 0, "\(check.standardError)")
        #expect(check.standardOutput.contains("ok: 2.json puts back what a commit of \(revert) (main)'s history deleted"), "\(check.standardOutput)")
        #expect(check.standardOutput.contains("and 3.json covers the change since"), "\(check.standardOutput)")
        let verified = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(verified.status == 0, "\(verified.standardError)")

        // Landing the feature again by reverting the revert: the sum conflicts, and check and
        // generate name the fix for a revert under way — rebase onto HEAD — which works as printed.
        #expect(throws: GitFixtureError.self) { try fixture.git("revert", "--no-edit", revert) }
        let fix = "selinon-migrate rebase --onto HEAD -n config/nodes.yml -f config/flows"
        let checked = try runner.run(["check"] + Self.configuration, in: fixture.root)
        #expect(checked.status == 1)
        #expect(checked.standardError.contains("run \(fix) (a git revert is under way"), "\(checked.standardError)")
        let generated = try runner.run(["generate"] + Self.configuration, in: fixture.root)
        #expect(generated.status == 1)
        #expect(generated.standardError.contains("run \(fix)\n"), "\(generated.standardError)")
        let rebased = try runner.run(["rebase", "--onto", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(rebased.status == 0, "\(rebased.standardError)")
        try fixture.git("add", "-A")
        try fixture.run(["revert", "--continue"], environment: ["GIT_EDITOR": "true"])
        let relanded = try runner.run(["check", "--base", "HEAD~1"] + Self.configuration, in: fixture.root)
        #expect(relanded.status == 0, "\(relanded.standardError)")
    }

    @Test func checkStopsACommitThatDeletesTheSum() throws {
        let fixture = try Self.committedV2WithItsMigration()
        let runner = try CommandRunner()
        try fixture.git("rm", "-q", "migrations/migrations.sum")
        let hook = try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root)
        #expect(hook.status == 1)
        let head = try fixture.git("rev-parse", "--short=12", "HEAD")
        #expect(hook.standardError.contains("migrations/migrations.sum existed at \(head) (HEAD) but is gone: edits to the migrations cannot be detected"),
                "\(hook.standardError)")
        #expect(hook.standardError.contains("hint: restore it: git checkout \(head) -- migrations/migrations.sum"), "\(hook.standardError)")
        try fixture.git("checkout", "HEAD", "--", "migrations/migrations.sum")
        #expect(try runner.run(["check", "--staged", "--base", "HEAD"] + Self.configuration, in: fixture.root).status == 0)
    }

    /// A branch that adds the first migration without its sum (not committed with it): apply
    /// would refuse the directory on deploy, so check must not let it through.
    @Test func checkStopsABranchWhoseFirstMigrationCameWithoutItsSum() throws {
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        try fixture.git("checkout", "-q", "-b", "feature")
        try GitCommandTests.install(2, in: fixture)
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("reset", "-q", "--", "migrations/migrations.sum")
        try fixture.git("commit", "-q", "-m", "v2 without the sum")
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("migrations/migrations.sum"))
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1, "\(check.standardOutput)")
        #expect(check.standardError.contains("error: there is no migrations/migrations.sum, which lists the migrations this branch adds (1.json)"),
                "\(check.standardError)")
        #expect(check.standardError.contains("hint: commit the migrations.sum that generate wrote next to them (git add migrations/migrations.sum)"),
                "\(check.standardError)")
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        let fixed = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(fixed.status == 0, "\(fixed.standardError)")
    }

    @Test(.enabled(if: CommandRunner.canRunAsNobody), arguments: ["migration directory", "its parent"])
    func rebaseRefusesWhatItCouldNotReplaceWholeAndSaysWhy(_ readOnly: String) throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        try fixture.git("checkout", "--theirs", "migrations/1.json", "migrations/migrations.sum")
        let before = try fixture.git("status", "--porcelain", "--untracked-files=all")
        let shared = fixture.root.path, locked = readOnly == "its parent" ? shared : fixture.path("migrations")
        func own(_ user: uid_t) throws {
            _ = lchown(shared, user, user)
            for path in try FileManager.default.subpathsOfDirectory(atPath: shared) { _ = lchown(shared + "/" + path, user, user) }
        }
        try own(65534)
        #expect(chmod(locked, 0o555) == 0)
        let runner = try CommandRunner()
        // HOME is root's, where nobody may not look for .gitconfig: git warns and goes on, and so does the tool.
        let result = try #require(try runner.runAsNobody(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root))
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        var homeStatus = stat()
        let homeIsPrivate = !home.isEmpty && stat(home, &homeStatus) == 0 && homeStatus.st_mode & 0o001 == 0
        #expect(!homeIsPrivate || (result.standardError.hasPrefix("warning: cannot look at \(home)/.gitconfig")
            && result.standardError.contains("(permission denied): going on without it, as git does")), "\(result.standardError)")
        #expect(result.status == 2)
        let expected = readOnly == "its parent"
            ? "(rebase builds the new migration directory next to \(fixture.path("migrations")) and swaps it in, so \(shared) must be writable)"
            : "rebase rewrites the migration directory; make it writable, for example chmod u+w"
        #expect(result.standardError.contains(expected) && result.standardError.contains("the migration directory was left as it was"),
                "\(result.standardError)")
        #expect(!result.standardError.contains("NSCocoaErrorDomain"))
        chmod(locked, 0o755)
        try own(0)
        #expect(try fixture.git("status", "--porcelain", "--untracked-files=all") == before, "nothing left behind")
    }

    @Test func aMigrationEditedInTheMergeThatBroughtItIsAnEditNotAConflict() throws {
        // main adds 1.json after the branch forked; the branch's merge commit edits it: the file
        // came from main, so it changed (restore it), whatever the branch's first parents say.
        let fixture = try GitCommandTests.repository(at: 1)
        try fixture.git("branch", "-q", "-M", "main")
        try fixture.git("branch", "-q", "feature")
        try GitCommandTests.install(2, in: fixture)
        let runner = try CommandRunner()
        #expect(try runner.run(["generate"] + Self.configuration, in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v2")
        try fixture.git("checkout", "-q", "feature")
        try fixture.git("merge", "-q", "--no-commit", "--no-ff", "main")
        try Self.edit(fixture, "migrations/1.json", "\"IGNORE\"", "\"FAIL\"")
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 0)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "merge main, editing its migration")
        let check = try runner.run(["check", "--base", "main"] + Self.configuration, in: fixture.root)
        #expect(check.status == 1)
        #expect(check.standardError.contains("migrations/1.json changed since") && !check.standardError.contains("both this branch"),
                "\(check.standardError)")
    }

    @Test func verifyAcceptsAnEmptyDirectoryAndNamesAFileGivenAsOne() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("empty"), withIntermediateDirectories: true)
        let runner = try CommandRunner()
        let empty = try runner.run(["verify", "-m", "empty"], in: directory.url)
        #expect(empty.status == 0, "\(empty.standardError)")
        #expect(empty.standardOutput == "ok: empty holds no migrations yet\n")
        try directory.write("tasks: []\n", to: "nodes.yml")
        let file = try runner.run(["verify", "-m", "nodes.yml"], in: directory.url)
        #expect(file.status == 1)
        #expect(file.standardError == "nodes.yml: error: the migration directory is a file\n  hint: give the path of a directory\n")
        // A migration in upper case is read by nobody: named, not ignored.
        try directory.write("{}\n", to: "empty/1.JSON")
        let upper = try runner.run(["verify", "-m", "empty"], in: directory.url)
        #expect(upper.status == 1)
        #expect(upper.standardError == "empty/1.JSON: error: 1.JSON is not read as a migration, by Selinon's workers nor by this tool: "
            + "names end in .json, in lower case\n  hint: if it is a migration: mv empty/1.JSON empty/1.json, then check it with verify; "
            + "otherwise move it out of the directory\n", "\(upper.standardError)")
        // Next to the file of that name, the hint does not replace it.
        try directory.write("{}\n", to: "empty/2.json")
        try directory.write("{}\n", to: "empty/2.JSON")
        let both = try runner.run(["verify", "-m", "empty"], in: directory.url)
        #expect(both.standardError.contains("  hint: 2.json exists (a migration that may have been applied must not change): "
            + "move 2.JSON out of the directory\n"), "\(both.standardError)")
    }

    @Test func verifyInACloneMadeBeforeTheFirstMigration() throws {
        // Git keeps no empty directory: a fresh clone has no migrations/ until the first migration.
        let fixture = try GitCommandTests.repository(at: 1)
        let runner = try CommandRunner()
        for arguments in [["verify", "-m", "migrations"], ["verify"]] {
            let plain = try runner.run(arguments, in: fixture.root)
            #expect(plain.status == 1, "\(arguments): nothing says the directory is the configuration's, it may be a typo")
            #expect(plain.standardError.contains("the migration directory does not exist"))
            #expect(plain.standardError.contains("give the configuration too (-n/-f)"))
        }
        let named = try runner.run(["verify", "-m", "migrations"] + Self.configuration, in: fixture.root)
        #expect(named.status == 0, "\(named.standardError)")
        #expect(named.standardOutput == "ok: migrations does not exist yet: no migrations to verify\n")
        #expect(named.standardError == "note: migrations does not exist: there are no migrations yet\n")
        #expect(try runner.run(["verify", "-m", "migration"] + Self.configuration, in: fixture.root).status == 1, "a typo")
        for spelling in ["migrations/", "./migrations", fixture.root.appendingPathComponent("migrations").path] {
            let same = try runner.run(["verify", "-m", spelling] + Self.configuration, in: fixture.root)
            #expect(same.status == 0, "\(spelling) names the configured directory: \(same.standardError)")
        }
        let history = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(history.status == 0, "\(history.standardError)")
        #expect(history.standardOutput == "ok: migrations does not exist yet: no migrations to verify, and the configuration's history needs none\n")
        // A change committed without its migration is found, and the hint names this run's options.
        try GitCommandTests.install(2, in: fixture)
        try fixture.git("commit", "-q", "-a", "-m", "v2")
        let missing = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("(v2) changed package_analysis_flow with no migration"))
        #expect(missing.standardError.hasSuffix(" -n config/nodes.yml -f config/flows\n"), "\(missing.standardError)")
        #expect(!missing.standardError.contains("NODES"))

        // A nodes file that names no migration directory names no directory that may be missing:
        // the default `migrations` missing is an error, as for review, whose hint asks for -m.
        try TeamWorkflowTests.edit(fixture, "config/nodes.yml", "  migration_dir: migrations\n", "")
        let unnamed = try runner.run(["verify"] + Self.configuration, in: fixture.root)
        #expect(unnamed.status == 1, "\(unnamed.standardOutput)")
        #expect(unnamed.standardError.contains("the nodes file sets no global.migration_dir") && unnamed.standardError.contains("pass -m"),
                "\(unnamed.standardError)")
    }

    @Test func rebaseNeedsTheOtherBranchMergedFirst() throws {
        let fixture = try Self.conflictingBranches(second: Self.removeNotification)
        try fixture.git("merge", "--abort")
        let result = try CommandRunner().run(["rebase", "--onto", "main"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("main is not merged into HEAD"))
        #expect(result.standardError.contains("git merge main"))
        // The command to run again is whole: the options given, and a revision quoted for the shell.
        #expect(result.standardError.contains("then run selinon-migrate rebase --onto main -n config/nodes.yml -f config/flows again"),
                "\(result.standardError)")
        try fixture.git("tag", "fix(ci)", "main")
        let tagged = try CommandRunner().run(["rebase", "--onto", "fix(ci)"] + Self.configuration, in: fixture.root)
        #expect(tagged.status == 1, "\(tagged.standardError)")
        #expect(tagged.standardError.contains("hint: git merge 'fix(ci)' (or git rebase 'fix(ci)')"), "\(tagged.standardError)")
    }

    @Test func anEditedMigrationStopsVerifyAndApplyUntilRehashed() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: migrations)
        let runner = try CommandRunner()
        #expect(try runner.run(["verify", "-m", migrations]).status == 0)

        var text = try String(contentsOfFile: "\(migrations)/2.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"RETRY\"", with: "\"IGNORE\"")
        try text.write(toFile: "\(migrations)/2.json", atomically: true, encoding: .utf8)
        let verify = try runner.run(["verify", "-m", migrations])
        #expect(verify.status == 1)
        #expect(verify.standardError.contains("2.json: error: 2.json was changed after it was generated"))

        let output = directory.path("out.jsonl")
        let apply = try runner.run(["apply", "-m", migrations, "--input", ApplyCommandTests.states, "--output", output])
        #expect(apply.status == 1)
        #expect(apply.standardError.contains("nothing was applied") && apply.standardError.contains("or pass --force to apply them anyway"))
        #expect(!FileManager.default.fileExists(atPath: output))
        // An edit that leaves no JSON: named as such too, and --force (which cannot load it) is not advised.
        try FileManager.default.copyItem(atPath: migrations, toPath: directory.path("garbled"))
        try "garbled".write(toFile: directory.path("garbled/3.json"), atomically: true, encoding: .utf8)
        let garbled = try runner.run(["apply", "-m", directory.path("garbled"), "--input", ApplyCommandTests.states, "--output", output])
        #expect(garbled.status == 1)
        #expect(garbled.standardError.contains("3.json: error: 3.json was changed after it was generated")
                && garbled.standardError.contains("3.json:1:1: error: not valid JSON")
                && garbled.standardError.contains("fix the directory (--force cannot apply files that do not load)"), "\(garbled.standardError)")
        let garbledPreview = try runner.run(["apply", "-m", directory.path("garbled"), "--input", ApplyCommandTests.states, "--dry-run"])
        #expect(garbledPreview.standardError.contains("fix the directory; --force cannot apply files that do not load)")
                && !garbledPreview.standardError.contains("or pass --force"), "\(garbledPreview.standardError)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // With --format json the refusal is the command's document, as an invalid directory's is; a
        // dry run's report names the problems it went on despite, and what a real run does.
        let store = "sqlite:" + directory.path("flows.sqlite")
        #expect(try runner.run(["import", "--store", store, "--input", ApplyCommandTests.states]).status == 0)
        let refusedJSON = try runner.run(["apply", "-m", migrations, "--store", store, "--format", "json", "--quiet"])
        #expect(refusedJSON.status == 1)
        let refusal = try JSONSerialization.jsonObject(with: Data(refusedJSON.standardOutput.utf8)) as? [String: Any]
        #expect(refusal?["error"] as? String == "invalid-migration-directory" && refusal?["migration_directory"] as? String == migrations,
                "\(refusedJSON.standardOutput)")
        let problems = refusal?["problems"] as? [[String: Any]]
        #expect(problems?.count == 1 && problems?.first?["kind"] as? String == "edited"
                && problems?.first?["file"] as? String == "\(migrations)/2.json", "\(refusedJSON.standardOutput)")
        let garbledJSON = try runner.run(["apply", "-m", directory.path("garbled"), "--store", store, "--format", "json", "--quiet"])
        let garbledProblems = (try JSONSerialization.jsonObject(with: Data(garbledJSON.standardOutput.utf8)) as? [String: Any])?["problems"]
        #expect((garbledProblems as? [[String: Any]])?.map { $0["kind"] as? String } == ["edited", "edited", "invalid"], "\(garbledJSON.standardOutput)")
        for (options, realRun) in [(["--dry-run"], "refused"), (["--dry-run", "--force"], "forced")] {
            let preview = try runner.run(["apply", "-m", migrations, "--store", store, "--format", "json", "--quiet"] + options)
            #expect(preview.status == 0, "\(preview.standardError)")
            let report = try JSONSerialization.jsonObject(with: Data(preview.standardOutput.utf8)) as? [String: Any]
            #expect(report?["real_run"] as? String == realRun && report?["dry_run"] as? Bool == true, "\(preview.standardOutput)")
            #expect((report?["migration_directory_problems"] as? [[String: Any]])?.first?["kind"] as? String == "edited")
        }
        let forced = try runner.run(["apply", "-m", migrations, "--input", ApplyCommandTests.states, "--output", output, "--force"])
        #expect(forced.standardError.contains("WARNING: --force"))
        #expect(FileManager.default.fileExists(atPath: output))

        // Deleting the sum along with the edit is no way round the check.
        try FileManager.default.removeItem(atPath: "\(migrations)/migrations.sum")
        try FileManager.default.removeItem(atPath: output)
        let unsummed = try runner.run(["apply", "-m", migrations, "--input", ApplyCommandTests.states, "--output", output])
        #expect(unsummed.status == 1)
        #expect(unsummed.standardError.contains("error: there is no migrations.sum") && unsummed.standardError.contains("selinon-migrate rehash"),
                "\(unsummed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: output))
        // A dry run writes nothing: it shows what the files would do, and what a real run would say.
        let preview = try runner.run(["apply", "-m", migrations, "--input", ApplyCommandTests.states, "--dry-run"])
        #expect(preview.standardError.contains("warning: a real run would refuse these migrations") && !preview.standardError.contains("nothing was applied")
                && preview.standardOutput.contains("\"outcome\""), "\(preview.standardError)")
        // Nothing of it is an error: the dry run goes on (a log scanner must not take it for a failure).
        #expect(preview.standardError.contains("migrations.sum: warning: there is no migrations.sum") && !preview.standardError.contains("error:"),
                "\(preview.standardError)")

        let rehash = try runner.run(["rehash", "-m", migrations])
        #expect(rehash.status == 0)
        #expect(try runner.run(["verify", "-m", migrations]).status == 0)
        #expect(try runner.run(["apply", "-m", migrations, "--input", ApplyCommandTests.states, "--output", output]).status == 1,
                "applied, with the example's one failed flow")
        #expect(FileManager.default.fileExists(atPath: output))

        // A sum whose first line was edited is replaced; its list is unknown, not empty: no file
        // is called "added".
        let sum = try String(contentsOfFile: "\(migrations)/migrations.sum", encoding: .utf8)
        try ("sha256:" + String(repeating: "0", count: 64) + "\n" + sum.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n")
            .write(toFile: "\(migrations)/migrations.sum", atomically: true, encoding: .utf8)
        let replaced = try runner.run(["rehash", "-m", migrations])
        #expect(replaced.status == 0)
        #expect(replaced.standardOutput == "wrote \(migrations)/migrations.sum (3 files); the one it replaced could not be read (line 1: the "
            + "first line does not match the list below it: migrations.sum was edited by hand or merged wrongly), so no file was compared "
            + "with it\n", "\(replaced.standardOutput)")
        #expect(try String(contentsOfFile: "\(migrations)/migrations.sum", encoding: .utf8) == sum)
    }

    /// A sum rehash cannot read might list an edit it would otherwise report: it stops (exit 2)
    /// and leaves the file as it is, instead of writing a new one that calls every file added.
    @Test(.enabled(if: CommandRunner.canRunAsNobody))
    func rehashStopsAtASumItCannotRead() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: migrations)
        let sum = "\(migrations)/migrations.sum"
        let before = try Data(contentsOf: URL(fileURLWithPath: sum))
        #expect(chmod(directory.path(""), 0o755) == 0 && chmod(migrations, 0o777) == 0 && chmod(sum, 0o000) == 0)
        let result = try #require(try CommandRunner().runAsNobody(["rehash", "-m", migrations]))
        #expect(result.status == 2)
        #expect(result.standardError.contains("migrations.sum: error: cannot read the file: permission denied"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: sum)) == before)
    }

    /// Conflict markers in a migration checked out with CRLF line endings (eol=crlf) are the
    /// same conflict as with LF.
    @Test(arguments: ["\n", "\r\n"])
    func aConflictedMigrationIsNamedWhateverItsLineEndings(_ newline: String) throws {
        let directory = try TemporaryDirectory()
        let conflicted = ["{", "<<<<<<< HEAD", "  \"migration\": {},", "=======", "  \"migration\": {\"f\": {}},", ">>>>>>> main",
                          "  \"tainted_flow_strategy\": \"IGNORE\"", "}", ""].joined(separator: newline)
        try directory.write(conflicted, to: "m/1.json")
        let result = try CommandRunner().run(["verify", "-m", directory.path("m")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("1.json:2: error: 1.json has a git merge conflict: two branches added migration 1"),
                "\(result.standardError)")
    }

    @Test func aFileThatIsNoMigrationIsToBeMovedOutNotRehashed() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: migrations)
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: "\(migrations)/notes.json"))
        let result = try CommandRunner().run(["verify", "-m", migrations])
        #expect(result.status == 1)
        #expect(result.standardError.contains("notes.json is not in migrations.sum, and not named as a migration\n  hint: move it out of the "
            + "migration directory: only migrations (1.json, 2.json, …) belong there"), "\(result.standardError)")
        #expect(!result.standardError.contains("rehash"), "rehash refuses such a directory: \(result.standardError)")
    }

    @Test func aDeletedMigrationIsNamedWithTheFix() throws {
        let directory = try TemporaryDirectory()
        let migrations = directory.path("migrations")
        try FileManager.default.copyItem(atPath: Fixtures.repositoryRoot.appendingPathComponent("migrations").path, toPath: migrations)
        try FileManager.default.removeItem(atPath: "\(migrations)/2.json")
        let result = try CommandRunner().run(["verify", "-m", migrations, "--format", "json"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let kinds = (json["findings"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["missing", "invalid"], "the sum names it; the directory has a gap")
    }

    @Test func verifyGitFindsAChangeWithoutMigrationAndADuplicate() throws {
        let fixture = try Self.committedV2WithItsMigration()
        let runner = try CommandRunner()
        // v3 committed without its migration.
        try GitCommandTests.install(3, in: fixture)
        try fixture.git("add", "-A")
        try fixture.git("commit", "-q", "-m", "v3 without migration")
        var result = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("(v3 without migration) changed licence_analysis_flow, package_analysis_flow with no migration"),
                "\(result.standardError)")

        // The same migration twice (copied): the directory itself says so, before any history is read.
        try FileManager.default.copyItem(atPath: fixture.path("migrations/1.json"), toPath: fixture.path("migrations/2.json"))
        #expect(try runner.run(["rehash", "-m", "migrations"], in: fixture.root).status == 1)
        result = try runner.run(["verify", "--git"] + Self.configuration, in: fixture.root)
        #expect(result.status == 1)
        #expect(result.standardError.contains("2.json migrates from the same configuration as 1.json"), "\(result.standardError)")
    }

    @Test(arguments: ["verify", "rehash", "rebase"])
    func helpTextMatchesItsGolden(_ command: String) throws {
        let result = try CommandRunner().run([command, "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-\(command).txt").path)
    }
}
