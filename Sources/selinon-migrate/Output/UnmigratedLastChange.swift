import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

extension Terminal {
    /// When `generate` finds nothing to migrate between the last commit that changed the
    /// configuration and the working tree, that commit itself may have changed flows without
    /// its migration (committed before generating). The note that says so, with the command that generates it,
    /// unless the commit added a migration or a migration's `_meta` digests name its change (and
    /// the newest migration leads to the commit's configuration).
    /// For a merge, the change is the one from the parent whose configuration the newest
    /// migration leads to (the merged branch's, when the merge took its migrations), else from
    /// the first parent. `configuration` is the one `source` holds, already loaded. `options`
    /// are the command's configuration options (` -n … -f … -m …`), for the commands it names.
    /// - Returns: the note, `nil` when there is nothing to say.
    func unmigratedLastChangeNote(_ source: GitConfigurationSource, configuration new: Configuration, loader: ConfigurationLoader,
                                  migrationDirectory: String?, options: String) -> String? {
        let command = "selinon-migrate generate" + options
        guard case .revision(let commit, _) = source.location, !commit.parents.isEmpty else { return nil }
        let migrations = migrationDirectory.map { MigrationsNow(directory: $0) }
        func configuration(at parentID: GitObjectID) -> (GitCommit, Configuration)? {
            guard let parent = try? source.repository.commit(id: parentID) else { return nil }
            let before = GitConfigurationSource(repository: source.repository, paths: source.paths, location: .revision(parent, label: parent.id.short))
            return (try? loader.load(before.read()).configuration).map { (parent, $0) }
        }
        let leadingToMigrations = commit.parents.count < 2 ? nil : migrations?.latestDestination.flatMap { destination in
            commit.parents.lazy.compactMap(configuration(at:)).first { StructureDigest.digest(of: $0.1) == destination }
        }
        guard let (parent, old) = leadingToMigrations ?? configuration(at: commit.parents[0]) else { return nil }
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        guard plan.isNeeded else { return nil }
        let from = parent.id == commit.parents[0] ? "\(commit.id.short)~1" : parent.id.short
        let generate = "\(command) --from \(from) --to \(commit.id.short)"
        if let migrationDirectory, let migrations {
            let added = (try? source.repository.migrationFilesAdded(in: migrationDirectory, by: commit, after: parent)) ?? [:]
            // A migration of the same change counts where the migrations end at this commit's
            // configuration: one that ends elsewhere covers an earlier pass of it (a change
            // reverted with its migration, then made again without one).
            if migrations.generated(from: old, to: new, change: plan.migration) != nil,
               migrations.latestDestination.map({ $0 == StructureDigest.digest(of: new) }) ?? true { return nil }
            // The commit added its migration, but that leads to another configuration than the
            // commit has: the configuration changed after generate (a commit amended with further
            // edits). check compares the two and says what to do.
            if let (version, bytes) = added.max(by: { $0.key < $1.key }) {
                let leadsTo = (try? Migration(selinonJSON: bytes, file: ""))?.metadata?["digests"]?["new"]?.stringValue
                guard let leadsTo, leadsTo != StructureDigest.digest(of: new) else { return nil }
                return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), added "
                    + "\(version).json, but \(version).json leads to another configuration than the commit has (was the commit "
                    + "amended after generate?): run selinon-migrate check --base \(from)\(options), which says what to do"
            }
            // A merge that kept this side's migrations over the other side's files of the same
            // numbers: the other side's change is in the configuration, its migration is not — and
            // a migration generated on top would migrate that change a second time wherever the
            // other side's file was deployed.
            if let (other, replaced) = source.repository.migrationsReplaced(in: migrationDirectory, by: commit, keeping: parent.id) {
                let files = replaced.map { "\($0).json" }.joined(separator: ", ")
                return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), merged "
                    + "\(other.id.short) (\(other.summary)) and kept this side's \(files) over \(other.id.short)'s: both sides added "
                    + "\(replaced.count == 1 ? "that number" : "those numbers"), so \(other.id.short)'s change is in the configuration "
                    + "without its migration; do not generate one on top (where \(other.id.short)'s file was deployed, its change "
                    + "would be migrated twice): if \(other.id.short) may be deployed, run selinon-migrate rebase --onto "
                    + "\(other.id.short)\(options), which keeps its migrations and migrates this side's change after them"
            }
            // A revert of a commit with its migration removes the migration too: deployments may have
            // applied it, and the next number would be taken a second time.
            let removed = Self.migrationsRemoved(in: migrationDirectory, by: commit, parent: parent, repository: source.repository)
            if !removed.isEmpty {
                let files = removed.map { MigrationDirectory.filePath(version: $0, in: migrationDirectory) }
                let sum = (migrationDirectory as NSString).appendingPathComponent(MigrationSum.fileName)
                return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), changed "
                    + "\(plan.changedFlowNames.joined(separator: ", ")) and removed \(files.joined(separator: ", ")) (a revert?), which "
                    + "deployments may have applied: restore \(removed.count == 1 ? "it" : "them") with the sum (git checkout "
                    + "\(from) -- \((files + [sum]).map(gitPathWord).joined(separator: " "))), then migrate the change with: \(generate)"
            }
        }
        // An earlier commit may have removed migrations — a revert of a migration committed on its
        // own, before the revert of its change: the directory is short of what deployments ran,
        // whatever the configuration did since.
        if let migrationDirectory, let (holder, lost) = Self.migrationsLost(in: migrationDirectory, before: parent, repository: source.repository) {
            let files = lost.map { MigrationDirectory.filePath(version: $0, in: migrationDirectory) }
            let sum = (migrationDirectory as NSString).appendingPathComponent(MigrationSum.fileName)
            let them = lost.count == 1 ? "it" : "them"
            return "note: \(files.joined(separator: ", ")) \(lost.count == 1 ? "was" : "were") in \(holder.id.short) (\(holder.summary)) and "
                + "\(lost.count == 1 ? "is" : "are") gone since (a revert?); deployments may have applied \(them): restore \(them) with the "
                + "sum (git checkout \(holder.id.short) -- \((files + [sum]).map(gitPathWord).joined(separator: " "))), then migrate from "
                + "the configuration \(holder.id.short) has: \(command) --from \(holder.id.short) --to \(commit.id.short)"
        }
        // The commit before it may have gone without its migration too: then the change to migrate
        // starts further back — where the migrations end (their newest `_meta` digest), or, with
        // none to say, at the first of the commits before it that each changed flows and added no
        // migration.
        let earlier = (try? source.repository.commitsChanging(source.paths, from: parent.id, limit: Self.unmigratedSearchDepth)) ?? []
        var start: GitCommit?
        if let destination = migrations?.latestDestination {
            if StructureDigest.digest(of: old) != destination {
                start = earlier.first { configuration(at: $0.id).map { StructureDigest.digest(of: $0.1) } == destination }
            }
        } else if let migrationDirectory {
            var newest = 0
            while newest + 1 < earlier.count, let after = configuration(at: earlier[newest].id)?.1,
                  let before = configuration(at: earlier[newest + 1].id)?.1,
                  MigrationDiffer().plan(from: before, to: after, strategy: .ignore).isNeeded,
                  ((try? source.repository.migrationFilesAdded(in: migrationDirectory, by: earlier[newest], after: earlier[newest + 1])) ?? [:]).isEmpty {
                newest += 1
            }
            if newest > 0 { start = earlier[newest] }
        }
        if let start {
            let span = MigrationDiffer().plan(from: configuration(at: start.id)!.1, to: new, strategy: .ignore)
            return "note: the commits from \(start.id.short) (\(start.summary)) to \(commit.id.short) (\(commit.summary)) changed "
                + "\(span.changedFlowNames.joined(separator: ", ")) without adding a migration; if that needs one (no deployment ran "
                + "them without), run: \(command) --from \(start.id.short) --to \(commit.id.short)"
        }
        return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), changed "
            + "\(plan.changedFlowNames.joined(separator: ", ")) and added no migration for it; if it needs one (no deployment ran it "
            + "without), run: \(generate)"
    }

    /// How many commits that changed the configuration the note looks back for where the
    /// migrations end.
    static let unmigratedSearchDepth = 50

    /// The newest commit from `start` back along first parents (up to ``unmigratedSearchDepth``
    /// commits) whose migrations of `directory` include versions the working tree lacks, with
    /// those versions; `nil` when every migration found there is still here.
    private static func migrationsLost(in directory: String, before start: GitCommit, repository: GitRepository) -> (GitCommit, [Int])? {
        let now = Set((try? MigrationDirectory.load(from: directory, allowMissing: true))?.files.map(\.version) ?? [])
        return repository.newestMigrations(in: directory, from: start, limit: unmigratedSearchDepth) { !$0.keys.allSatisfy(now.contains) }
            .map { found in (found.commit, found.files.keys.filter { !now.contains($0) }.sorted()) }
    }

    /// Versions of migrations `parent` has in `directory` that `commit` removed and the working
    /// tree does not hold again.
    private static func migrationsRemoved(in directory: String, by commit: GitCommit, parent: GitCommit,
                                          repository: GitRepository) -> [Int] {
        guard let before = try? repository.migrationFiles(in: directory, at: parent), !before.isEmpty,
              let after = try? repository.migrationFiles(in: directory, at: commit) else { return [] }
        let now = Set((try? MigrationDirectory.load(from: directory, allowMissing: true))?.files.map(\.version) ?? [])
        return before.keys.filter { after[$0] == nil && !now.contains($0) }.sorted()
    }
}

extension GitRepository {
    /// For a merge: a merged parent (not the first, the branch merged into; not `kept`) whose
    /// migrations of `directory` the merge did not keep as they were (replaced by this side's of
    /// the same number, or dropped), with their versions. (This branch's own migrations replaced
    /// by the merged branch's are not: they were never deployed, and its change is to migrate.)
    func migrationsReplaced(in directory: String, by commit: GitCommit, keeping kept: GitObjectID) -> (GitCommit, [Int])? {
        guard commit.parents.count > 1, let merged = try? migrationFiles(in: directory, at: commit) else { return nil }
        for otherID in commit.parents.dropFirst() where otherID != kept {
            guard let other = try? self.commit(id: otherID), let theirs = try? migrationFiles(in: directory, at: other) else { continue }
            let replaced = theirs.filter { version, bytes in merged[version].map(MigrationSum.hash) != MigrationSum.hash(bytes) }
            if !replaced.isEmpty { return (other, replaced.keys.sorted()) }
        }
        return nil
    }
}
