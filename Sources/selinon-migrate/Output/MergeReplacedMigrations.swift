import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// A merge on HEAD's first-parent line where the working tree now holds, at numbers the merge's
/// first parent had committed, the merged branch's migration files instead — taken by the
/// merge, or by a later commit that resolved conflict markers the merge left.
///
/// On a feature branch that merged main, that is `rebase --onto MERGE_HEAD` doing its job (the
/// branch's own, never deployed, files give way to main's); after a `git pull` whose merge kept
/// the remote's files over unpushed ones, too. On the branch deployments run, it is an applied
/// migration rewritten: flows that went through the original are at its version, and what
/// follows no longer continues what they ran. Git tells the two apart only before the merge is
/// pushed — the replaced files are on the remote's default branch, the merge is not yet
/// (``provenRewrite(in:directory:)``); otherwise it is a note naming both readings.
struct MergeReplacedMigrations {
    /// The merge commit.
    let merge: GitCommit
    /// Its first parent, which had committed the replaced files.
    let kept: GitCommit
    /// The versions replaced.
    let versions: [Int]

    /// The merges back from HEAD along first parents after which the working tree (`hashes`, by
    /// version, as the sum hashes them) holds a merged side's file at a number the first parent
    /// had committed with other content; newest first.
    static func find(in directory: String, repository: GitRepository, hashes: [Int: String]) -> [MergeReplacedMigrations] {
        var found: [MergeReplacedMigrations] = []
        for taken in repository.migrationsTakenFromMergedSides(in: directory, hashes: hashes) where !taken.replaced.isEmpty {
            // (One entry per merge, whichever of its sides the files came from.)
            if let last = found.last, last.merge.id == taken.merge.id {
                found[found.count - 1] = MergeReplacedMigrations(merge: last.merge, kept: last.kept,
                                                                 versions: Array(Set(last.versions + taken.replaced)).sorted())
            } else {
                found.append(MergeReplacedMigrations(merge: taken.merge, kept: taken.kept, versions: taken.replaced))
            }
        }
        return found
    }

    /// Whether the replaced files were, provably, on the branch deployments run: the remote's
    /// default branch (of HEAD's branch's remote, else `origin`) holds them as the merge's first
    /// parent had them, but not the merge itself — the merge is about to be pushed over files
    /// already pushed. (Once pushed, a `git pull` merge that rightly kept the remote's files
    /// over unpushed ones looks the same.)
    /// - Returns: that branch (`origin/main`) when it is so, else nil.
    func provenRewrite(in repository: GitRepository, directory: String) -> String? {
        guard let remote = Self.remote(of: repository), let target = repository.defaultBranch(ofRemote: remote),
              let deployed = try? repository.commit(target),
              !repository.fetchedHistory(from: deployed.id, contains: merge.id),
              let pushed = try? repository.migrationFileIDs(in: directory, at: deployed),
              let replaced = try? repository.migrationFileIDs(in: directory, at: kept),
              versions.allSatisfy({ pushed[$0] != nil && pushed[$0] == replaced[$0] }) else { return nil }
        return target
    }

    /// The remote whose default branch deployments run: that of HEAD's branch's upstream, else `origin`.
    static func remote(of repository: GitRepository) -> String? {
        repository.headBranch.flatMap(repository.upstreamRemote(ofBranch:)) ?? (repository.remoteNames.contains("origin") ? "origin" : nil)
    }

    /// The files, named under `directory`.
    func files(in directory: String) -> String {
        versions.map { MigrationDirectory.filePath(version: $0, in: directory) }.joined(separator: ", ")
    }

    /// The replaced files as a finding, where ``provenRewrite(in:directory:)`` names the remote's default
    /// branch, `deployed`.
    func finding(in directory: String, deployed: String) -> DirectoryIntegrity.Finding {
        let names = versions.map { "\($0).json" }.joined(separator: ", ")
        return DirectoryIntegrity.Finding(
            kind: "replaced-by-merge", file: MigrationDirectory.filePath(version: versions[0], in: directory), line: nil,
            message: "\(merge.id.short) (\(merge.summary)), not pushed yet, replaced \(names) as \(kept.id.short) had \(versions.count == 1 ? "it" : "them") "
                + "— already on \(deployed) — with the merged branch's: deployments may have applied the replaced "
                + "\(versions.count == 1 ? "file" : "files"), and flows \(versions.count == 1 ? "it" : "they") migrated would be moved again by the files that now follow",
            hint: "selinon-migrate rebase --onto \(kept.id.short) -n NODES -f FLOWS keeps the migrations as \(kept.id.short) had them and "
                + "migrates the merged change after them; commit the result before pushing")
    }

    /// The replaced files as a note, where git cannot tell which side was deployed. `options`
    /// are the command's configuration options, for the command it names; where the remote
    /// records no default branch, the note says how to record it.
    func note(in directory: String, options: String, repository: GitRepository) -> String {
        let remote = Self.remote(of: repository)
        let unrecorded = remote.flatMap { repository.defaultBranch(ofRemote: $0) == nil ? $0 : nil }.map {
            "; git remote set-head \(shellWord($0)) --auto records \($0)'s default branch, by which verify --git tells a rewrite not pushed yet"
        } ?? ""
        return "note: after \(merge.id.short) (\(merge.summary)) the directory holds the merged branch's \(files(in: directory)) over what "
            + "\(kept.id.short) had committed — as rebase --onto MERGE_HEAD leaves it where this branch merged the deployed one, or "
            + "a git pull whose merge kept the remote's; had \(kept.id.short)'s \(versions.count == 1 ? "file" : "files") been deployed "
            + "instead, an applied migration was replaced: selinon-migrate rebase --onto \(kept.id.short)\(options) would restore "
            + "\(versions.count == 1 ? "it" : "them") (where nothing after \(merge.id.short) was deployed)" + unrecorded
    }
}
