import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// A merge on HEAD's first-parent line that took the merged branch's migration files at
/// numbers its first parent had already committed with other content — files the directory
/// still holds as the merge took them.
///
/// On a feature branch that merged main, that is `rebase --onto MERGE_HEAD` doing its job (the
/// branch's own, never deployed, files give way to main's). On the branch deployments run, it is
/// an applied migration rewritten: flows that went through the original are at its version, and
/// what follows no longer continues what they ran. Which of the two only the branch tells
/// (``GitRepository/isOnMainLine``).
struct MergeReplacedMigrations {
    /// The merge commit.
    let merge: GitCommit
    /// Its first parent, which had committed the replaced files.
    let kept: GitCommit
    /// The versions replaced.
    let versions: [Int]

    /// The merges back from HEAD along first parents (at most `limit` commits) that replaced
    /// files of `directory` which the working tree (`hashes`, by version, as the sum hashes
    /// them) still holds as the merge took them from its merged side; oldest last.
    static func find(in directory: String, repository: GitRepository, hashes: [Int: String],
                     limit: Int = 2_000) -> [MergeReplacedMigrations] {
        guard var commit = try? repository.commit("HEAD") else { return [] }
        var found: [MergeReplacedMigrations] = []
        for _ in 0..<limit {
            let parents = commit.parents.compactMap { try? repository.commit(id: $0) }
            // (Blob ids from the trees: a file is read only where a merge took another side's.)
            if parents.count >= 2, parents.count == commit.parents.count,
               let ours = try? repository.migrationFileIDs(in: directory, at: parents[0]),
               let merged = try? repository.migrationFileIDs(in: directory, at: commit) {
                let theirs = parents.dropFirst().compactMap { try? repository.migrationFileIDs(in: directory, at: $0) }
                let candidates = ours.filter { version, id in
                    guard let taken = merged[version], taken != id else { return false }
                    return theirs.contains { $0[version] == taken }
                }.keys.sorted()
                // Still in the working tree as the merge took them.
                let files = candidates.isEmpty ? [:] : (try? repository.migrationFiles(in: directory, at: commit)) ?? [:]
                let versions = candidates.filter { version in files[version].map(MigrationSum.hash).map { hashes[version] == $0 } ?? false }
                if !versions.isEmpty { found.append(MergeReplacedMigrations(merge: commit, kept: parents[0], versions: versions)) }
            }
            guard let first = parents.first else { break }
            commit = first
        }
        return found
    }

    /// The files, named under `directory`.
    func files(in directory: String) -> String {
        versions.map { MigrationDirectory.filePath(version: $0, in: directory) }.joined(separator: ", ")
    }

    /// The replaced files as a finding, on the branch deployments run (`branch`).
    func finding(in directory: String, branch: String) -> DirectoryIntegrity.Finding {
        let names = versions.map { "\($0).json" }.joined(separator: ", ")
        return DirectoryIntegrity.Finding(
            kind: "replaced-by-merge", file: MigrationDirectory.filePath(version: versions[0], in: directory), line: nil,
            message: "\(merge.id.short) (\(merge.summary)) took the merged branch's \(names) over the \(versions.count == 1 ? "one" : "ones") "
                + "\(branch) had committed (\(kept.id.short)): deployments of \(branch) may have applied \(versions.count == 1 ? "the replaced file" : "the replaced files"), "
                + "and flows \(versions.count == 1 ? "it" : "they") migrated would be moved again by the files that now follow",
            hint: "if no deployment has run \(merge.id.short) or a later commit yet: selinon-migrate rebase --onto \(kept.id.short) -n NODES -f FLOWS "
                + "keeps \(branch)'s migrations as \(kept.id.short) had them and migrates the merged change after them; commit the result. "
                + "Otherwise compare the files by hand before changing anything (never delete a migration a deployment may have applied)")
    }

    /// The replaced files as a note, off the branch deployments run: expected where this branch
    /// merged the deployed one.
    func note(in directory: String) -> String {
        "note: \(merge.id.short) (\(merge.summary)) took the merged branch's \(files(in: directory)) over what \(kept.id.short) had "
            + "committed — as rebase --onto MERGE_HEAD does where this branch merged the deployed one; were \(kept.id.short)'s side the "
            + "deployed branch, an applied migration was replaced (verify --git on that branch reports it)"
    }
}

extension GitRepository {
    /// Whether HEAD's branch is the line deployments run: the default branch of its upstream's
    /// remote (or of `origin`) as the clone recorded it (`origin/HEAD`), or — where no remote
    /// records one — a branch named `main` or `master`.
    var isOnMainLine: Bool {
        guard let branch = headBranch else { return false }
        if let remote = upstreamRemote(ofBranch: branch) ?? (remoteNames.contains("origin") ? "origin" : nil),
           let target = defaultBranch(ofRemote: remote) {
            return target == "\(remote)/\(branch)"
        }
        return ["main", "master"].contains(branch)
    }
}
