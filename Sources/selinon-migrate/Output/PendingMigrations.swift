import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// What a branch did to the migration directory since its base revision (`--pending`).
struct PendingMigrations {
    /// Versions the base does not have: the migrations the branch adds.
    var added: [Int]
    /// Versions the base has with other bytes: migrations edited on the branch, which
    /// deployments may already have applied (`check` fails on them).
    var edited: [Int]
    /// Versions the base has and the directory no longer does.
    var removed: [Int]
    /// Why the base is HEAD (no upstream branch, a detached HEAD), when it fell back to it: then
    /// only uncommitted migrations count, which the reader of the output must be told.
    var headFallback: String?

    /// A warning for a pull request's reader when the base fell back to HEAD, or the branch
    /// edited or removed migrations.
    var warning: String? {
        let fallback = headFallback.map { "The base is HEAD — \($0) — so only migrations not committed yet count: pass --base "
            + "to name the branch this one will be merged into." }
        guard let edits = editWarning else { return fallback }
        return (fallback.map { $0 + " " } ?? "") + edits
    }

    /// The part of ``warning`` about migrations the branch edited or removed (standard error
    /// has the rest already, as the base's note).
    var editWarning: String? {
        guard !edited.isEmpty || !removed.isEmpty else { return nil }
        func files(_ versions: [Int]) -> String { versions.map { "\($0).json" }.joined(separator: ", ") }
        var parts: [String] = []
        if !edited.isEmpty { parts.append("edits \(files(edited))") }
        if !removed.isEmpty { parts.append("removes \(files(removed))") }
        let it = edited.count + removed.count == 1 ? "it" : "them"
        return "This branch also \(parts.joined(separator: " and ")), which the base already has: deployments may have applied "
            + "\(it), and `selinon-migrate check` fails on \(it)."
    }

    /// The base's migrations in another directory, when the directory was moved since: a
    /// directory of `commit` with a sum whose migration files are all in `now`, byte for byte (a
    /// move, not another deployment's directory); with that directory, relative to the repository.
    static func movedMigrations(matching now: [Int: [UInt8]], at commit: GitCommit,
                                in repository: GitRepository) -> (files: [Int: [UInt8]], directory: String)? {
        guard let root = repository.workingDirectory,
              let sums = try? repository.fileIDs(under: "", in: commit.id, include: { $0 == MigrationSum.fileName }) else { return nil }
        for sum in sums {
            let directory = parentDirectory(of: sum.path)
            let path = directory.isEmpty ? root : (root as NSString).appendingPathComponent(directory)
            guard let files = try? repository.migrationFiles(in: path, at: commit), !files.isEmpty,
                  files.allSatisfy({ version, bytes in now[version] == bytes }) else { continue }
            return (files, directory.isEmpty ? "." : directory)
        }
        return nil
    }
}

extension Terminal {
    /// What a branch did to `directory` (read from `path`) since the base revision: the
    /// migrations it adds, edits and removes. The base is `base`, else the merge base with the
    /// upstream branch, else `HEAD` (noted on standard error).
    func migrationsSinceBase(_ directory: MigrationDirectory, at path: String, base: String?) throws -> PendingMigrations {
        do throws(GitError) {
            let repository = try GitRepository(containing: path)
            if let error = GitContext.nestedRepositoryError(repository, path: path) { throw error }
            // The first commit: no base, so every migration here is the branch's own (as check lets it through).
            if (base == nil || base == "HEAD" || base == "@") && repository.isHeadUnborn {
                message("note: HEAD's branch has no commits yet, so every migration here is added")
                return PendingMigrations(added: directory.files.map(\.version), edited: [], removed: [])
            }
            let branchBase = try repository.branchBase(base)
            if let note = branchBase.note { message(note) }
            var atBase = try repository.migrationFiles(in: path, at: branchBase.commit)
            let now = Dictionary(uniqueKeysWithValues: directory.files.map { ($0.version, $0.bytes) })
            if atBase.isEmpty, let (moved, from) = PendingMigrations.movedMigrations(matching: now, at: branchBase.commit, in: repository) {
                message("note: the migration directory moved from \(from) (in \(branchBase.commit.id.short)) to \(path)")
                atBase = moved
            }
            return PendingMigrations(added: now.keys.filter { atBase[$0] == nil }.sorted(),
                                     // Line endings do not count, as in the sum (a CRLF checkout edits nothing).
                                     edited: now.filter { version, bytes in
                                         atBase[version].map { $0 != bytes && MigrationSum.hash($0) != MigrationSum.hash(bytes) } ?? false
                                     }.keys.sorted(),
                                     removed: atBase.keys.filter { now[$0] == nil }.sorted(), headFallback: branchBase.fallback)
        } catch where error.kind == .notARepository || error.kind == .outsideRepository {
            let real = resolvedPath(path)
            // A directory linked out of a working tree: the error names the link.
            let problem = error.kind == .outsideRepository ? "the migration directory \(path) is outside the git repository: \(error.message)"
                : "the migration directory \(path)\(real.flatMap { $0 == path ? nil : " (\($0))" } ?? "") is not in a git repository"
            message("error: \(problem); so no base revision tells which migrations were added\n  hint: keep the migrations in the "
                + "repository of the configuration, or name the migration versions instead of --pending")
            throw ExitStatus.inputFailed
        } catch {
            throw fail(error)
        }
    }

}
