import FlowMigration
import Foundation
import GitHistory

extension Terminal {
    /// The versions of `directory` (read from `path`) that the base revision does not have: the
    /// migrations a branch adds (`--pending`). The base is `base`, else the merge base with the
    /// upstream branch, else `HEAD` (noted on standard error).
    func migrationsAddedSinceBase(_ directory: MigrationDirectory, at path: String, base: String?) throws -> [Int] {
        do throws(GitError) {
            let repository = try GitRepository(containing: path)
            let branchBase = try repository.branchBase(base)
            if let note = branchBase.note { message(note) }
            let atBase = try repository.migrationFiles(in: path, at: branchBase.commit)
            return directory.files.map(\.version).filter { atBase[$0] == nil }
        } catch where error.kind == .notARepository {
            let real = resolvedPath(path)
            message("error: the migration directory \(path)\(real.map { " (\($0))" } ?? "") is not in a git repository, so no base "
                + "revision tells which migrations were added\n  hint: keep the migrations in the repository of the configuration, "
                + "or name the versions to review instead of --pending")
            throw ExitStatus.inputFailed
        } catch {
            throw fail(error)
        }
    }
}
