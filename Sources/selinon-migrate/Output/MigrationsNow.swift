import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// The migration files of a directory as they are now — what `history` and `generate` compare
/// the history with: each file's content hash, and the configuration change its `_meta`
/// digests say it was generated for.
struct MigrationsNow: Sendable {
    /// Versions by the change they were generated for ("old-digest new-digest").
    private var byDigests: [String: [Int]] = [:]
    /// Each file's content hash, as the sum computes it.
    var hashes: [Int: String] = [:]
    /// The structure digest of the configuration each file leads to (`_meta.digests.new`).
    private var destinations: [Int: String] = [:]
    /// The files that record no digests (Selinon's own, `--no-meta`), known by their effect only.
    private var withoutDigests: [Int: Migration] = [:]
    /// What the files that record their digests record of the change each was generated for.
    private(set) var recordedChanges: [MigrationHistoryCheck.RecordedChange] = []

    /// The structure digest of the configuration the newest migration leads to, when its
    /// `_meta` records it.
    var latestDestination: String? { hashes.keys.max().flatMap { destination(of: $0) } }

    /// The structure digest of the configuration migration `version` leads to, when its `_meta` records it.
    func destination(of version: Int) -> String? { destinations[version] }

    init() {}

    /// Reads `directory` file by file, so that one broken or stray file (a merge conflict,
    /// `notes.json`) leaves the others' verdicts alone.
    init(directory: String) {
        for name in MigrationSum.migrationFileNames(in: directory) {
            guard let version = MigrationDirectory.version(ofFileName: name),
                  let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) else { continue }
            let bytes = [UInt8](data)
            hashes[version] = MigrationSum.hash(bytes)
            guard let migration = try? Migration(selinonJSON: bytes, file: name) else { continue }
            guard let digests = migration.metadata?["digests"],
                  let old = digests["old"]?.stringValue, let new = digests["new"]?.stringValue else {
                withoutDigests[version] = migration
                continue
            }
            byDigests["\(old) \(new)", default: []].append(version)
            recordedChanges += MigrationHistoryCheck.RecordedChange(version: version, migration: migration).map { [$0] } ?? []
            destinations[version] = new
        }
    }

    /// The versions generated for the change `before` → `after` (whose migration is `change`),
    /// if any: by their digests, else the files without digests that have its effect.
    func generated(from before: Configuration, to after: Configuration, change: Migration) -> [Int]? {
        generated(from: StructureDigest.digest(of: before), to: StructureDigest.digest(of: after), change: change)
    }

    /// ``generated(from:to:change:)`` for the configurations of these structure digests.
    func generated(from before: String, to after: String, change: Migration) -> [Int]? {
        if let versions = byDigests["\(before) \(after)"] { return versions }
        let matching = withoutDigests.filter { $0.value.hasSameEffect(as: change) }.keys.sorted()
        return matching.isEmpty ? nil : matching
    }
}

extension GitRepository {
    /// The commit that made the configuration the commit `revision` has: that one, or the newest
    /// before it that changed the configuration (`generate --from` may name a commit that changed
    /// nothing in it), as a history of configuration changes holds it; `nil` when `revision`
    /// names no commit here.
    func commitMakingConfiguration(at revision: String, paths: ConfigurationPaths) -> GitCommit? {
        (try? commit(revision)).flatMap { try? commitsChanging(paths, from: $0.id, limit: 1).first }
    }

    /// Where migration `version` of `directory` — as the working tree holds it (`hash`, as the
    /// sum hashes it), leading to the configuration of structure digest `leadsTo` when its
    /// `_meta` records one — stands on the first-parent line from `start` back to `oldest`
    /// (excluded): the commit that made the configuration it leads to, at or before the commit
    /// that brought the file to the line (`madeDestination`); else, where that configuration is
    /// on no commit of the line (a merge brought the migration with changes of its own line) or
    /// is not recorded, the commit that brought the file, when it also changed the configuration.
    /// With that commit's configuration — the one flows at `version` run. `nil` when neither is
    /// on that part of the line, or `oldest` is not on the line within `limit` commits (a commit
    /// of a merged branch).
    func migrationDestination(_ version: Int, hash: String, leadsTo: String?, in directory: String, from start: GitCommit,
                              after oldest: GitCommit, paths: ConfigurationPaths, loader: ConfigurationLoader,
                              limit: Int = 10_000) -> (commit: GitCommit, configuration: Configuration, madeDestination: Bool)? {
        var line: [GitCommit] = []
        var commit = start
        while commit.id != oldest.id {
            guard line.count < limit, let parentID = commit.parents.first, let parent = try? self.commit(id: parentID) else { return nil }
            line.append(commit)
            commit = parent
        }
        guard let file = try? repositoryPath(of: (directory as NSString).appendingPathComponent("\(version).json")) else { return nil }
        // The commit that brought the file as it is: where its blob changed to these bytes (blob ids
        // from the trees: the file is read only there).
        var below = try? migrationFileIDs(in: directory, at: oldest)[version]
        var arrival: Int?
        for (index, commit) in line.enumerated().reversed() {
            let here = try? migrationFileIDs(in: directory, at: commit)[version]
            defer { below = here }
            guard let here, here != below, let bytes = try? self.file(at: file, in: commit.id), MigrationSum.hash(bytes) == hash else { continue }
            arrival = index
            break
        }
        guard let arrival else { return nil }
        func configuration(at commit: GitCommit) -> Configuration? {
            let source = GitConfigurationSource(repository: self, paths: paths, location: .revision(commit, label: commit.id.short))
            return try? loader.load(source.read()).configuration
        }
        let onLine = Set(line[arrival...].map(\.id))
        // The configuration it leads to, made at or before its arrival: walked back change by change.
        if let leadsTo {
            var at = line[arrival]
            while let made = (try? newestCommitChanging(paths, from: at.id)) ?? nil, onLine.contains(made.id) {
                if let configuration = configuration(at: made), StructureDigest.digest(of: configuration) == leadsTo {
                    return (made, configuration, true)
                }
                guard let parentID = made.parents.first, let parent = try? self.commit(id: parentID) else { break }
                at = parent
            }
        }
        let brought = line[arrival]
        guard (try? newestCommitChanging(paths, from: brought.id))??.id == brought.id, let configuration = configuration(at: brought) else { return nil }
        return (brought, configuration, false)
    }

    /// The newest commit among the last configuration changes of `merge`'s merged parents (their
    /// first-parent lines) whose configuration has structure digest `digest`.
    func commit(withDigest digest: String, onMergedSidesOf merge: GitCommit, paths: ConfigurationPaths,
                loader: ConfigurationLoader) -> GitCommit? {
        for parent in merge.parents.dropFirst() {
            for commit in (try? commitsChanging(paths, from: parent, limit: 50)) ?? [] {
                let source = GitConfigurationSource(repository: self, paths: paths, location: .revision(commit, label: commit.id.short))
                if let configuration = try? loader.load(source.read()).configuration, StructureDigest.digest(of: configuration) == digest {
                    return commit
                }
            }
        }
        return nil
    }

    /// The merge commits of the first-parent line back from HEAD (its last `limit` commits), newest first.
    func firstParentMerges(limit: Int = 2_000) -> [GitCommit] {
        var merges: [GitCommit] = [], commit = try? self.commit("HEAD")
        for _ in 0..<limit {
            guard let current = commit else { break }
            if current.parents.count > 1 { merges.append(current) }
            commit = current.parents.first.flatMap { try? self.commit(id: $0) }
        }
        return merges
    }

    /// For each merge of ``firstParentMerges(limit:)`` and each merged side: the migrations of
    /// `directory` the working tree (`hashes`, by version, as the sum hashes them) holds as that
    /// side has them and the merge's first parent does not — newest merge first. (Blob ids from
    /// the trees: a file is read only where the sides' ids differ.)
    func migrationsTakenFromMergedSides(in directory: String, hashes: [Int: String])
        -> [(merge: GitCommit, kept: GitCommit, side: GitCommit, versions: [Int], replaced: [Int])] {
        guard !hashes.isEmpty, let path = try? repositoryPath(of: directory) else { return [] }
        return firstParentMerges().flatMap { merge -> [(merge: GitCommit, kept: GitCommit, side: GitCommit, versions: [Int], replaced: [Int])] in
            let parents = merge.parents.compactMap { try? commit(id: $0) }
            guard parents.count == merge.parents.count, let ours = try? migrationFileIDs(in: directory, at: parents[0]) else { return [] }
            return parents.dropFirst().compactMap { side in
                guard let theirs = try? migrationFileIDs(in: directory, at: side) else { return nil }
                let versions = theirs.filter { version, id in
                    guard id != ours[version], let now = hashes[version],
                          let bytes = try? file(at: (path as NSString).appendingPathComponent("\(version).json"), in: side.id) else { return false }
                    return MigrationSum.hash(bytes) == now
                }.keys.sorted()
                return versions.isEmpty ? nil : (merge, parents[0], side, versions, versions.filter { ours[$0] != nil })
            }
        }
    }

    /// The parent of merge `commit` whose migrations of `directory` the merge holds as they were
    /// — the side it kept, deployed perhaps — the first one where both qualify; nil when none does.
    func parentKeepingMigrations(of commit: GitCommit, in directory: String) -> GitObjectID? {
        guard let merged = try? migrationFileIDs(in: directory, at: commit) else { return nil }
        return commit.parents.first { parentID in
            guard let parent = try? self.commit(id: parentID), let files = try? migrationFileIDs(in: directory, at: parent) else { return false }
            return files.allSatisfy { merged[$0.key] == $0.value }
        }
    }

    /// The migration files (`N.json` in `directory`) that `commit` added to those of `parent`.
    /// `withMergedReplacements`: for a merge commit, also the files it holds at numbers `parent`
    /// had with other content — the other side's file, taken where this side's was (main's
    /// 2.json, this branch's renumbered after it by `rebase`).
    func migrationFilesAdded(in directory: String, by commit: GitCommit, after parent: GitCommit?,
                             withMergedReplacements: Bool = false) throws(GitError) -> [Int: [UInt8]] {
        let files = try migrationFiles(in: directory, at: commit)
        let previous = try parent.map { parentCommit throws(GitError) in try migrationFiles(in: directory, at: parentCommit) } ?? [:]
        let countsReplacements = withMergedReplacements && commit.parents.count > 1
        return files.filter { version, bytes in
            previous[version].map { countsReplacements && MigrationSum.hash($0) != MigrationSum.hash(bytes) } ?? true
        }
    }
}

extension GitRepository {
    /// The commit that made `configuration` (the configuration at `revision`), with the parent
    /// and the parent's configuration it changed from, when that commit changed edges without a
    /// migration and the directory's latest migration leads to the configuration of that parent
    /// — or to one it differs from only in what needs no migration (a condition changed, a flow
    /// added since): in-flight flows run that one, so a migration from `configuration` would
    /// move the wrong edges. For a merge, the parent is the one whose configuration the
    /// migrations lead to (the merged branch brought changes without their migration). `nil`
    /// otherwise — also for a commit that changed only what needs no migration, or whose change
    /// a migration covers (the commit added one, or one's `_meta` digests name the change; the
    /// latest may then undo it, which `generate`'s continuity check judges). Commits after that
    /// one that changed only what needs no migration are looked past.
    func unmigratedChange(madeBy revision: GitCommit, paths: ConfigurationPaths, configuration: Configuration,
                          migrations: [MigrationDirectory.File], directory: String,
                          loader: ConfigurationLoader) -> (commit: GitCommit, parent: GitCommit, before: Configuration)? {
        func digests(_ file: MigrationDirectory.File) -> (old: String?, new: String?) {
            let recorded = file.migration.metadata?["digests"]
            return (recorded?["old"]?.stringValue, recorded?["new"]?.stringValue)
        }
        func load(_ commit: GitCommit) -> Configuration? {
            try? loader.load(GitConfigurationSource(repository: self, paths: paths,
                                                    location: .revision(commit, label: commit.id.short)).read()).configuration
        }
        guard let latest = migrations.last, let leadsTo = digests(latest).new, leadsTo != StructureDigest.digest(of: configuration),
              var commit = (try? newestCommitChanging(paths, from: revision.id)) ?? nil else { return nil }
        // A commit that changed only what needs no migration (a condition, a flow added): the
        // change before it may be the one without its migration.
        var configuration = configuration
        for _ in 0..<20 {
            guard commit.parents.count == 1, let parent = try? self.commit(id: commit.parents[0]), let before = load(parent),
                  StructureDigest.digest(of: before) != leadsTo,
                  !MigrationDiffer().plan(from: before, to: configuration, strategy: .ignore).isNeeded,
                  let earlier = (try? newestCommitChanging(paths, from: parent.id)) ?? nil else { break }
            (commit, configuration) = (earlier, before)
        }
        let digest = StructureDigest.digest(of: configuration)
        for parentID in commit.parents {
            guard let parent = try? self.commit(id: parentID), let before = load(parent) else { continue }
            let beforeDigest = StructureDigest.digest(of: before)
            // Where the migrations lead, or the same edges: found back along the parent's line.
            if beforeDigest != leadsTo {
                var at = parent, reached: Configuration?
                for _ in 0..<20 {
                    guard let made = (try? newestCommitChanging(paths, from: at.id)) ?? nil, let made = made.parents.first.flatMap({ try? self.commit(id: $0) }),
                          let earlier = load(made) else { break }
                    if StructureDigest.digest(of: earlier) == leadsTo { reached = earlier; break }
                    at = made
                }
                guard let reached, !MigrationDiffer().plan(from: reached, to: before, strategy: .ignore).isNeeded else { continue }
            }
            guard !migrations.contains(where: { digests($0) == (leadsTo, digest) || digests($0) == (beforeDigest, digest) }),
                  ((try? migrationFilesAdded(in: directory, by: commit, after: parent)) ?? [:]).isEmpty,
                  MigrationDiffer().plan(from: before, to: configuration, strategy: .ignore).isNeeded else { return nil }
            return (commit, parent, before)
        }
        return nil
    }
}
