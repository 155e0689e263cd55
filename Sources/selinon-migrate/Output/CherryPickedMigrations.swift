import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// Migrations that a `git cherry-pick` under way copies from another branch, where they follow
/// migrations this branch does not have.
///
/// A migration maps the edge indices of the configuration it was generated from; copied to a
/// branch whose migrations end elsewhere, it leaves a gap in the numbering (`2.json missing
/// before 3.json`) and a conflict in `migrations.sum` — and even renumbered it would translate
/// edges this branch's in-flight flows never had. The fix is to take the configuration change
/// alone and generate this branch's own migration for it.
struct CherryPickedMigrations {
    /// The commit being cherry-picked (`CHERRY_PICK_HEAD`).
    let picked: GitCommit
    /// Versions the picked commit adds or changes, relative to its first parent, that HEAD does
    /// not hold as the picked commit has them.
    let versions: [Int]
    /// Paths (as shown, under the directory) of those files that HEAD does not have.
    let addedPaths: [String]
    /// Paths HEAD has among the picked files, and the sum: restored from HEAD.
    let restoredPaths: [String]
    /// The latest migration of HEAD, 0 when it has none.
    let headLatest: Int

    /// The cherry-pick under way in `repository`, when the commit it copies brings
    /// migration files in `directory` that are still in the working tree (or left the sum in
    /// conflict) and HEAD's migrations are not the ones they were generated after (the picked
    /// commit's parent's). Nil otherwise — also once the copies are gone, so that the generate
    /// the hint gives is not refused — and when git cannot tell.
    static func find(in directory: String, repository: GitRepository) -> CherryPickedMigrations? {
        guard let picked = repository.cherryPickedCommit, let parentID = picked.parents.first,
              let parent = try? repository.commit(id: parentID), let head = try? repository.commit("HEAD"),
              let pickedFiles = try? repository.migrationFiles(in: directory, at: picked),
              let parentFiles = try? repository.migrationFiles(in: directory, at: parent),
              let headFiles = try? repository.migrationFiles(in: directory, at: head) else { return nil }
        // The files it changes that HEAD does not already hold as they are (a commit picked twice
        // copies nothing: git stops with nothing to commit).
        let versions = pickedFiles.filter { version, bytes in
            let hash = MigrationSum.hash(bytes)
            return parentFiles[version].map(MigrationSum.hash) != hash && headFiles[version].map(MigrationSum.hash) != hash
        }.keys.sorted()
        func hashes(_ files: [Int: [UInt8]]) -> [Int: String] { files.mapValues(MigrationSum.hash) }
        guard !versions.isEmpty, hashes(headFiles) != hashes(parentFiles) else { return nil }
        let paths = versions.map { MigrationDirectory.filePath(version: $0, in: directory) }
        let sumPath = (directory as NSString).appendingPathComponent(MigrationSum.fileName)
        func workingBytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }
        let copiesLeft = zip(versions, paths).contains { version, path in
            workingBytes(path).map(MigrationSum.hash) == pickedFiles[version].map(MigrationSum.hash)
        }
        let sumInConflict = workingBytes(sumPath).map { String(decoding: $0, as: UTF8.self).contains("\n<<<<<<<")
            || String(decoding: $0, as: UTF8.self).hasPrefix("<<<<<<<") } ?? false
        guard copiesLeft || sumInConflict else { return nil }
        let headHasSum = (try? repository.repositoryPath(of: sumPath)).flatMap { try? repository.file(at: $0, in: head.id) } != nil
        let kept = versions.filter { headFiles[$0] != nil }.map { MigrationDirectory.filePath(version: $0, in: directory) }
        return CherryPickedMigrations(
            picked: picked, versions: versions,
            addedPaths: paths.filter { !kept.contains($0) } + (headHasSum ? [] : [sumPath]),
            restoredPaths: kept + (headHasSum ? [sumPath] : []),
            headLatest: headFiles.keys.max() ?? 0)
    }

    /// What is wrong, in one sentence.
    var message: String {
        let names = versions.map { "\($0).json" }.joined(separator: ", ")
        let after = picked.parents.isEmpty ? "" : " after migrations this branch does not have"
        return "the cherry-pick under way copies \(names) from \(picked.id.short) (\(picked.summary)), generated on its branch\(after) "
            + "(this branch's migrations \(headLatest == 0 ? "have not started" : "end at \(headLatest).json")): "
            + "a migration fits only the history it was generated in"
    }

    /// The commands that take the configuration change without the copied migrations and
    /// generate this branch's own; `generate` is the generate command with this run's options.
    /// Where the picked commit changes no configuration at `paths` (a migration committed apart
    /// from its change, which an earlier pick brought), the generate migrates HEAD's newest
    /// change instead (`--to HEAD`).
    func hint(generate: String, paths: ConfigurationPaths?, repository: GitRepository) -> String {
        let remove = addedPaths.isEmpty ? [] : ["git rm -q -f " + addedPaths.map(gitPathWord).joined(separator: " ")]
        let restore = restoredPaths.isEmpty ? [] : ["git checkout HEAD -- " + restoredPaths.map(gitPathWord).joined(separator: " ")]
        let changesNothing = paths.flatMap { paths in picked.parents.first.map { parent in
            (try? repository.snapshot(of: paths, at: picked.id)) == (try? repository.snapshot(of: paths, at: parent))
        } } ?? false
        let run = changesNothing
            ? "\(generate) --to HEAD (the picked commit changes no configuration: its migration was for a change an earlier pick "
                + "brought, HEAD's newest, which this migrates)"
            : "\(generate) (it migrates from HEAD's configuration)"
        return "keep the configuration change and drop the copied migrations: " + (remove + restore).joined(separator: "; ")
            + "; resolve the configuration's conflicts, if any; then run \(run), git add the new migration and git cherry-pick --continue"
    }
}
