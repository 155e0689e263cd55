import CLibGit2
import Foundation
import Synchronization

/// A git repository opened with libgit2: resolves revisions, reads files as they were at a
/// revision (or in the index), and walks history. No libgit2 type leaves this module: results
/// are Swift values, errors are ``GitError`` with libgit2's message.
///
/// Owner validation (git's `safe.directory`) stays on, as in git: a repository owned by another
/// user is refused with the command that trusts it, unless git's configuration trusts it (read
/// as git reads it: system and user files, `GIT_CONFIG_GLOBAL`, `GIT_CONFIG_COUNT`, `*`).
///
/// Safe to share between threads: every call takes `lock`, so calls run one at a time.
public final class GitRepository: @unchecked Sendable {
    // `@unchecked Sendable`: every access to `handle` happens under `lock`.
    let handle: OpaquePointer
    let lock = NSLock()
    /// The working tree's absolute path, without a trailing slash; `nil` for a bare repository.
    public let workingDirectory: String?
    /// The index file `GIT_INDEX_FILE` names, read instead of the repository's own.
    let indexFilePath: String?

    private static let initialization: Void = {
        git_libgit2_init()
        // A user configuration file this user may not look at (a service run with another user's
        // HOME) makes libgit2 refuse every repository; git warns and goes on without it: so do we.
        for (level, file) in userConfigurationFiles() {
            var status = stat()
            if stat(file, &status) != 0 && errno == EACCES && selinon_git_set_search_path(level, "") == 0 {
                skippedConfigurationFiles.withLock { $0.append(file) }
            }
        }
    }()

    /// The user's git configuration files (global, then XDG) as libgit2 looks for them.
    private static func userConfigurationFiles(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> [(git_config_level_t, String)] {
        guard let home = environment["HOME"].flatMap({ $0.isEmpty ? nil : $0 }) else { return [] }
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return [(GIT_CONFIG_LEVEL_GLOBAL, home + "/.gitconfig"), (GIT_CONFIG_LEVEL_XDG, xdg + "/git/config")]
    }

    private static let skippedConfigurationFiles = Mutex<[String]>([])

    /// The user's git configuration files that could not be looked at (permission denied) and
    /// are left out, as git leaves them out with a warning; known once a repository was opened.
    package static var unreadableConfigurationFiles: [String] { skippedConfigurationFiles.withLock { $0 } }

    /// Opens the repository containing `path` (a file or directory), searching upward as git does
    /// — from the nearest directory that exists, so a path missing from the working tree (a
    /// sparse checkout) is still found in its repository. Like git, `GIT_DIR`, `GIT_WORK_TREE`
    /// and `GIT_INDEX_FILE` in `environment` override the search, the working tree and the index
    /// (git's hooks export them): `GIT_DIR` without `GIT_WORK_TREE` or `core.worktree` makes the
    /// current directory the working tree, as in git (for a bare repository too, where git would
    /// have none).
    /// - Throws: ``GitError`` `notARepository` when no repository contains it.
    public init(containing path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(GitError) {
        _ = Self.initialization
        let current = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: current)).standardizedFileURL.path }
        var start = absolute(path)
        var isDirectory: ObjCBool = false
        while !(FileManager.default.fileExists(atPath: start, isDirectory: &isDirectory) && isDirectory.boolValue) {
            let parent = (start as NSString).deletingLastPathComponent
            if parent == start || parent.isEmpty { break }
            start = parent
        }
        let gitDirectory = environment["GIT_DIR"].flatMap { $0.isEmpty ? nil : absolute($0) }
        var repository: OpaquePointer?
        var status = Self.opening.withLock { _ in
            gitDirectory.map { git_repository_open_ext(&repository, $0, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil) }
                ?? git_repository_open_ext(&repository, start, 0, nil)
        }
        // libgit2 reads safe.directory from the user's files only, exactly (no '*'), and not from
        // GIT_CONFIG_GLOBAL or GIT_CONFIG_COUNT; git reads all of them: trusted as git trusts it.
        if status == GIT_EOWNER.rawValue || status == GIT_ENOTFOUND.rawValue, gitDirectory == nil,
           let root = Self.enclosingWorkingTree(of: start), Self.isOwnedByAnotherUser(root),
           Self.isTrustedAsGitTrusts(root, environment: environment) {
            status = Self.opening.withLock { _ in
                selinon_git_set_owner_validation(0)
                defer { selinon_git_set_owner_validation(1) }
                return git_repository_open_ext(&repository, start, 0, nil)
            }
        }
        guard status == 0, let repository else {
            if let gitDirectory {
                throw GitError(.notARepository, "GIT_DIR is set to \(gitDirectory), which is not a git repository: unset it or correct it")
            }
            // libgit2 skips a repository of another user while searching upward and reports none.
            if status == GIT_EOWNER.rawValue || status == GIT_ENOTFOUND.rawValue,
               let root = Self.enclosingWorkingTree(of: start), Self.isOwnedByAnotherUser(root) {
                // The trust may be in a file this user cannot read (sudo without -H keeps HOME).
                let unread = Self.unreadableConfigurationFiles
                throw GitError(.untrustedOwner, """
                    '\(path)' is in the git repository at \(root), which belongs to another user: like git, selinon-migrate \
                    does not read it until you trust it: git config --global --add safe.directory \(root)
                    """ + (unread.isEmpty ? "" : " (\(unread.joined(separator: " and ")) could not be read — permission denied — so "
                        + "a safe.directory entry there was not seen: is HOME another user's?)"))
            }
            if status == GIT_ENOTFOUND.rawValue {
                // git searches from where links lead: a directory linked out of a working tree
                // leaves the repository, which holds only the link.
                if let (link, root) = Self.linkOutOfWorkingTree(on: absolute(path)) {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) ?? "?"
                    throw GitError(.outsideRepository, "'\(path)' leads through \(link), a symbolic link to \(target), outside the "
                        + "repository at \(root): git holds the link, not the files it points to; move them into the repository")
                }
                throw GitError(.notARepository, "'\(path)' is not inside a git repository")
            }
            throw GitError.last(status, operation: "open the repository containing '\(path)'")
        }
        // As git: with GIT_DIR and neither GIT_WORK_TREE nor core.worktree, the current directory
        // is the top of the working tree (a `--separate-git-dir` repository's hooks run so), not
        // the directory above GIT_DIR that libgit2 would take.
        // A bare repository named by GIT_DIR (a server-side hook, a mirror) keeps no working tree,
        // as in git, and is refused where one is needed.
        let workTree = environment["GIT_WORK_TREE"].flatMap { $0.isEmpty ? nil : absolute($0) }
            ?? (gitDirectory != nil && !Self.configuresWorkTree(repository) && !Self.isConfiguredBare(repository) ? current : nil)
        if let workTree {
            let status = git_repository_set_workdir(repository, workTree, 0)
            guard status == 0 else {
                git_repository_free(repository)
                throw GitError.last(status, operation: "use \(workTree) as the working tree (GIT_WORK_TREE)")
            }
        }
        handle = repository
        indexFilePath = environment["GIT_INDEX_FILE"].flatMap { $0.isEmpty ? nil : absolute($0) }
        workingDirectory = git_repository_workdir(repository).map { String(cString: $0) }.map { path in
            path.hasSuffix("/") ? String(path.dropLast()) : path
        }
    }

    deinit {
        git_repository_free(handle)
    }

    /// Whether the repository's configuration sets `core.worktree` (libgit2 then uses it).
    private static func configuresWorkTree(_ repository: OpaquePointer) -> Bool {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, repository) == 0, let config else { return false }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        return git_config_get_string(&value, config, "core.worktree") == 0
    }

    /// The first symbolic link on the absolute path `path` whose own directory is in a working
    /// tree (found by its `.git`), with that working tree's root.
    private static func linkOutOfWorkingTree(on path: String) -> (link: String, root: String)? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var status = stat()
            guard lstat(prefix, &status) == 0 else { return nil }
            guard status.st_mode & S_IFMT == S_IFLNK else { continue }
            return enclosingWorkingTree(of: (prefix as NSString).deletingLastPathComponent).map { (prefix, $0) }
        }
        return nil
    }

    /// The first directory of the object store in the git directory `gitDirectory` (`objects/`
    /// or one of its fan-out directories) that this user cannot list or enter.
    static func unreadableObjectDirectory(in gitDirectory: String) -> String? {
        let objects = (gitDirectory as NSString).appendingPathComponent("objects")
        guard access(objects, R_OK | X_OK) == 0 else { return objects }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: objects)) ?? []
        return names.sorted().lazy.map { (objects as NSString).appendingPathComponent($0) }.first { access($0, R_OK | X_OK) != 0 }
    }

    /// Serialises opening repositories: owner validation is a process-wide libgit2 setting, and a
    /// repository trusted as git trusts it is opened with it off for that one call.
    private static let opening = Mutex(())

    /// Whether git's `safe.directory` trusts the working tree at `root`: the values in the
    /// system file (unless `GIT_CONFIG_NOSYSTEM`; `GIT_CONFIG_SYSTEM` names it), the user's files
    /// (`GIT_CONFIG_GLOBAL`, else XDG's then `~/.gitconfig`) and `GIT_CONFIG_COUNT`'s pairs, in
    /// that order; an empty value clears those before it, `*` trusts every repository, and a
    /// path (a leading `~/` is the home directory) must name `root` exactly.
    static func isTrustedAsGitTrusts(_ root: String, environment: [String: String]) -> Bool {
        var files: [String] = []
        if !isTrue(environment["GIT_CONFIG_NOSYSTEM"]) { files.append(environment["GIT_CONFIG_SYSTEM"] ?? "/etc/gitconfig") }
        if let global = environment["GIT_CONFIG_GLOBAL"] {
            files.append(global)
        } else {
            files += userConfigurationFiles(environment: environment).reversed().map(\.1)
        }
        var values = files.flatMap(safeDirectories(in:))
        if let count = environment["GIT_CONFIG_COUNT"].flatMap(Int.init), count > 0 {
            for index in 0..<count where environment["GIT_CONFIG_KEY_\(index)"]?.lowercased() == "safe.directory" {
                values.append(environment["GIT_CONFIG_VALUE_\(index)"] ?? "")
            }
        }
        let home = environment["HOME"] ?? ""
        let real = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        var trusted = false
        for value in values {
            let path = value.hasPrefix("~/") && !home.isEmpty ? home + value.dropFirst(1) : value
            if value.isEmpty { trusted = false } else if value == "*" || path == root || path == real { trusted = true }
        }
        return trusted
    }

    /// git's reading of a boolean environment variable: unset, empty, `0`, `false`, `no` and `off` are false.
    private static func isTrue(_ value: String?) -> Bool {
        guard let value = value?.lowercased(), !value.isEmpty else { return false }
        return !["0", "false", "no", "off"].contains(value)
    }

    /// The `safe.directory` values of one configuration file, in order (none when it is missing).
    private static func safeDirectories(in file: String) -> [String] {
        guard FileManager.default.isReadableFile(atPath: file) else { return [] }
        var config: OpaquePointer?
        guard git_config_open_ondisk(&config, file) == 0, let config else { return [] }
        defer { git_config_free(config) }
        var iterator: OpaquePointer?
        guard git_config_multivar_iterator_new(&iterator, config, "safe.directory", nil) == 0, let iterator else { return [] }
        defer { git_config_iterator_free(iterator) }
        var values: [String] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let entry {
            values.append(entry.pointee.value.map { String(cString: $0) } ?? "")
        }
        return values
    }

    /// Whether the repository's configuration says it is bare (`core.bare`).
    private static func isConfiguredBare(_ repository: OpaquePointer) -> Bool {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, repository) == 0, let config else { return false }
        defer { git_config_free(config) }
        var bare: Int32 = 0
        return git_config_get_bool(&bare, config, "core.bare") == 0 && bare != 0
    }

    /// The top of the working tree `directory` is in: the nearest directory at or above it with a
    /// `.git` entry (a directory, or the file of a submodule or a linked worktree); nil outside one.
    public static func workingTreeRoot(enclosing directory: String) -> String? {
        enclosingWorkingTree(of: directory)
    }

    /// The nearest directory at or above `directory` that has a `.git` entry.
    private static func enclosingWorkingTree(of directory: String) -> String? {
        var current = directory
        while true {
            if FileManager.default.fileExists(atPath: (current as NSString).appendingPathComponent(".git")) { return current }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return nil }
            current = parent
        }
    }

    /// Whether the working tree `directory`, or its `.git`, belongs to another user than the one
    /// running (git and libgit2 check both).
    private static func isOwnedByAnotherUser(_ directory: String) -> Bool {
        [directory, (directory as NSString).appendingPathComponent(".git")].contains { path in
            var status = stat()
            return stat(path, &status) == 0 && status.st_uid != geteuid()
        }
    }

    func locked<T>(_ body: () throws(GitError) -> T) throws(GitError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The path of `path` (relative to the current directory, or absolute) inside the working
    /// tree, with `/` separators. Symbolic links inside the working tree that git tracks (in the
    /// index) are kept as written — they are part of what git records, and a revision is read
    /// through its own links — while links on the way to the working tree and links git does not
    /// track (a local convenience link has no history: read as written, everything behind it
    /// would look new at every revision) are resolved.
    /// - Throws: ``GitError`` `outsideRepository` when it is not inside the working tree.
    public func repositoryPath(of path: String) throws(GitError) -> String {
        let relative = try resolvedRepositoryPath(of: path)
        try refuseNestedRepository(on: relative, path: path)
        return relative
    }

    /// A directory on `relative` below the working tree's root with its own `.git` (a submodule,
    /// a nested clone) holds its files in that repository: this one records at most a commit id
    /// there, so its history of them would be empty. Reached when GIT_DIR (a superproject's
    /// hook) or GIT_WORK_TREE names the outer repository; git refuses such paths too.
    private func refuseNestedRepository(on relative: String, path: String) throws(GitError) {
        guard let root = workingDirectory, !relative.isEmpty else { return }
        var prefix = ""
        // The path itself may be a submodule's root: reading a revision names that (`submodule`).
        for component in relative.split(separator: "/").dropLast() {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            guard FileManager.default.fileExists(atPath: root + "/" + prefix + "/.git") else { continue }
            throw GitError(.outsideRepository, "'\(path)' is inside \(prefix), a repository of its own (a submodule?), not in the "
                + "repository at \(root) that GIT_DIR or GIT_WORK_TREE names: run selinon-migrate inside \(prefix) "
                + "(in a hook: unset GIT_DIR and GIT_WORK_TREE, then cd \(prefix))")
        }
    }

    private func resolvedRepositoryPath(of path: String) throws(GitError) -> String {
        var written = try writtenRepositoryPath(of: path)
        guard let root = workingDirectory else { return written }
        // Each untracked link is replaced by where it leads, one at a time: tracked links before
        // or behind it stay as written.
        for _ in 0..<40 {
            guard let link = try untrackedLink(on: written, root: root) else { return written }
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + link) else { return written }
            let linkDirectory = (link as NSString).deletingLastPathComponent
            let base = target.hasPrefix("/") ? target : root + "/" + (linkDirectory.isEmpty ? "" : linkDirectory + "/") + target
            let next = URL(fileURLWithPath: base + written.dropFirst(link.count)).standardizedFileURL.path
            do {
                written = try writtenRepositoryPath(of: next)
            } catch {
                throw GitError(.outsideRepository, "'\(path)' leads through the link \(link), which git does not track, to \(next), "
                    + "outside the repository at \(root): give the path inside the repository")
            }
        }
        throw GitError(.outsideRepository, "'\(path)' passes through too many symbolic links")
    }

    /// The first symbolic link on `relative` (a path in the working tree at `root`) that the
    /// index does not hold as a link.
    private func untrackedLink(on relative: String, root: String) throws(GitError) -> String? {
        guard !relative.isEmpty else { return nil }
        var prefix = ""
        var links: [String] = []
        for component in relative.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            var status = stat()
            guard lstat(root + "/" + prefix, &status) == 0 else { break }
            if status.st_mode & S_IFMT == S_IFLNK { links.append(prefix) }
        }
        guard !links.isEmpty else { return nil }
        return try locked { () throws(GitError) -> String? in
            try withIndex { index in links.first { indexEntry(at: $0, in: index)?.kind != .symbolicLink } }
        }
    }

    private func writtenRepositoryPath(of path: String) throws(GitError) -> String {
        guard let root = workingDirectory else {
            throw GitError(.outsideRepository, "the repository at \(repositoryDirectory) is bare (it has no working tree): "
                + "read revisions from a clone with a working tree")
        }
        let resolvedRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        // The nearest ancestor that is the working tree's root (through links outside it).
        var components: [String] = []
        var ancestor = absolute
        while true {
            if URL(fileURLWithPath: ancestor).resolvingSymlinksInPath().path == resolvedRoot {
                return components.reversed().joined(separator: "/")
            }
            let parent = (ancestor as NSString).deletingLastPathComponent
            if parent == ancestor || parent.isEmpty { break }
            components.append((ancestor as NSString).lastPathComponent)
            ancestor = parent
        }
        // Reached through a link from outside: where it leads.
        let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
        if resolved == resolvedRoot { return "" }
        guard resolved.hasPrefix(resolvedRoot + "/") else {
            throw GitError(.outsideRepository, "'\(path)' is outside the repository at \(root), so git holds no history of it: "
                + "move it into the repository")
        }
        return String(resolved.dropFirst(resolvedRoot.count + 1))
    }

    /// Whether HEAD's branch has no commits yet (a new repository).
    public var isHeadUnborn: Bool {
        lock.lock()
        defer { lock.unlock() }
        return git_repository_head_unborn(handle) == 1
    }

    /// Whether a merge is in progress (stopped at conflicts, or not committed yet).
    public var isMerging: Bool {
        lock.lock()
        defer { lock.unlock() }
        return git_repository_state(handle) == Int32(GIT_REPOSITORY_STATE_MERGE.rawValue)
    }

    /// Whether a `git merge --squash` is under way (stopped at conflicts, or not committed yet):
    /// git records no MERGE_HEAD for it, only the message it keeps in SQUASH_MSG until the commit
    /// (or a `git reset`).
    public var isSquashMerging: Bool {
        !isMerging && FileManager.default.fileExists(atPath: (repositoryDirectory as NSString).appendingPathComponent("SQUASH_MSG"))
    }

    /// Whether a `git revert` is under way (stopped at conflicts, or not committed yet).
    public var isReverting: Bool {
        lock.lock()
        defer { lock.unlock() }
        let state = git_repository_state(handle)
        return state == Int32(GIT_REPOSITORY_STATE_REVERT.rawValue) || state == Int32(GIT_REPOSITORY_STATE_REVERT_SEQUENCE.rawValue)
    }

    /// The commit a `git cherry-pick` under way (stopped at conflicts) copies: `CHERRY_PICK_HEAD`.
    /// Nil when no cherry-pick is under way.
    public var cherryPickedCommit: GitCommit? {
        lock.lock()
        let state = git_repository_state(handle)
        lock.unlock()
        guard state == Int32(GIT_REPOSITORY_STATE_CHERRYPICK.rawValue)
            || state == Int32(GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE.rawValue) else { return nil }
        return try? commit("CHERRY_PICK_HEAD")
    }

    /// The branch a `git rebase` stopped in the middle of (at conflicts, or to edit) is
    /// replaying: the commit it started from, which `git rebase` keeps in its state directory.
    /// Nil when no rebase is under way.
    public var rebasedBranchHead: GitCommit? {
        for state in ["rebase-merge", "rebase-apply"] {
            let path = (repositoryDirectory as NSString).appendingPathComponent(state + "/orig-head")
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !id.isEmpty, let commit = try? commit(id) else { continue }
            return commit
        }
        return nil
    }

    /// The repository's git directory (`.git`, or the repository itself when bare).
    public var repositoryDirectory: String {
        lock.lock()
        defer { lock.unlock() }
        let path = String(cString: git_repository_path(handle))
        return path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
