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
    private let handle: OpaquePointer
    private let lock = NSLock()
    /// The working tree's absolute path, without a trailing slash; `nil` for a bare repository.
    public let workingDirectory: String?
    /// The index file `GIT_INDEX_FILE` names, read instead of the repository's own.
    private let indexFile: String?

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
        indexFile = environment["GIT_INDEX_FILE"].flatMap { $0.isEmpty ? nil : absolute($0) }
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
    private static func unreadableObjectDirectory(in gitDirectory: String) -> String? {
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

    private func locked<T>(_ body: () throws(GitError) -> T) throws(GitError) -> T {
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

    // MARK: - Revisions

    /// Resolves any revision git understands (`HEAD~2`, a tag, `origin/main`, an id) to a commit.
    public func commit(_ revision: String) throws(GitError) -> GitCommit {
        guard !revision.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw GitError(.unknownRevision, "an empty revision names no commit: give a branch, tag or commit id")
        }
        // A range is `A..B` or `^A`; the text of a message search (`:/text`, `REV^{/text}`) may hold dots.
        let beforeSearch = [":/", "^{/"].compactMap { revision.range(of: $0)?.lowerBound }.min().map { revision[..<$0] } ?? revision[...]
        if let dots = beforeSearch.range(of: "..."), !beforeSearch[dots.upperBound...].contains("..") {
            // `A...B` names their merge base, as `git checkout A...B` reads it (an empty side is HEAD).
            let left = String(beforeSearch[..<dots.lowerBound]), right = String(revision[dots.upperBound...])
            let first = try commit(left.isEmpty ? "HEAD" : left), second = try commit(right.isEmpty ? "HEAD" : right)
            guard let base = try mergeBase(first.id, second.id) else {
                throw GitError(.unknownRevision, "'\(revision)' names no commit: \(left.isEmpty ? "HEAD" : left) and "
                    + "\(right.isEmpty ? "HEAD" : right) share no history")
            }
            return try commit(id: base)
        }
        if beforeSearch.contains("..") || revision.hasPrefix("^") {
            throw GitError(.unknownRevision, "'\(revision)' is a range, not a single revision: give one branch, tag or commit id "
                + "(A...B names the merge base of A and B)")
        }
        return try locked { () throws(GitError) -> GitCommit in
            var object: OpaquePointer?
            let status = git_revparse_single(&object, handle, revision)
            guard status == 0, let object else {
                // `@{u}`, `@{upstream}`, `@{push}` of a branch without one, or of a detached HEAD:
                // libgit2 only says the revision is unknown or invalid.
                if let marker = revision.range(of: "@{"),
                   ["u}", "upstream}", "push}"].contains(revision[marker.upperBound...].lowercased()) {
                    let branch = revision[..<marker.lowerBound]
                    if (branch.isEmpty || branch == "HEAD") && git_repository_head_detached(handle) == 1 {
                        throw GitError(.unknownRevision, "'\(revision)' is the upstream of the current branch, but HEAD is detached "
                            + "(on no branch): name the branch to compare with, for example origin/main")
                    }
                    throw GitError(.unknownRevision, "'\(revision)': " + (branch.isEmpty || branch == "HEAD" ? "the current branch" : "branch '\(branch)'")
                        + " has no upstream branch (none configured, or not fetched): name the branch to compare with, for example "
                        + "origin/main, or set one (git branch --set-upstream-to origin/main)")
                }
                if status == GIT_ENOTFOUND.rawValue || status == GIT_EAMBIGUOUS.rawValue {
                    let empty = git_repository_head_unborn(handle) == 1
                    if empty {
                        throw GitError(.unknownRevision, "HEAD's branch has no commits yet (a new repository, or the branch was deleted): "
                            + "commit the configuration first, or name a revision that has it")
                    }
                    // Objects this user may not read look missing to libgit2 (a `sudo git commit` leaves
                    // root-owned object directories): a read failure, not a typo.
                    // (The git directory is read here, under the lock: `repositoryDirectory` takes it.)
                    let gitDirectory = String(cString: git_repository_path(handle))
                    if let unreadable = Self.unreadableObjectDirectory(in: gitDirectory) {
                        throw GitError(.libgit2, "cannot resolve '\(revision)': \(unreadable) cannot be read by this user, so the commits "
                            + "stored there look missing; give the objects back to the repository's owner (a sudo git command "
                            + "leaves them root's: sudo chown -R $(id -u):$(id -g) \(gitDirectory))")
                    }
                    if status == GIT_EAMBIGUOUS.rawValue {
                        // libgit2 takes no commit id shorter than 4 digits, and calls it ambiguous.
                        if revision.count < 4, revision.allSatisfy(\.isHexDigit) {
                            throw GitError(.unknownRevision, "unknown revision '\(revision)': no branch or tag has that name, and a "
                                + "commit id needs at least 4 digits")
                        }
                        throw GitError(.unknownRevision, "'\(revision)' is ambiguous: more than one object starts with it; give more digits")
                    }
                    // A CI checkout fetches the commit it builds and little else: a missing branch of a
                    // remote or a missing commit there is history not fetched — exit 2 for the caller,
                    // as a shallow history is, so a gate does not take it for a missing migration.
                    let shallow = git_repository_is_shallow(handle) == 1
                    if let (remote, branch) = Self.remoteBranch(named: revision, in: handle) {
                        throw GitError(shallow ? .shallowHistory : .unknownRevision, "unknown revision '\(revision)': branch \(branch) of the "
                            + "remote \(remote) has not been fetched into this clone: git fetch \(remote) \(branch)"
                            + (shallow ? " (this is a shallow clone: add --unshallow, or in CI check out the full history, for example "
                                + "fetch-depth: 0)" : ""))
                    }
                    throw GitError(shallow ? .shallowHistory : .unknownRevision, "unknown revision '\(revision)'" + (shallow
                        ? " (this is a shallow clone, so older commits and other branches may not have been fetched: run git fetch "
                            + "--unshallow, or fetch the branch; in CI, check out the full history, for example fetch-depth: 0)"
                        : ": no branch, tag or commit of this repository has that name (git branch -a and git tag list them; a "
                            + "branch of another clone needs a git fetch first)"))
                }
                if status == GIT_EINVALIDSPEC.rawValue || status == GIT_EBUFS.rawValue {
                    let detail = git_error_last().map { String(cString: $0.pointee.message) } ?? "not understood"
                    throw GitError(.unknownRevision, "'\(revision)' is not a revision selinon-migrate can read (\(detail)): "
                        + "give a branch, tag or commit id, optionally with ~N or ^N")
                }
                throw GitError.last(status, operation: "resolve '\(revision)'")
            }
            defer { git_object_free(object) }
            // A name two references share (a tag and a branch both called main): git picks one with a
            // warning that CI logs hide; a migration compared with the wrong one is silently wrong.
            let name = String(revision.prefix { !"~^@:".contains($0) })
            let sharing = Self.referenceNames(for: name).filter { candidate in
                var id = git_oid()
                return git_reference_name_to_id(&id, handle, candidate) == 0
            }
            if sharing.count > 1 {
                let rest = revision.dropFirst(name.count)
                throw GitError(.unknownRevision, "'\(name)' is ambiguous: it names \(sharing.joined(separator: " and ")); give the "
                    + "one meant in full (\(sharing.map { $0 + rest }.joined(separator: " or ")))")
            }
            var peeled: OpaquePointer?
            guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0, let peeled else {
                throw GitError(.unknownRevision, "'\(revision)' does not name a commit")
            }
            defer { git_object_free(peeled) }
            return makeCommit(peeled)
        }
    }

    /// The references a short name may mean, in the order git tries them (`git help revisions`).
    static func referenceNames(for name: String) -> [String] {
        guard !name.isEmpty, !name.hasPrefix("refs/") else { return [] }
        return ["refs/\(name)", "refs/tags/\(name)", "refs/heads/\(name)", "refs/remotes/\(name)", "refs/remotes/\(name)/HEAD"]
    }

    /// The commit with `id`.
    public func commit(id: GitObjectID) throws(GitError) -> GitCommit {
        try locked { () throws(GitError) -> GitCommit in
            try withCommit(id) { makeCommit($0) }
        }
    }

    /// The best common ancestor of two commits, if they have one.
    /// In a shallow clone, where libgit2's walk stops at the missing history, one commit that
    /// the other contains within the history fetched is still found (a pull request's merge
    /// checkout: the base branch is HEAD's parent).
    public func mergeBase(_ first: GitObjectID, _ second: GitObjectID) throws(GitError) -> GitObjectID? {
        // (libgit2's error, read before anything else can replace it.)
        let (status, base, failure) = try locked { () -> (Int32, GitObjectID?, GitError) in
            var base = git_oid()
            var left = first.oid, right = second.oid
            let status = git_merge_base(&base, handle, &left, &right)
            return (status, status == 0 ? GitObjectID(base) : nil, GitError.last(status, operation: "find the merge base"))
        }
        if let base { return base }
        if isShallow {
            // (Outside the lock: the walk reads commits, which takes it.)
            if fetchedHistory(from: first, contains: second) { return second }
            if fetchedHistory(from: second, contains: first) { return first }
        }
        if status == GIT_ENOTFOUND.rawValue { return nil }
        // A shallow clone lacks the history the walk needs.
        if isShallow {
            throw GitError(.shallowHistory, "cannot find the merge base: the repository is a shallow clone and the history "
                + "back to it was not fetched (\(failure.message))")
        }
        throw failure
    }

    /// Whether HEAD names a commit directly rather than a branch.
    public var isHeadDetached: Bool {
        lock.lock()
        defer { lock.unlock() }
        return git_repository_head_detached(handle) == 1
    }

    /// Whether `ancestor` is `start` or one of the commits reachable from it through the history
    /// this clone holds (a shallow clone's missing parents end the walk there instead of failing
    /// it, as `git_merge_base` does). Walks at most `limit` commits.
    public func fetchedHistory(from start: GitObjectID, contains ancestor: GitObjectID, limit: Int = 10_000) -> Bool {
        var queue = [start], seen: Set<GitObjectID> = [start]
        while let next = queue.popLast(), seen.count <= limit {
            if next == ancestor { return true }
            guard let commit = try? commit(id: next) else { continue }
            for parent in commit.parents where seen.insert(parent).inserted { queue.append(parent) }
        }
        return false
    }

    /// Whether this is a shallow clone (history before its cut-off was not fetched).
    public var isShallow: Bool {
        lock.lock()
        defer { lock.unlock() }
        return git_repository_is_shallow(handle) == 1
    }

    /// The branch HEAD points at (`feature`, `release/1.x`); nil when HEAD is detached or its
    /// branch has no commit yet.
    public var headBranch: String? {
        lock.lock()
        defer { lock.unlock() }
        var head: OpaquePointer?
        guard git_repository_head(&head, handle) == 0, let head else { return nil }
        defer { git_reference_free(head) }
        return git_reference_is_branch(head) == 1 ? String(cString: git_reference_shorthand(head)) : nil
    }

    /// The branch HEAD points at, and its upstream (`origin/main`), when both exist.
    public func upstream() throws(GitError) -> (branch: String, upstream: String)? {
        try locked { () throws(GitError) -> (branch: String, upstream: String)? in
            var head: OpaquePointer?
            guard git_repository_head(&head, handle) == 0, let head else { return nil }
            defer { git_reference_free(head) }
            guard git_reference_is_branch(head) == 1 else { return nil }
            var upstream: OpaquePointer?
            guard git_branch_upstream(&upstream, head) == 0, let upstream else { return nil }
            defer { git_reference_free(upstream) }
            return (String(cString: git_reference_shorthand(head)), String(cString: git_reference_shorthand(upstream)))
        }
    }

    /// `REMOTE/BRANCH` (`origin/main`, `origin/release/1.x`) split where REMOTE is a configured
    /// remote; nil for any other revision.
    private static func remoteBranch(named revision: String, in handle: OpaquePointer) -> (remote: String, branch: String)? {
        let text = revision.hasPrefix("refs/remotes/") ? String(revision.dropFirst("refs/remotes/".count)) : revision
        var names = git_strarray()
        guard git_remote_list(&names, handle) == 0 else { return nil }
        defer { git_strarray_dispose(&names) }
        let remotes = (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }
        // The longest matching remote name first: `origin/x` and a remote named `origin/x` too.
        for remote in remotes.sorted(by: { $0.count > $1.count }) where text.hasPrefix(remote + "/") && text.count > remote.count + 1 {
            return (remote, String(text.dropFirst(remote.count + 1)))
        }
        return nil
    }

    /// The names of the configured remotes (`origin`), sorted.
    public var remoteNames: [String] {
        lock.lock()
        defer { lock.unlock() }
        var names = git_strarray()
        guard git_remote_list(&names, handle) == 0 else { return [] }
        defer { git_strarray_dispose(&names) }
        return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }.sorted()
    }

    /// The remote of `branch`'s upstream (`origin`), when it tracks a remote branch.
    public func upstreamRemote(ofBranch branch: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_branch_upstream_remote(&buffer, handle, "refs/heads/" + branch) == 0, let pointer = buffer.ptr else { return nil }
        return String(cString: pointer)
    }

    /// The default branch of `remote` as the clone recorded it (`refs/remotes/origin/HEAD`, set by
    /// `git clone` or `git remote set-head`), short (`origin/main`); nil when none is recorded.
    public func defaultBranch(ofRemote remote: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, "refs/remotes/\(remote)/HEAD") == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard let target = git_reference_symbolic_target(reference).map({ String(cString: $0) }),
              target.hasPrefix("refs/remotes/") else { return nil }
        return String(target.dropFirst("refs/remotes/".count))
    }

    private func withCommit<T>(_ id: GitObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var commit: OpaquePointer?
        var oid = id.oid
        let status = git_commit_lookup(&commit, handle, &oid)
        guard status == 0, let commit else { throw objectFailure(status, operation: "read commit \(id.short)") }
        defer { git_commit_free(commit) }
        return try body(commit)
    }

    /// The error for an object that cannot be read: in a shallow clone a missing object is
    /// history that was not fetched, and the message says how to fetch it.
    private func objectFailure(_ status: Int32, operation: String) -> GitError {
        let error = GitError.last(status, operation: operation)
        guard status == GIT_ENOTFOUND.rawValue, git_repository_is_shallow(handle) == 1 else { return error }
        return GitError(.shallowHistory, error.message + "; the repository is a shallow clone and this history was not fetched: "
            + "run git fetch --unshallow (in CI, check out the full history, for example fetch-depth: 0)")
    }

    private func makeCommit(_ commit: OpaquePointer) -> GitCommit {
        let parents = (0..<git_commit_parentcount(commit)).map { GitObjectID(git_commit_parent_id(commit, $0).pointee) }
        let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
        let date = Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit)))
        return GitCommit(id: GitObjectID(git_commit_id(commit).pointee), parents: parents, summary: summary, date: date,
                         dateOffsetSeconds: Int(git_commit_time_offset(commit)) * 60)
    }

    // MARK: - Renames

    /// The files `commit` renamed, as git's rename detection finds them between its first
    /// parent and itself (exact renames, and files at least half similar, as `git log --follow`
    /// and `git diff -M` find them): new path → old path. Empty for a root commit.
    public func renamedFiles(in commit: GitCommit) throws(GitError) -> [String: String] {
        guard let parentID = commit.parents.first else { return [:] }
        return try renamedFiles(from: parentID, to: commit.id)
    }

    /// The files renamed between two commits' trees, as `git diff -M OLD NEW` finds them: new
    /// path → old path.
    public func renamedFiles(from old: GitObjectID, to new: GitObjectID) throws(GitError) -> [String: String] {
        try locked { () throws(GitError) -> [String: String] in
            try withTree(old) { oldTree throws(GitError) -> [String: String] in
                try withTree(new) { newTree throws(GitError) -> [String: String] in
                    var diff: OpaquePointer?
                    var options = git_diff_options()
                    git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
                    var status = git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
                    guard status == 0, let diff else { throw GitError.last(status, operation: "compare \(new.short) with \(old.short)") }
                    defer { git_diff_free(diff) }
                    var find = git_diff_find_options()
                    git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
                    find.flags = GIT_DIFF_FIND_RENAMES.rawValue
                    status = git_diff_find_similar(diff, &find)
                    guard status == 0 else { throw GitError.last(status, operation: "find the files renamed since \(old.short)") }
                    return Self.renames(in: diff)
                }
            }
        }
    }

    /// The files renamed between HEAD and the working tree (staged or not; a file moved without
    /// `git mv`, not yet added, too), as `git status` finds renames: new path → old path. Empty
    /// while HEAD is unborn, and in a bare repository.
    public func renamedFilesSinceHead() throws(GitError) -> [String: String] {
        guard workingDirectory != nil, !isHeadUnborn else { return [:] }
        let head = try commit("HEAD")
        return try locked { () throws(GitError) -> [String: String] in
            try withTree(head.id) { tree throws(GitError) -> [String: String] in
                var diff: OpaquePointer?
                var options = git_diff_options()
                git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
                options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
                var status = git_diff_tree_to_workdir_with_index(&diff, handle, tree, &options)
                guard status == 0, let diff else { throw GitError.last(status, operation: "compare HEAD with the working tree") }
                defer { git_diff_free(diff) }
                var find = git_diff_find_options()
                git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
                find.flags = GIT_DIFF_FIND_RENAMES.rawValue | GIT_DIFF_FIND_FOR_UNTRACKED.rawValue
                status = git_diff_find_similar(diff, &find)
                guard status == 0 else { throw GitError.last(status, operation: "find the files renamed since HEAD") }
                return Self.renames(in: diff)
            }
        }
    }

    /// New path → old path of every renamed file of `diff` (rename detection already run).
    private static func renames(in diff: OpaquePointer) -> [String: String] {
        var renamed: [String: String] = [:]
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index), delta.pointee.status == GIT_DELTA_RENAMED,
                  let old = delta.pointee.old_file.path, let new = delta.pointee.new_file.path else { continue }
            renamed[String(cString: new)] = String(cString: old)
        }
        return renamed
    }

    // MARK: - Files at a revision

    /// The object (blob or tree) at `path` in `commit`'s tree, or `nil` when there is none.
    public func entry(at path: String, in commit: GitObjectID) throws(GitError) -> GitTreeEntry? {
        try locked { () throws(GitError) -> GitTreeEntry? in
            try withTree(commit) { tree throws(GitError) in try entry(at: path, in: tree) }
        }
    }

    /// The bytes of the file at `path` in `commit`, or `nil` when there is no such file.
    public func file(at path: String, in commit: GitObjectID) throws(GitError) -> [UInt8]? {
        try locked { () throws(GitError) -> [UInt8]? in
            try withTree(commit) { tree throws(GitError) -> [UInt8]? in
                guard let entry = try entry(at: path, in: tree), entry.kind == .file else { return nil }
                return try blob(entry.id)
            }
        }
    }

    /// Every file below `directory` in `commit` whose name passes `include`, as (path, bytes),
    /// sorted by path. Empty when the directory does not exist. `refusingDirectoriesReachedTwice`:
    /// a directory the walk reaches again through a link — holding files already read, or above
    /// the link — throws ``GitError/Kind-swift.enum/directoryReachedTwice`` rather than being
    /// skipped (`selinon-cli` reads flow files there twice, or walks the loop without end).
    public func files(under directory: String, in commit: GitObjectID, include: (String) -> Bool,
                      refusingDirectoriesReachedTwice: Bool = false) throws(GitError) -> [(path: String, bytes: [UInt8])] {
        try locked { () throws(GitError) -> [(path: String, bytes: [UInt8])] in
            try withTree(commit) { tree throws(GitError) -> [(path: String, bytes: [UInt8])] in
                guard let (entry, realPath) = try directoryEntry(at: directory, in: tree) else {
                    if try rawEntry(at: directory, in: tree)?.kind == .submodule {
                        throw GitError(.submodule, "'\(directory)' is a git submodule: its files are in another repository, whose "
                            + "history selinon-migrate does not read (keep the configuration in this repository, or give it with -N/-F and -n/-f)")
                    }
                    return []
                }
                var found: [(String, GitObjectID)] = []
                let repeats = try walk(tree: entry.id, prefix: directory, realPrefix: realPath, root: tree, include: include) {
                    found.append(($0, $1))
                }
                if refusingDirectoriesReachedTwice, let first = repeats.first {
                    throw GitError(.directoryReachedTwice, first.reason, path: first.path)
                }
                var result: [(path: String, bytes: [UInt8])] = []
                for (path, blobID) in found { result.append((path, try blob(blobID))) }
                return result.sorted { $0.path < $1.path }
            }
        }
    }

    /// The files below `directory` in `commit` whose names pass `include`, with their blob ids
    /// (cheap: no contents read), sorted by path.
    public func fileIDs(under directory: String, in commit: GitObjectID, include: (String) -> Bool) throws(GitError) -> [(path: String, id: GitObjectID)] {
        try locked { () throws(GitError) -> [(path: String, id: GitObjectID)] in
            try withTree(commit) { tree throws(GitError) -> [(path: String, id: GitObjectID)] in
                guard let (entry, realPath) = try directoryEntry(at: directory, in: tree) else { return [] }
                var result: [(path: String, id: GitObjectID)] = []
                _ = try walk(tree: entry.id, prefix: directory, realPrefix: realPath, root: tree, include: include) { result.append(($0, $1)) }
                return result.sorted { $0.path < $1.path }
            }
        }
    }

    /// The names of the files directly in `directory` (not below it; no links followed) in
    /// `commit` that pass `include`, sorted. Empty when the directory does not exist.
    public func fileNames(directlyIn directory: String, in commit: GitObjectID, include: (String) -> Bool) throws(GitError) -> [String] {
        try locked { () throws(GitError) -> [String] in
            try withTree(commit) { root throws(GitError) -> [String] in
                guard let directoryEntry = try rawEntry(at: directory, in: root), directoryEntry.kind == .directory else { return [] }
                var tree: OpaquePointer?
                var oid = directoryEntry.id.oid
                let status = git_tree_lookup(&tree, handle, &oid)
                guard status == 0, let tree else { throw objectFailure(status, operation: "read tree \(directory)") }
                defer { git_tree_free(tree) }
                var names: [String] = []
                for index in 0..<git_tree_entrycount(tree) {
                    guard let raw = git_tree_entry_byindex(tree, index), GitTreeEntry(raw)?.kind == .file else { continue }
                    let name = String(cString: git_tree_entry_name(raw))
                    if include(name) { names.append(name) }
                }
                return names.sorted()
            }
        }
    }

    private func withTree<T>(_ commit: GitObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        try withCommit(commit) { commitHandle throws(GitError) -> T in
            var tree: OpaquePointer?
            let status = git_commit_tree(&tree, commitHandle)
            guard status == 0, let tree else { throw objectFailure(status, operation: "read the tree of \(commit.short)") }
            defer { git_tree_free(tree) }
            return try body(tree)
        }
    }

    /// The entry at `path` in the commit tree `tree`, symbolic links followed as a checkout
    /// would follow them.
    private func entry(at path: String, in tree: OpaquePointer) throws(GitError) -> GitTreeEntry? {
        // Most paths hold no link: one lookup.
        if let direct = try rawEntry(at: path, in: tree), direct.kind != .symbolicLink { return direct }
        return try resolve(path) { candidate throws(GitError) in try rawEntry(at: candidate, in: tree) }?.entry
    }

    /// The entry at `path` itself, a link not followed.
    private func rawEntry(at path: String, in tree: OpaquePointer) throws(GitError) -> GitTreeEntry? {
        if path.isEmpty { return GitTreeEntry(id: GitObjectID(git_tree_id(tree).pointee), kind: .directory) }
        var entry: OpaquePointer?
        let status = git_tree_entry_bypath(&entry, tree, path)
        if status == GIT_ENOTFOUND.rawValue { return nil }
        guard status == 0, let entry else { throw GitError.last(status, operation: "look up '\(path)'") }
        defer { git_tree_entry_free(entry) }
        return GitTreeEntry(entry)
    }

    /// Resolves `path` one component at a time through `lookup` (which does not follow links),
    /// following symbolic links — relative ones, inside the repository — as the file system
    /// would, at most 40. Returns the entry and its path with no link in it; `nil` when the
    /// path does not exist. A link that leaves the repository (absolute, or above its root) is
    /// an `outsideRepository` error: git holds the link, not what it points to. `lookup` returning
    /// `nil` for a directory (the index has no directory entries) is taken as "maybe a
    /// directory" when `implicitDirectories`.
    private func resolve(_ path: String, implicitDirectories: Bool = false,
                         lookup: (String) throws(GitError) -> GitTreeEntry?) throws(GitError) -> (entry: GitTreeEntry?, path: String)? {
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)[...]
        var resolved: [String] = []
        var links = 0
        var last: GitTreeEntry?
        while let name = pending.popFirst() {
            if name == "." { continue }
            if name == ".." {
                guard !resolved.isEmpty else {
                    throw GitError(.outsideRepository, "'\(path)' leads outside the repository through a symbolic link: "
                        + "git holds the link, not the files it points to")
                }
                resolved.removeLast()
                last = nil
                continue
            }
            let candidate = (resolved + [name]).joined(separator: "/")
            guard let found = try lookup(candidate) else {
                guard implicitDirectories else { return nil }
                resolved.append(name)
                last = nil
                continue
            }
            if found.kind == .symbolicLink {
                links += 1
                let target = String(decoding: try blob(found.id), as: UTF8.self)
                guard !target.hasPrefix("/") else {
                    // An absolute link into this checkout resolves only here, not in another clone or in CI.
                    if let root = workingDirectory.map({ $0.hasSuffix("/") ? String($0.dropLast()) : $0 }),
                       target == root || target.hasPrefix(root + "/") {
                        throw GitError(.outsideRepository, "'\(candidate)' is a symbolic link to the absolute path \(target): it "
                            + "points into this checkout only, and every other clone (and CI) finds nothing there; make it relative "
                            + "(ln -sfn RELATIVE-TARGET \(candidate)) and commit it")
                    }
                    throw GitError(.outsideRepository, "'\(candidate)' is a symbolic link to \(target), outside the repository: "
                        + "git holds the link, not the files it points to; move them into the repository")
                }
                guard links <= 40 else { throw GitError(.linkLoop, "'\(path)': a loop of symbolic links (more than 40 levels)") }
                pending = (target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) + pending)[...]
                continue
            }
            guard pending.isEmpty || found.kind == .directory else { return nil }
            resolved.append(name)
            last = found
        }
        let final = resolved.joined(separator: "/")
        if let last { return (last, final) }
        return (try lookup(final), final)
    }

    private func blob(_ id: GitObjectID) throws(GitError) -> [UInt8] {
        var blob: OpaquePointer?
        var oid = id.oid
        let status = git_blob_lookup(&blob, handle, &oid)
        guard status == 0, let blob else { throw objectFailure(status, operation: "read blob \(id.short)") }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        // Copied before the blob is freed.
        return Array(UnsafeBufferPointer(start: content.assumingMemoryBound(to: UInt8.self), count: size))
    }

    /// The directory at `path` in the commit tree `root` (links followed) and its path without links.
    private func directoryEntry(at path: String, in root: OpaquePointer) throws(GitError) -> (GitTreeEntry, String)? {
        if let direct = try rawEntry(at: path, in: root), direct.kind != .symbolicLink {
            return direct.kind == .directory ? (direct, path) : nil
        }
        guard let (entry, realPath) = try resolve(path, lookup: { candidate throws(GitError) in try rawEntry(at: candidate, in: root) }),
              let entry, entry.kind == .directory
        else { return nil }
        return (entry, realPath)
    }

    /// Visits every file below the tree `id` whose name passes `include`, as a checkout lists
    /// it and `selinon-cli` walks it (`os.walk` with `followlinks=True`): a symbolic link to a
    /// file inside the repository is that file, and a link to a directory inside it is entered
    /// (each directory once, so a loop ends). `prefix` is the directory as the caller named it,
    /// `realPrefix` the same without links (where relative link targets start).
    /// - Returns: the directories reached a second time, with why that matters, as the file
    ///   system's walk of flow directories names them: a link back to a directory above it, and
    ///   a directory whose files were visited by another path (named at the link); sorted by path.
    private func walk(tree id: GitObjectID, prefix: String, realPrefix: String, root: OpaquePointer, include: (String) -> Bool,
                      _ visit: (String, GitObjectID) throws(GitError) -> Void) throws(GitError) -> [(path: String, reason: String)] {
        var state = TreeWalk(entered: [realPrefix: (prefix, false)], ancestors: [realPrefix])
        try walk(tree: id, prefix: prefix, realPrefix: realPrefix, root: root, include: include, state: &state, visit)
        return state.reachedTwice.sorted { $0.path < $1.path }
    }

    /// What a tree walk has seen: each directory entered (by its path without links) with the path
    /// it was first reached by and whether that was a link, the directories being walked, and the
    /// files visited.
    private struct TreeWalk {
        var entered: [String: (shown: String, viaLink: Bool)]
        var ancestors: Set<String>
        var visitedFiles: [String] = []
        var reachedTwice: [(path: String, reason: String)] = []

        /// Records the directory `realPath`, reached again by `shown`; whether it matters as
        /// ``ConfigurationFiles``' walk of the file system judges it.
        mutating func reachedAgain(_ realPath: String, as shown: String, viaLink: Bool) {
            guard let first = entered[realPath] else { return }
            if ancestors.contains(realPath) {
                reachedTwice.append((shown, "a link back to \(first.shown), which holds it: selinon-cli walks this loop again and again, "
                                     + "reading the flow files in it each time, so their flows are defined many times"))
            } else if visitedFiles.contains(where: { $0.hasPrefix(first.shown + "/") }) {
                let (link, other) = viaLink || !first.viaLink ? (shown, first.shown) : (first.shown, shown)
                reachedTwice.append((link, "the same directory as \(other): selinon-cli reads the flow files in it twice, "
                                     + "so their flows are defined twice"))
            }
        }
    }

    private func walk(tree id: GitObjectID, prefix: String, realPrefix: String, root: OpaquePointer, include: (String) -> Bool,
                      state: inout TreeWalk, _ visit: (String, GitObjectID) throws(GitError) -> Void) throws(GitError) {
        var tree: OpaquePointer?
        var oid = id.oid
        let status = git_tree_lookup(&tree, handle, &oid)
        guard status == 0, let tree else { throw objectFailure(status, operation: "read tree \(prefix)") }
        defer { git_tree_free(tree) }
        /// Walks the directory `realPath` (its tree `id`) as `shown`, unless it was entered already.
        func enter(_ id: GitObjectID, shown: String, realPath: String, viaLink: Bool, state: inout TreeWalk) throws(GitError) {
            guard state.entered[realPath] == nil else {
                state.reachedAgain(realPath, as: shown, viaLink: viaLink)
                return
            }
            state.entered[realPath] = (shown, viaLink)
            state.ancestors.insert(realPath)
            defer { state.ancestors.remove(realPath) }
            try walk(tree: id, prefix: shown, realPrefix: realPath, root: root, include: include, state: &state, visit)
        }
        for index in 0..<git_tree_entrycount(tree) {
            guard let raw = git_tree_entry_byindex(tree, index), let entry = GitTreeEntry(raw) else { continue }
            let name = String(cString: git_tree_entry_name(raw))
            let path = prefix.isEmpty ? name : prefix + "/" + name
            let realPath = realPrefix.isEmpty ? name : realPrefix + "/" + name
            switch entry.kind {
            case .directory:
                try enter(entry.id, shown: path, realPath: realPath, viaLink: false, state: &state)
            case .file where include(name):
                state.visitedFiles.append(path)
                try visit(path, entry.id)
            case .symbolicLink:
                let target: (entry: GitTreeEntry?, path: String)?
                do {
                    target = try resolve(realPath) { candidate throws(GitError) in try rawEntry(at: candidate, in: root) }
                } catch where error.kind == .linkLoop {
                    continue  // skipped, as a walk of the checkout skips it
                }
                guard let target, let found = target.entry else { continue }
                if found.kind == .directory {
                    try enter(found.id, shown: path, realPath: target.path, viaLink: true, state: &state)
                } else if found.kind == .file && include(name) {
                    state.visitedFiles.append(path)
                    try visit(path, found.id)
                }
            default: break
            }
        }
    }

    /// The `filter` attribute `.gitattributes` gives `path` (a clean/smudge driver such as
    /// `lfs`), or `nil` when none is set. Git stores such a file cleaned and checks it out
    /// smudged, so its blobs are not what a working tree holds.
    public func contentFilter(of path: String) throws(GitError) -> String? {
        try locked { () throws(GitError) -> String? in
            var value: UnsafePointer<CChar>?
            let status = git_attr_get(&value, handle, UInt32(GIT_ATTR_CHECK_FILE_THEN_INDEX), path, "filter")
            guard status == 0 else { throw GitError.last(status, operation: "read the attributes of '\(path)'") }
            guard let value, git_attr_value(value) == GIT_ATTR_VALUE_STRING else { return nil }
            return String(cString: value)
        }
    }

    // MARK: - The index

    /// The staged bytes of `path`, or `nil` when it is not in the index.
    public func indexFile(at path: String) throws(GitError) -> [UInt8]? {
        try locked { () throws(GitError) -> [UInt8]? in
            try withIndex { index throws(GitError) -> [UInt8]? in
                if let direct = indexEntry(at: path, in: index), direct.kind == .file { return try blob(direct.id) }
                try refuseConflict(at: path, in: index)
                let found = try resolve(path, implicitDirectories: true) { candidate in indexEntry(at: candidate, in: index) }
                guard let file = found?.entry, file.kind == .file else { return nil }
                return try blob(file.id)
            }
        }
    }

    /// Every staged file below `directory` whose name passes `include`, sorted by path; links
    /// are followed as ``walk`` follows them in a commit's tree.
    public func indexFiles(under directory: String, include: (String) -> Bool,
                           refusingDirectoriesReachedTwice: Bool = false) throws(GitError) -> [(path: String, bytes: [UInt8])] {
        try locked { () throws(GitError) -> [(path: String, bytes: [UInt8])] in
            try withIndex { index throws(GitError) -> [(path: String, bytes: [UInt8])] in
                // The directory without links in its path (the index lists only files and links).
                guard let (found, realDirectory) = try resolve(directory, implicitDirectories: true, lookup: { candidate in
                    indexEntry(at: candidate, in: index)
                }), found == nil else { return [] }
                var result: [(path: String, bytes: [UInt8])] = []
                var entered: [String: String] = [realDirectory: directory]
                var reachedTwice: [(path: String, reason: String)] = []
                try collectIndex(index, realDirectory: realDirectory, shownDirectory: directory, include: include,
                                 entered: &entered, reachedTwice: &reachedTwice, into: &result)
                if refusingDirectoriesReachedTwice, let first = reachedTwice.min(by: { $0.path < $1.path }) {
                    throw GitError(.directoryReachedTwice, first.reason, path: first.path)
                }
                return result.sorted { $0.path < $1.path }
            }
        }
    }

    /// The staged files below `realDirectory` (a path without links), named below `shownDirectory`.
    /// `entered`: the directories collected (paths without links), each with the path it is shown
    /// by; a link to one of them, or into one, is not followed again but added to `reachedTwice`
    /// when it matters (``files(under:in:include:refusingDirectoriesReachedTwice:)``).
    private func collectIndex(_ index: OpaquePointer, realDirectory: String, shownDirectory: String, include: (String) -> Bool,
                              entered: inout [String: String], reachedTwice: inout [(path: String, reason: String)],
                              into result: inout [(path: String, bytes: [UInt8])]) throws(GitError) {
        let prefix = realDirectory.isEmpty ? "" : realDirectory + "/"
        for position in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, position), !Self.isIntentToAdd(entry) else { continue }
            let path = String(cString: entry.pointee.path)
            guard path.hasPrefix(prefix) else { continue }
            let name = (path as NSString).lastPathComponent
            if git_index_entry_stage(entry) != 0 {
                if include(name) { try refuseConflict(at: path, in: index) }
                continue
            }
            let shown = shownDirectory.isEmpty ? String(path.dropFirst(prefix.count)) : shownDirectory + "/" + path.dropFirst(prefix.count)
            guard entry.pointee.mode == UInt32(GIT_FILEMODE_LINK.rawValue) else {
                if include(name) { result.append((shown, try blob(GitObjectID(entry.pointee.id)))) }
                continue
            }
            // A link to a file is that file, and a link to a directory is entered, as on disk.
            let target: (entry: GitTreeEntry?, path: String)?
            do {
                target = try resolve(path, implicitDirectories: true) { candidate in indexEntry(at: candidate, in: index) }
            } catch where error.kind == .linkLoop {
                continue  // skipped, as a walk of the checkout skips it
            }
            guard let target else { continue }
            if let file = target.entry {
                if file.kind == .file && include(name) { result.append((shown, try blob(file.id))) }
            } else if let (real, shownAs) = entered.first(where: { target.path == $0.key || target.path.hasPrefix($0.key.isEmpty ? "" : $0.key + "/") }) {
                // A directory inside one being collected is listed already (the index is flat): a
                // link back above itself is a loop; one to a directory with files, a second reading.
                let other = shownAs + target.path.dropFirst(real.count)
                if path.hasPrefix(target.path.isEmpty ? "" : target.path + "/") {
                    reachedTwice.append((shown, "a link back to \(other), which holds it: selinon-cli walks this loop again and again, "
                                         + "reading the flow files in it each time, so their flows are defined many times"))
                } else if result.contains(where: { $0.path.hasPrefix(other + "/") }) || holdsFiles(index, under: target.path, include: include) {
                    reachedTwice.append((shown, "the same directory as \(other): selinon-cli reads the flow files in it twice, "
                                         + "so their flows are defined twice"))
                }
            } else {
                entered[target.path] = shown
                try collectIndex(index, realDirectory: target.path, shownDirectory: shown, include: include, entered: &entered,
                                 reachedTwice: &reachedTwice, into: &result)
            }
        }
    }

    /// Whether the index holds a file below `directory` (a path without links) whose name passes `include`.
    private func holdsFiles(_ index: OpaquePointer, under directory: String, include: (String) -> Bool) -> Bool {
        let prefix = directory.isEmpty ? "" : directory + "/"
        return (0..<git_index_entrycount(index)).contains { position in
            guard let entry = git_index_get_byindex(index, position) else { return false }
            let path = String(cString: entry.pointee.path)
            return path.hasPrefix(prefix) && entry.pointee.mode != UInt32(GIT_FILEMODE_LINK.rawValue)
                && include((path as NSString).lastPathComponent)
        }
    }

    /// The files at or below `paths` (repository paths) whose working-tree content is not what
    /// the index holds — changed, deleted, of another kind, untracked (and not ignored), or in an
    /// unresolved conflict — sorted by path: what a commit made now would not contain as the
    /// working tree shows it. Line endings are compared as git compares them (its filters apply);
    /// `paths` are literal (a directory stands for everything below it); files a sparse checkout
    /// leaves out are not deletions.
    public func unstagedChanges(under paths: [String]) throws(GitError) -> [UnstagedChange] {
        guard !paths.isEmpty else { return [] }
        return try locked { () throws(GitError) -> [UnstagedChange] in
            try withIndex { index throws(GitError) -> [UnstagedChange] in
                var options = git_diff_options()
                git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
                // Paths literally (not as patterns), a file replaced by a link as one change, not two.
                options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
                    | GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue | GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
                let pathspec = paths.map { strdup($0) }
                defer { pathspec.forEach { free($0) } }
                var diff: OpaquePointer?
                let status = pathspec.withUnsafeBufferPointer { buffer in
                    options.pathspec = git_strarray(strings: UnsafeMutablePointer(mutating: buffer.baseAddress), count: buffer.count)
                    return git_diff_index_to_workdir(&diff, handle, index, &options)
                }
                guard status == 0, let diff else { throw GitError.last(status, operation: "compare the working tree with the index") }
                defer { git_diff_free(diff) }
                var changes: [UnstagedChange] = []
                for position in 0..<git_diff_num_deltas(diff) {
                    guard let delta = git_diff_get_delta(diff, position)?.pointee else { continue }
                    let kind: UnstagedChange.Kind
                    switch delta.status {
                    case GIT_DELTA_UNTRACKED: kind = .untracked
                    case GIT_DELTA_DELETED: kind = .deleted
                    case GIT_DELTA_CONFLICTED: kind = .conflicted
                    case GIT_DELTA_UNMODIFIED, GIT_DELTA_IGNORED, GIT_DELTA_UNREADABLE: continue
                    default: kind = .modified
                    }
                    let file = kind == .deleted ? delta.old_file : delta.new_file
                    let path = String(cString: file.path)
                    // A sparse checkout leaves skip-worktree files out of the working tree: not a deletion.
                    if kind == .deleted, let entry = git_index_get_bypath(index, path, 0),
                       entry.pointee.flags_extended & UInt16(GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue) != 0 { continue }
                    changes.append(UnstagedChange(path: path, kind: kind))
                }
                return changes.sorted { $0.path < $1.path }
            }
        }
    }

    /// Throws ``GitError/Kind/unresolvedConflict`` when `path` is staged in conflict stages.
    private func refuseConflict(at path: String, in index: OpaquePointer) throws(GitError) {
        guard (1...3).contains(where: { git_index_get_bypath(index, path, Int32($0)) != nil }) else { return }
        throw GitError(.unresolvedConflict, "'\(path)' has an unresolved merge conflict in the index: "
            + "resolve it and stage the result (git add \(path)), or compare the working tree instead of the index")
    }

    /// The staged file or link at exactly `path`.
    private func indexEntry(at path: String, in index: OpaquePointer) -> GitTreeEntry? {
        guard let entry = git_index_get_bypath(index, path, 0), !Self.isIntentToAdd(entry) else { return nil }
        let isLink = entry.pointee.mode == UInt32(GIT_FILEMODE_LINK.rawValue)
        return GitTreeEntry(id: GitObjectID(entry.pointee.id), kind: isLink ? .symbolicLink : .file)
    }

    /// Whether `path` (a file, or a directory's files) is in the index but left out of the working
    /// tree by a sparse checkout (skip-worktree entries).
    public func isOutsideSparseCheckout(_ path: String) -> Bool {
        (try? locked { () throws(GitError) -> Bool in
            try withIndex { index throws(GitError) -> Bool in
                let prefix = path + "/"
                for position in 0..<git_index_entrycount(index) {
                    guard let entry = git_index_get_byindex(index, position) else { continue }
                    let entryPath = String(cString: entry.pointee.path)
                    guard entryPath == path || entryPath.hasPrefix(prefix) else { continue }
                    return entry.pointee.flags_extended & UInt16(truncatingIfNeeded: GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue) != 0
                }
                return false
            }
        }) ?? false
    }

    /// An entry `git add -N` made: a placeholder for a file whose content is not staged yet,
    /// which a commit does not hold (git's own tree of the index leaves it out).
    private static func isIntentToAdd(_ entry: UnsafePointer<git_index_entry>) -> Bool {
        entry.pointee.flags_extended & UInt16(truncatingIfNeeded: GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue) != 0
    }

    private func withIndex<T>(_ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var index: OpaquePointer?
        let status = indexFile.map { git_index_open(&index, $0) } ?? git_repository_index(&index, handle)
        guard status == 0, let index else { throw GitError.last(status, operation: "read the index") }
        defer { git_index_free(index) }
        // The repository keeps its index loaded: read it again when git changed it since (by force
        // when git removed it: an unforced read would keep the entries loaded before).
        let onDisk = git_index_path(index).map { FileManager.default.fileExists(atPath: String(cString: $0)) } ?? true
        let reread = git_index_read(index, onDisk ? 0 : 1)
        guard reread == 0 else { throw GitError.last(reread, operation: "read the index") }
        return try body(index)
    }
}

/// A file whose working-tree content is not staged (see ``GitRepository/unstagedChanges(under:)``).
public struct UnstagedChange: Sendable, Equatable {
    /// How the working tree differs from the index.
    public enum Kind: String, Sendable {
        /// Changed, or another kind of file (a link where a file was staged).
        case modified
        case deleted
        /// Not in the index at all (and not ignored).
        case untracked
        /// In an unresolved merge conflict.
        case conflicted
    }

    /// The path inside the repository, with `/` separators.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A git object id (SHA-1).
public struct GitObjectID: Sendable, Hashable, CustomStringConvertible {
    /// The 40 hexadecimal digits.
    public let hex: String

    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var oid: git_oid {
        var oid = git_oid()
        git_oid_fromstr(&oid, hex)
        return oid
    }

    /// The first 12 digits, for people.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
}

/// A commit's identity and what people recognise it by.
public struct GitCommit: Sendable, Hashable {
    public var id: GitObjectID
    /// Parents in order; the first is the first parent.
    public var parents: [GitObjectID]
    /// The first line of the message.
    public var summary: String
    /// The committer date.
    public var date: Date
    /// The committer's offset from UTC when committing, in seconds (`+0545`: 20,700), for the
    /// date as `git log` shows it.
    public var dateOffsetSeconds: Int
}

/// An entry of a tree: a file (blob), a directory (tree) or a symbolic link.
public struct GitTreeEntry: Sendable, Hashable {
    /// What the entry is; a symbolic link is a blob holding its target, a submodule a commit
    /// of another repository.
    public enum Kind: Sendable, Hashable {
        case file, directory, symbolicLink, submodule, other
    }

    public var id: GitObjectID
    public var kind: Kind

    init(id: GitObjectID, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    init?(_ entry: OpaquePointer) {
        id = GitObjectID(git_tree_entry_id(entry).pointee)
        switch git_tree_entry_type(entry) {
        case GIT_OBJECT_TREE: kind = .directory
        case GIT_OBJECT_BLOB: kind = git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK ? .symbolicLink : .file
        case GIT_OBJECT_COMMIT: kind = .submodule
        default: kind = .other
        }
    }
}

/// A libgit2 failure, with libgit2's own message.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong: what the user asked for, or libgit2 itself.
    public enum Kind: Sendable, Equatable {
        case notARepository
        case outsideRepository
        case unknownRevision
        /// The repository is owned by another user (git's `safe.directory`).
        case untrustedOwner
        /// A shallow clone lacks the history asked for.
        case shallowHistory
        /// A path of the index is in an unresolved merge conflict (staged as its conflict stages).
        case unresolvedConflict
        /// Symbolic links lead to each other without end.
        case linkLoop
        /// A path asked for is a submodule (or is in one, or in another repository nested in the
        /// working tree): its files are in another repository.
        case submodule
        /// A file git holds is a Git LFS pointer, not the file itself.
        case lfsPointer
        /// A flow directory holds a link to a directory the walk reaches another way too (or to
        /// one above it), whose flow files `selinon-cli` would read twice (``GitError/path``).
        case directoryReachedTwice
        case libgit2
    }

    public var kind: Kind
    public var message: String
    /// The path the error is about, when it is one path of a tree (``Kind/directoryReachedTwice``).
    public var path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    static func last(_ status: Int32, operation: String) -> GitError {
        let detail = git_error_last().map { String(cString: $0.pointee.message) } ?? "error \(status)"
        if status == GIT_EOWNER.rawValue {
            return GitError(.untrustedOwner, "cannot \(operation): \(detail); if you trust it, run: git config --global --add safe.directory <the repository's path>")
        }
        return GitError(.libgit2, "cannot \(operation): \(detail)")
    }

    public var description: String { message }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension GitError: LocalizedError {
    public var errorDescription: String? { description }
}
