import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// A migration file that a commit recorded with git's conflict markers — a merge committed
/// before its conflicts in the migration directory were resolved. (Markers in `migrations.sum`
/// alone leave the migrations readable to Selinon's workers, which ignore the sum.)
///
/// No git operation is under way to say which branches met there, so the fix the hints give
/// for two branches that added the same number names the sides of that commit: `rebase --onto`
/// the side whose migrations may be deployed keeps them and migrates the other's change after
/// them. Nothing after the commit can have been deployed from the directory (it holds no valid
/// migration history), so `rebase` may replace what followed.
struct CommittedConflict {
    /// The file with the markers, as shown (under the directory).
    let file: String
    /// The commit that recorded them: the oldest of the first-parent commits back from HEAD that
    /// hold the file with markers.
    let commit: GitCommit
    /// Its parents (for a merge, this side's first, then the merged one's).
    let parents: [GitCommit]

    /// The first migration file in `directory` (in order) whose working copy has
    /// conflict markers that HEAD holds as they are; nil when there is none, when a git
    /// operation under way explains them (merge, squash, rebase, revert, cherry-pick — its own
    /// hints apply), or when git cannot tell.
    static func find(in directory: String, repository: GitRepository) -> CommittedConflict? {
        guard !repository.isMerging, !repository.isSquashMerging, !repository.isReverting, repository.rebasedBranchHead == nil,
              repository.cherryPickedCommit == nil, let head = try? repository.commit("HEAD") else { return nil }
        let names = MigrationSum.migrationFileNames(in: directory).sorted {
            (MigrationDirectory.version(ofFileName: $0) ?? .max, $0) < (MigrationDirectory.version(ofFileName: $1) ?? .max, $1)
        }
        for name in names {
            let file = (directory as NSString).appendingPathComponent(name)
            guard let working = FileManager.default.contents(atPath: file).map({ [UInt8]($0) }), hasMarkers(working),
                  let path = try? repository.repositoryPath(of: file),
                  (try? repository.file(at: path, in: head.id)) == working else { continue }
            // Back along first parents while the parent holds the markers too.
            var commit = head
            for _ in 0..<10_000 {
                guard let parentID = commit.parents.first, let parent = try? repository.commit(id: parentID),
                      let bytes = try? repository.file(at: path, in: parentID), hasMarkers(bytes) else { break }
                commit = parent
            }
            let parents = commit.parents.compactMap { try? repository.commit(id: $0) }
            guard parents.count == commit.parents.count else { return nil }
            return CommittedConflict(file: file, commit: commit, parents: parents)
        }
        return nil
    }

    /// Whether `bytes` hold a line git starts a conflict with (as the directory's check reads them).
    private static func hasMarkers(_ bytes: [UInt8]) -> Bool {
        DirectoryIntegrity.conflictMarkerLine(in: String(decoding: bytes, as: UTF8.self)) != nil
    }

    /// What to run: for a merge, `rebase --onto` either side, whichever may be deployed; for
    /// another commit (a conflict of a rebase or cherry-pick, committed), `rebase --onto` its
    /// parent. `options` are the command's configuration options (` -n … -f … -m …`).
    func fix(options: String) -> String {
        let recorded = "\(file) was committed with git's conflict markers by \(commit.id.short) (\(commit.summary))"
        guard parents.count == 2 else {
            let parent = parents.first.map { "\($0.id.short) (\($0.summary))" } ?? "the commit before it"
            return "\(recorded): run selinon-migrate rebase --onto \(parents.first?.id.short ?? "\(commit.id.short)~1")\(options), which "
                + "keeps the migrations of \(parent) and migrates the change since after them; then commit the result"
        }
        let (ours, merged) = (parents[0], parents[1])
        return "\(recorded), a merge of \(merged.id.short) (\(merged.summary)) into \(ours.id.short) (\(ours.summary)): keep the "
            + "migrations of the side that may be deployed and migrate the other's change after them — selinon-migrate rebase --onto "
            + "\(ours.id.short)\(options) keeps \(ours.id.short)'s (the side merged into), selinon-migrate rebase --onto "
            + "\(merged.id.short)\(options) keeps \(merged.id.short)'s (the side merged); then commit the result"
    }
}
