import Foundation
import GitHistory
import MigrationGenerator

extension Terminal {
    /// Refuses a relative migration directory that does not exist from the current directory
    /// but does from the root of the git working tree holding the configuration — the command
    /// was run from a subdirectory, and would start a second migration history (or find no
    /// migrations) instead of using the real one. Paths in the nodes file are relative to the
    /// directory workers start in, so the tool does not guess: it names both places. Without a
    /// configuration, the repository is the one holding the current directory. A directory here
    /// that holds no migration while the root's does counts as missing (an empty `migrations/`
    /// made by hand would otherwise start the second history).
    ///
    /// Likewise from the other side: run from the root while the configuration (and its
    /// migrations) live in a subdirectory, the directory next to the nodes file, or in one of the
    /// directories between it and the root, is named. A directory a sparse checkout leaves out
    /// is refused with the `git sparse-checkout add` that brings it in, and one that a `rebase`
    /// killed while it swapped the directory left moved aside with how to put it back.
    func refuseMisplacedMigrationDirectory(_ path: String, configuration: String?) throws {
        let existsHere = FileManager.default.fileExists(atPath: path)
        try refuseMigrationDirectorySetAside(path)
        // A sparse checkout that leaves the directory out: git has the migrations, the working
        // tree does not, and every command would take them for removed (or start a new history).
        if !existsHere, let repository = try? GitRepository(containing: configuration ?? FileManager.default.currentDirectoryPath),
           let inRepository = try? repository.repositoryPath(of: path), repository.isOutsideSparseCheckout(inRepository) {
            message("""
                error: the migration directory \(path) is outside this sparse checkout: git has its migrations, the working tree \
                does not, so they would read as removed
                  hint: include it (git sparse-checkout add \(shellWord(inRepository))) and run again
                """)
            throw ExitStatus.inputFailed
        }
        guard !path.hasPrefix("/"), !existsHere || MigrationSum.migrationFileNames(in: path).isEmpty,
              let root = (try? GitRepository(containing: configuration ?? FileManager.default.currentDirectoryPath))?.workingDirectory
        else { return }
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        // Where the workers may start instead: the root, and the directories from the nodes file's up to it.
        var places = [URL(fileURLWithPath: root).standardizedFileURL.path]
        if let configuration {
            var directory = URL(fileURLWithPath: configuration).standardizedFileURL.deletingLastPathComponent()
            while directory.path.hasPrefix(places[0] + "/") {
                places.append(directory.path)
                directory.deleteLastPathComponent()
            }
        }
        guard let place = places.first(where: { place in
            let there = (place as NSString).appendingPathComponent(path)
            return place != current && FileManager.default.fileExists(atPath: there)
                && (!existsHere || !MigrationSum.migrationFileNames(in: there).isEmpty)
                && (place == places[0] || !MigrationSum.migrationFileNames(in: there).isEmpty)
        }) else { return }
        let there = (place as NSString).appendingPathComponent(path)
        message("""
            error: the migration directory \(path) \(existsHere ? "holds no migrations" : "does not exist") here (\(current)), but \
            \(there) does; migration directories are relative to the directory the command (and the workers) start in
              hint: run from \(shellWord(place)), or pass -m \(shellWord(there)) (to keep a history of its own here: \
            -m \(shellWord((current as NSString).appendingPathComponent(path))))
            """)
        throw ExitStatus.inputFailed
    }
}

extension Terminal {
    /// Warns when the migration directory lies outside the git repository holding the
    /// configuration (a symbolic link to elsewhere, or an absolute path): the files are written,
    /// but git records at most the link, so `check`, `review --pending` and `history` cannot see
    /// the migrations a commit adds.
    func warnIfMigrationDirectoryLeavesRepository(_ path: String, configuration: String?) {
        guard let configuration, let root = (try? GitRepository(containing: configuration))?.workingDirectory,
              let realRoot = resolvedPath(root) else { return }
        // The nearest part that exists resolved, and the rest (not created yet) as written.
        var probe = URL(fileURLWithPath: path).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: probe.path), probe.path != "/" {
            missing.insert(probe.lastPathComponent, at: 0)
            probe.deleteLastPathComponent()
        }
        guard let existing = resolvedPath(probe.path) else { return }
        let real = existing == "/" ? "/" + missing.joined(separator: "/") : ([existing] + missing).joined(separator: "/")
        guard real != realRoot, !real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else { return }
        message("warning: the migration directory \(path) is outside the git repository of the configuration (it resolves to \(real)): "
            + "git does not hold its files, so check, review --pending and history cannot see the migrations a commit adds; "
            + "move it into the repository")
    }

    /// Refuses a migration directory that is missing because a `rebase` killed while it swapped
    /// the directory left it moved aside: the migrations are next to it, not gone.
    func refuseMigrationDirectorySetAside(_ path: String) throws {
        guard let setAside = DirectoryReplacement.setAside(path) else { return }
        message("""
            error: the migration directory \(path) is missing: a rebase that was killed while it replaced it left it at \(setAside)
              hint: run selinon-migrate rehash -m \(shellWord(path)), which moves it back (or move it back yourself: mv \(shellWord(setAside)) \(shellWord(path))), then run this again
            """)
        throw ExitStatus.inputFailed
    }
}
