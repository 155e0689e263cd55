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
    /// When that commit changed only what needs no migration (a condition, a flow added), the
    /// change before it is judged so instead (`depth`: how many such commits were passed).
    /// - Returns: the note, `nil` when there is nothing to say.
    func unmigratedLastChangeNote(_ source: GitConfigurationSource, configuration new: Configuration, loader: ConfigurationLoader,
                                  migrationDirectory: String?, options: String, depth: Int = 0) -> String? {
        let command = "selinon-migrate generate" + options
        guard case .revision(let commit, _) = source.location, !commit.parents.isEmpty else { return nil }
        // A directory holding conflict markers a commit recorded is no migration history: that is what to fix.
        if let migrationDirectory, let conflict = CommittedConflict.find(in: migrationDirectory, repository: source.repository) {
            return "note: the migration directory holds no valid history: " + conflict.fix(options: options)
        }
        let migrations = migrationDirectory.map { MigrationsNow(directory: $0) }
        var loaded: [GitObjectID: (GitCommit, Configuration)?] = [:]
        func configuration(at parentID: GitObjectID) -> (GitCommit, Configuration)? {
            if let known = loaded[parentID] { return known }
            guard let parent = try? source.repository.commit(id: parentID) else { return nil }
            let before = GitConfigurationSource(repository: source.repository, paths: source.paths, location: .revision(parent, label: parent.id.short))
            let result = (try? loader.load(before.read()).configuration).map { (parent, $0) }
            loaded[parentID] = result
            return result
        }
        let leadingToMigrations = commit.parents.count < 2 ? nil : migrations?.latestDestination.flatMap { destination in
            commit.parents.lazy.compactMap(configuration(at:)).first { StructureDigest.digest(of: $0.1) == destination }
        }
        guard let (parent, old) = leadingToMigrations ?? configuration(at: commit.parents[0]) else { return nil }
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        guard plan.isNeeded else {
            // Only what needs no migration (a condition, a flow added): the change before it may lack
            // its migration all the same — unless the migrations lead to this configuration.
            guard commit.parents.count == 1, depth < 20, migrations?.latestDestination != StructureDigest.digest(of: new),
                  let earlier = (try? source.repository.newestCommitChanging(source.paths, from: parent.id)) ?? nil,
                  let (_, configuration) = configuration(at: earlier.id),
                  let note = unmigratedLastChangeNote(GitConfigurationSource(repository: source.repository, paths: source.paths,
                                                                            location: .revision(earlier, label: earlier.id.short)),
                                                      configuration: configuration, loader: loader, migrationDirectory: migrationDirectory,
                                                      options: options, depth: depth + 1) else { return nil }
            let lead = "note: the last commit that changed the configuration, "
            guard depth == 0, note.hasPrefix(lead) else { return note }
            return "note: \(commit.id.short) (\(commit.summary)), the last commit that changed the configuration, changed only what needs "
                + "no migration; the one that changed flows before it, " + note.dropFirst(lead.count)
        }
        let from = parent.id == commit.parents[0] ? "\(commit.id.short)~1" : parent.id.short
        let generate = "\(command) --from \(from) --to \(commit.id.short)"
        // Where the newest migration ends among the last changes, matched as verify --git matches
        // it (not for a merge, whose change is judged against the parent the migrations lead to).
        let newest = commit.parents.count == 1 ? migrations.flatMap { Self.newestMigrationSpan($0, commit: commit, source: source, configuration: configuration(at:)) } : nil
        if let newest, newest.end == newest.window.count - 1 { return nil }
        if let migrationDirectory, let migrations {
            let added = (try? source.repository.migrationFilesAdded(in: migrationDirectory, by: commit, after: parent)) ?? [:]
            // A migration of the same change counts where the migrations end at this commit's
            // configuration: one that ends elsewhere covers an earlier pass of it (a change
            // reverted with its migration, then made again without one).
            if newest == nil, migrations.generated(from: old, to: new, change: plan.migration) != nil,
               migrations.latestDestination.map({ $0 == StructureDigest.digest(of: new) }) ?? true { return nil }
            // The commit added its migration, but that leads to another configuration than the
            // commit has: the configuration changed after generate (a commit amended with further
            // edits). check compares the two and says what to do.
            if let (version, bytes) = added.max(by: { $0.key < $1.key }) {
                let leadsTo = (try? Migration(selinonJSON: bytes, file: ""))?.metadata?["digests"]?["new"]?.stringValue
                guard let leadsTo, leadsTo != StructureDigest.digest(of: new) else { return nil }
                // A merge that brought a branch's migration leading to a configuration of that branch,
                // short of the merge's (the branch's last change had none): the rest starts there.
                if commit.parents.count > 1,
                   let start = source.repository.commit(withDigest: leadsTo, onMergedSidesOf: commit, paths: source.paths, loader: loader) {
                    return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), brought "
                        + "\(version).json, which leads to the configuration of \(start.id.short) (\(start.summary)) on the merged branch; "
                        + "migrate the rest of the change from there: \(command) --from \(start.id.short) --to \(commit.id.short)"
                }
                // (For a merge, against the side whose migrations it holds as they were — the deployed one.)
                let base = commit.parents.count > 1 ? source.repository.parentKeepingMigrations(of: commit, in: migrationDirectory)?.short ?? from : from
                return "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), added "
                    + "\(version).json, but \(version).json leads to another configuration than the commit has (was the commit "
                    + "amended after generate?): run selinon-migrate check --base \(base)\(options), which says what to do"
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
        // (Else searched from HEAD: a migration committed after the change, reverted on its own, counts too.)
        if let migrationDirectory, let (holder, lost) = Self.migrationsLost(in: migrationDirectory, before: parent, repository: source.repository)
            ?? (try? source.repository.commit("HEAD")).flatMap({ Self.migrationsLost(in: migrationDirectory, before: $0, repository: source.repository) }) {
            let files = lost.map { MigrationDirectory.filePath(version: $0, in: migrationDirectory) }
            let sum = (migrationDirectory as NSString).appendingPathComponent(MigrationSum.fileName)
            let them = lost.count == 1 ? "it" : "them"
            // A holder after the change has its configuration: restored, the files migrate up to it.
            let after = holder.id != commit.id && source.repository.fetchedHistory(from: holder.id, contains: commit.id)
            return "note: \(files.joined(separator: ", ")) \(lost.count == 1 ? "was" : "were") in \(holder.id.short) (\(holder.summary)) and "
                + "\(lost.count == 1 ? "is" : "are") gone since (a revert?); deployments may have applied \(them): restore \(them) with the "
                + "sum (git checkout \(holder.id.short) -- \((files + [sum]).map(gitPathWord).joined(separator: " ")))"
                + (after ? ", which migrate\(lost.count == 1 ? "s" : "") up to this configuration" : ", then migrate from "
                    + "the configuration \(holder.id.short) has: \(command) --from \(holder.id.short) --to \(commit.id.short)")
        }
        // The commit before it may have gone without its migration too: then the change to migrate
        // starts further back — where the migrations end (their newest `_meta` digest), or, with
        // none to say, before the oldest of the commits before it that added no migration and
        // changed flows (past those that changed only what needs none).
        if let newest {
            let stretch = Array(newest.window[newest.end...])
            return stretch.count > 2 ? stretchNote(stretch) : defaultNote(plan)
        }
        let earlier = (try? source.repository.commitsChanging(source.paths, from: parent.id, limit: Self.unmigratedSearchDepth)) ?? []
        var start: GitCommit?
        if let destination = migrations?.latestDestination {
            if StructureDigest.digest(of: old) != destination {
                start = earlier.first { configuration(at: $0.id).map { StructureDigest.digest(of: $0.1) } == destination }
            }
        } else if let migrationDirectory {
            // (Past commits that changed only what needs no migration, to before the oldest that needed one.)
            var newest = 0, needed = 0
            while newest + 1 < earlier.count, let after = configuration(at: earlier[newest].id)?.1,
                  let before = configuration(at: earlier[newest + 1].id)?.1,
                  ((try? source.repository.migrationFilesAdded(in: migrationDirectory, by: earlier[newest], after: earlier[newest + 1])) ?? [:]).isEmpty {
                newest += 1
                if MigrationDiffer().plan(from: before, to: after, strategy: .ignore).isNeeded { needed = newest }
            }
            if needed > 0 { start = earlier[needed] }
        }
        if let start, let position = earlier.firstIndex(where: { $0.id == start.id }) {
            let stretch = (earlier[...position].reversed() + [commit]).compactMap { changing in
                configuration(at: changing.id).map { (commit: changing, digest: StructureDigest.digest(of: $0.1)) }
            }
            return stretchNote(stretch)
        }
        return defaultNote(plan)

        /// The note for the changes after the first commit of `stretch` (oldest first, with their
        /// configurations' digests) up to the last, none of which added a migration: one
        /// migration over them, or — where the configuration went back on the way to the last
        /// one's, or to where it started, which `verify --git` would match such a migration to
        /// first — one per commit.
        func stretchNote(_ stretch: [(commit: GitCommit, digest: String)]) -> String {
            let start = stretch.first!.commit
            let span = MigrationDiffer().plan(from: configuration(at: start.id)!.1, to: new, strategy: .ignore)
            let what = "the commits after \(start.id.short) (\(start.summary)) to \(commit.id.short) (\(commit.summary)) changed"
            if span.isNeeded && !stretch.dropLast().contains(where: { $0.digest == stretch.last!.digest }) {
                return "note: \(what) \(span.changedFlowNames.joined(separator: ", ")) without adding a migration; if that needs one (no "
                    + "deployment ran them without), run: \(command) --from \(start.id.short) --to \(commit.id.short)"
            }
            let steps = zip(stretch.dropLast(), stretch.dropFirst()).filter { before, after in
                MigrationDiffer().plan(from: configuration(at: before.commit.id)!.1, to: configuration(at: after.commit.id)!.1,
                                       strategy: .ignore).isNeeded
            }
            let commands = steps.prefix(Self.listedSteps).map { "\(command) --from \($0.0.commit.id.short) --to \($0.1.commit.id.short)" }
            let more = steps.count > Self.listedSteps ? "; and so on, one per commit up to \(commit.id.short)" : ""
            return "note: \(what) the flows without adding migrations, and on the way the configuration went back to one it had "
                + "before, so no one migration fits them all; if they need migrations (no deployment ran them without), generate "
                + "one per commit, in this order: \(commands.joined(separator: "; "))\(more)"
        }

        func defaultNote(_ plan: MigrationPlan) -> String {
            "note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), changed "
                + "\(plan.changedFlowNames.joined(separator: ", ")) and added no migration for it; if it needs one (no deployment ran it "
                + "without), run: \(generate)"
        }
    }

    /// How many `generate` commands a note lists, one per commit.
    static let listedSteps = 10

    /// The last changes of the configuration up to `commit` (oldest first: each commit that
    /// changed it, with the structure digest of its configuration; invalid ones left out, as
    /// `verify --git` does), from the one the directory's newest migration starts from — the
    /// commit its `_meta.old` names, else the newest with its old digest — and `end`, the index
    /// of the first one after it with its new digest: where the migrations end. `nil` when the
    /// newest migration records no digests, or its start or end is not among the last
    /// ``unmigratedSearchDepth`` changes.
    private static func newestMigrationSpan(_ migrations: MigrationsNow, commit: GitCommit, source: GitConfigurationSource,
                                            configuration: (GitObjectID) -> (GitCommit, Configuration)?)
        -> (window: [(commit: GitCommit, digest: String)], end: Int)? {
        guard let newest = migrations.hashes.keys.max(), let recorded = migrations.recordedChanges.first(where: { $0.version == newest }),
              let changes = try? source.repository.commitsChanging(source.paths, from: commit.id, limit: unmigratedSearchDepth + 1) else {
            return nil
        }
        let base = recorded.base.map { source.repository.commitMakingConfiguration(at: $0, paths: source.paths)?.id.hex ?? $0 }
        var window: [(commit: GitCommit, digest: String)] = []
        for changing in changes {
            guard let (_, loaded) = configuration(changing.id) else { continue }
            window.insert((changing, StructureDigest.digest(of: loaded)), at: 0)
            guard changing.id != commit.id else { continue }
            let isStart = base.map { changing.id.hex.hasPrefix($0) } ?? (window[0].digest == recorded.old)
            if isStart {
                guard window[0].digest == recorded.old,
                      let end = window.indices.first(where: { $0 > 0 && window[$0].digest == recorded.new }) else { return nil }
                return (window, end)
            }
        }
        return nil
    }

    /// How many commits that changed the configuration the note looks back for where the
    /// migrations end.
    static let unmigratedSearchDepth = 50

    /// The newest commit from `start` back along first parents (up to ``unmigratedSearchDepth``
    /// commits) whose migrations of `directory` include versions the working tree lacks, with
    /// those versions; `nil` when every migration found there is still here.
    static func migrationsLost(in directory: String, before start: GitCommit, repository: GitRepository) -> (GitCommit, [Int])? {
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
