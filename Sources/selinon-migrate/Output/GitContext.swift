import FlowConfig
import FlowMigration
import Foundation
import MigrationGenerator
import GitHistory
import Synchronization

/// The repository that holds a configuration and the configuration's paths in it, for commands
/// that read configurations from git.
struct GitContext: Sendable {
    let repository: GitRepository
    let paths: ConfigurationPaths
    /// The configuration's paths at HEAD: `paths`, or where the files were before the working
    /// tree moved them (an uncommitted `git mv`).
    let headPaths: ConfigurationPaths
    /// The configuration in the working tree, as the user named it.
    let workingTree: FileSystemConfigurationSource

    /// Whether the warning about the user's unreadable git configuration was given.
    private static let warnedAboutConfiguration = Mutex(false)

    /// Opens the repository containing the nodes file. `resolvesRevisions`: the command reads
    /// revisions named relative to the repository (HEAD, a branch, the upstream), which are
    /// ambiguous from the working tree of a repository around it (see ``nestedRepositoryError``);
    /// commands that only read the commit ids `_meta` records pass false.
    init(workingTree: FileSystemConfigurationSource, resolvesRevisions: Bool = true) throws(GitError) {
        let repository = try GitRepository(containing: workingTree.nodesFile)
        if resolvesRevisions, let error = Self.nestedRepositoryError(repository, path: workingTree.nodesFile) { throw error }
        let unreadable = GitRepository.unreadableConfigurationFiles
        if !unreadable.isEmpty && !Self.warnedAboutConfiguration.withLock({ warned in defer { warned = true }; return warned }) {
            // git says the same ("unable to access … Permission denied") and goes on.
            FileHandle.standardError.write(Data(("warning: cannot look at \(unreadable.joined(separator: " and ")) (permission denied): "
                + "going on without it, as git does (is HOME another user's?)\n").utf8))
        }
        var flowPaths: [String] = []
        for path in workingTree.flowPaths { flowPaths.append(try repository.repositoryPath(of: path)) }
        self.repository = repository
        paths = ConfigurationPaths(nodesFile: try repository.repositoryPath(of: workingTree.nodesFile), flowPaths: flowPaths)
        // (A working tree git cannot compare, an unreadable directory in it, only loses the move.)
        headPaths = ((try? repository.pathsBeforeUncommittedMove(of: paths)) ?? nil) ?? paths
        self.workingTree = workingTree
        if let note = Self.sparseCheckoutNote(shown: [workingTree.nodesFile] + workingTree.flowPaths,
                                              paths: [paths.nodesFile] + paths.flowPaths, repository: repository) {
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
    }

    /// The repository to read the git revisions `_meta` names from when no configuration was
    /// given: that of the configuration files the `_meta` of `migrations` names (newest first)
    /// that exist here — the working tree `generate` compared with (run from where it ran), whose
    /// paths are the configuration's paths at the revisions too. Nil when none does.
    static func fromRecordedPaths(of migrations: [Migration]) -> GitContext? {
        for migration in migrations.reversed() {
            for side in ["new", "old"] {
                guard let description = migration.metadata?[side]?.stringValue,
                      let source = ReviewConfigurations.recordedFiles(description) else { continue }
                if let context = try? GitContext(workingTree: source, resolvesRevisions: false) { return context }
            }
        }
        return nil
    }

    /// A configuration in a repository nested in the working tree of the current directory's
    /// repository (a submodule, a clone inside another): HEAD, `--base` and the upstream would be
    /// read in the nested repository's history, while the user, standing in the outer one, means
    /// its commits — whose change to the nested repository is only the commit id they record
    /// there. `check` would compare the wrong commits and pass. Refused, with the directory to
    /// run in and how to name the commit an outer revision records.
    /// (`GIT_DIR` names the repository itself: nothing is ambiguous then.)
    static func nestedRepositoryError(_ repository: GitRepository, path: String) -> GitError? {
        func real(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        guard ProcessInfo.processInfo.environment["GIT_DIR"]?.isEmpty ?? true, let root = repository.workingDirectory.map(real),
              let outer = GitRepository.workingTreeRoot(enclosing: FileManager.default.currentDirectoryPath).map(real),
              outer != root, root.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/") else { return nil }
        let nested = String(root.dropFirst(outer.hasSuffix("/") ? outer.count : outer.count + 1))
        return GitError(.submodule, "'\(path)' is in \(nested), a repository of its own (a submodule?) inside the repository "
            + "of the current directory (\(outer)): revisions such as HEAD, --base and the upstream branch would be read in "
            + "\(nested)'s history, not in this one's, whose commits record only a commit id there. Run selinon-migrate inside "
            + "\(nested) (cd \(shellWord(nested))); to compare with the commit that a revision REV of this repository records "
            + "there, pass it by id: --base \"$(git rev-parse \(shellWord("REV:" + nested)))\"")
    }

    /// A sparse checkout leaves paths out of the working tree: said before "not found" is, with
    /// the directories to include (`git sparse-checkout add` takes directories).
    static func sparseCheckoutNote(shown: [String], paths: [String], repository: GitRepository) -> String? {
        let left = zip(shown, paths).filter { shown, path in
            !FileManager.default.fileExists(atPath: shown) && repository.isOutsideSparseCheckout(path)
        }
        guard !left.isEmpty else { return nil }
        let directories = Set(left.map { _, path in
            ConfigurationPaths.isFlowFileName((path as NSString).lastPathComponent) ? parentDirectory(of: path) : path
        }).map { $0.isEmpty ? "." : $0 }.sorted()
        return "note: \(left.map(\.0).joined(separator: ", ")) \(left.count == 1 ? "is" : "are") outside this sparse checkout: git has "
            + "\(left.count == 1 ? "it" : "them"), the working tree does not, so what reads the working tree cannot find "
            + "\(left.count == 1 ? "it" : "them"); include \(left.count == 1 ? "it" : "them") (git sparse-checkout add "
            + "\(directories.map(shellWord).joined(separator: " "))) and run again"
    }

    /// A configuration source for `worktree`, `index` or any revision.
    func source(_ specification: String) throws(GitError) -> any ConfigurationSource {
        switch specification {
        case "worktree", "working-tree": return workingTree
        case "index": return GitConfigurationSource(repository: repository, paths: paths, location: .index)
        default:
            let commit = try repository.commit(specification)
            return GitConfigurationSource(repository: repository, paths: paths(at: commit), location: .revision(commit, label: specification))
        }
    }

    /// Whether a flow path (a file or directory) is not in `commit`: the configuration was
    /// elsewhere then (moved since), not invalid. `paths` defaults to the working tree's.
    func flowPathsAbsent(at commit: GitCommit, paths: ConfigurationPaths? = nil) -> Bool {
        !GitConfigurationSource(repository: repository, paths: paths ?? self.paths, location: .revision(commit, label: commit.id.short))
            .absentFlowPaths().isEmpty
    }

    /// Where the configuration's files were at `commit`: HEAD's paths (``headPaths``), followed
    /// back through the commits that moved them (or, for a commit of another branch, through the
    /// renames between it and HEAD).
    func paths(at commit: GitCommit) -> ConfigurationPaths {
        guard let head = try? repository.commit("HEAD") else { return headPaths }
        // Most revisions hold every file where HEAD does: no walk, no rename detection — unless
        // flow files are named one by one, where a flow file deleted since (its path perhaps
        // used again) is found commit by commit, as `history` finds it.
        let entries = ([headPaths.nodesFile] + headPaths.flowPaths).map { (try? repository.entry(at: $0, in: commit.id)) ?? nil }
        if entries.allSatisfy({ $0 != nil }) && !entries.dropFirst().allSatisfy({ $0?.kind == .file }) { return headPaths }
        return (try? repository.configurationPaths(headPaths, at: commit.id, from: head.id)) ?? headPaths
    }

    /// The migration directory's entries in the working tree — the directory itself, else its
    /// `N.json` files and its sum — that are symbolic links leading out of the repository: git
    /// commits the link, not what it leads to, so every clone (CI, a deployment from git) lacks
    /// the migrations while this working tree reads them through the link. Links inside the
    /// repository are committed with their targets, and are fine.
    func migrationLinksLeavingRepository(in directory: String) -> [DirectoryIntegrity.Finding] {
        guard let root = repository.workingDirectory.flatMap(resolvedPath) else { return [] }
        /// The link's target as written, when `path` is a symbolic link to something outside the repository.
        func outsideTarget(of path: String) -> String? {
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK,
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
                  let resolved = resolvedPath(path) else { return nil }  // (a dangling link: unreadable, said elsewhere)
            return resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") ? nil : target
        }
        let trimmed = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        if let target = outsideTarget(of: trimmed) {
            return [.init(kind: "linked-outside-repository", file: directory, line: nil,
                          message: "\(directory) is a symbolic link to \(target), outside the repository: git commits the link, not the "
                              + "migrations, so a clone (CI, a deployment from git) has none of them",
                          hint: "keep the migrations in the repository: rm \(shellWord(trimmed)) && cp -R \(shellWord(resolvedPath(trimmed) ?? target)) "
                              + "\(shellWord(trimmed)), then git add \(gitPathWord(trimmed)) (and point whatever used the other directory here)")]
        }
        /// The version of a migration file's name (`3.json`), 0 for the sum, nil for other names.
        func order(_ name: String) -> Int? { name == MigrationSum.fileName ? 0 : MigrationDirectory.version(ofFileName: name) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { order($0) != nil }
        return names.sorted { order($0)! < order($1)! }
            .compactMap { name in
                let path = (directory as NSString).appendingPathComponent(name)
                guard let target = outsideTarget(of: path) else { return nil }
                return .init(kind: "linked-outside-repository", file: path, line: nil,
                             message: "\(name) is a symbolic link to \(target), outside the repository: git commits the link, not the "
                                 + "\(name == MigrationSum.fileName ? "sum" : "migration"), so a clone (CI, a deployment from git) lacks it",
                             hint: "replace the link with the file: cp --remove-destination \(shellWord(resolvedPath(path) ?? target)) "
                                 + "\(shellWord(path)), then git add \(gitPathWord(path))")
            }
    }

    /// The migration files of `directory` (as `now` holds them) that HEAD does not hold as they
    /// are: only in the working tree, or changed since — not deployed from git yet.
    func migrationsNotCommitted(in directory: String, now: MigrationsNow) -> Set<Int> {
        guard let head = try? repository.commit("HEAD"), let committed = try? migrationFiles(in: directory, at: head) else { return [] }
        return Set(now.hashes.keys.filter { committed[$0].map(MigrationSum.hash) != now.hashes[$0] })
    }

    /// The configuration at `commit` (at `paths`, by default the working tree's); `nil` when it
    /// is invalid there (history holds invalid revisions too). A revision git cannot read (a
    /// corrupt or missing object) is an error, not an invalid configuration.
    func configuration(at commit: GitCommit, paths: ConfigurationPaths? = nil,
                       loader: ConfigurationLoader) throws(ConfigurationError) -> Configuration? {
        let source = GitConfigurationSource(repository: repository, paths: paths ?? self.paths,
                                            location: .revision(commit, label: commit.id.short))
        do {
            return loader.load(try source.read()).configuration
        } catch where error.isReadFailure || error.diagnostics.contains(where: { [.gitFilter, .gitSubmodule].contains($0.code) }) {
            // Not this revision's fault: no revision can be read.
            throw error
        } catch {
            return nil
        }
    }

    /// The newest commit reachable from HEAD (first parents) that changed the configuration.
    func newestChange() throws(GitError) -> GitCommit? {
        try repository.newestCommitChanging(headPaths, from: repository.commit("HEAD").id)
    }

    /// The base of a branch for `check`: `revision` if given, else the merge base of HEAD and its
    /// upstream, else HEAD.
    func base(_ revision: String?) throws(GitError) -> BranchBase {
        try repository.branchBase(revision)
    }

    /// The migration files (`N.json`) of `directory` (a working-tree path) at `commit`, by version.
    func migrationFiles(in directory: String, at commit: GitCommit) throws(GitError) -> [Int: [UInt8]] {
        try repository.migrationFiles(in: directory, at: commit)
    }
}

extension GitRepository {
    /// The base of a branch (what `check` and `review --pending` compare with): the merge base of
    /// HEAD and `revision` if given (`revision` itself when HEAD contains it), else the merge base
    /// of HEAD and its upstream, else HEAD — with the reason, since then only uncommitted changes
    /// count. Like `git diff REV...HEAD`: what the branch's target gained since the branch
    /// forked is not the branch's change, and must not read as one it reverts.
    func branchBase(_ revision: String?) throws(GitError) -> BranchBase {
        let head = try commit("HEAD")
        if let revision {
            let target = try commit(revision)
            let found: GitObjectID?
            do {
                found = try mergeBase(head.id, target.id)
            } catch where error.kind == .shallowHistory {
                found = nil
            }
            guard let base = found else {
                // A shallow clone (CI's default) may not reach the fork: compare with REV itself, as
                // a pull request's merge checkout needs (REV is then HEAD's first parent), and say so.
                if isShallow {
                    return BranchBase(commit: target, label: revision, target: (revision, target),
                                      shallowNote: "the repository is a shallow clone, so the merge base of HEAD and \(revision) "
                                        + "cannot be found: comparing with \(revision) itself; if this branch is behind it, its newer "
                                        + "changes read as reverted (fetch the history, for example fetch-depth: 0, to compare with the merge base)")
                }
                throw GitError(.unknownRevision, "\(revision) shares no history with HEAD: there is no base to compare this branch with")
            }
            if base == target.id { return BranchBase(commit: target, label: revision, target: (revision, target)) }
            return BranchBase(commit: try commit(id: base), label: "merge base with \(revision)", target: (revision, target))
        }
        let reason: String
        if let (branch, upstream) = try self.upstream() {
            // A branch pushed with `git push -u` tracks its own copy on the remote: the merge base
            // with it is (nearly) HEAD, and the branch's change would go unseen. Its remote's
            // default branch is what it will be merged into.
            let remote = upstreamRemote(ofBranch: branch)
            let ownCopy = remote.map { upstream == "\($0)/\(branch)" } ?? false
            let remoteDefault = ownCopy ? remote.flatMap(defaultBranch(ofRemote:)) : nil
            if let remote, let target = remoteDefault, target != upstream, let targetCommit = try? commit(target) {
                if let base = try? mergeBase(head.id, targetCommit.id) {
                    return BranchBase(commit: try commit(id: base), label: "merge base with \(target)", target: (target, targetCommit),
                                      ownCopyNote: "comparing with \(target), \(remote)'s default branch: \(upstream), the upstream, "
                                        + "is this branch's own copy (pass --base to compare with another branch)")
                }
                // A shallow clone that does not reach the fork: the default branch itself, as for --base
                // (the branch's own copy would let every pushed commit pass unseen).
                if isShallow {
                    return BranchBase(commit: targetCommit, label: target, target: (target, targetCommit),
                                      shallowNote: "comparing with \(target), \(remote)'s default branch (\(upstream), the upstream, "
                                        + "is this branch's own copy); the repository is a shallow clone, so the merge base of HEAD and "
                                        + "\(target) cannot be found: comparing with \(target) itself; if this branch is behind it, its "
                                        + "newer changes read as reverted (fetch the history, for example fetch-depth: 0, to compare with "
                                        + "the merge base)")
                }
            }
            if let upstreamCommit = try? commit(upstream), let base = try mergeBase(head.id, upstreamCommit.id) {
                return BranchBase(commit: try commit(id: base), label: "merge base with \(upstream)", target: (upstream, upstreamCommit),
                                  // (`main` tracking `origin/main` is checked as it should be: its unpushed commits.)
                                  ownCopyNote: ownCopy && remoteDefault == nil && !["main", "master"].contains(branch) ? "\(upstream), the upstream, is this branch's own copy on the remote, so "
                                    + "only commits not pushed there count, and \(remote ?? "the remote") records no default branch "
                                    + "(git remote set-head \(remote ?? "origin") --auto records it); to check the whole branch, pass --base "
                                    + "(for example --base \(remote ?? "origin")/main)" : nil)
            }
            reason = "\(branch)'s upstream \(upstream) shares no history with HEAD"
        } else if isHeadDetached && rebasedBranchHead != nil {
            reason = "a git rebase is under way (HEAD is the commit being replayed, detached), so there is no upstream branch"
        } else if isHeadDetached {
            reason = "HEAD is detached (as in most CI checkouts), so there is no upstream branch"
        } else {
            reason = "the branch has no upstream branch here (none configured, or not fetched)"
        }
        return BranchBase(commit: head, label: "HEAD", fallback: reason, suggestedBase: suggestedBase(notAt: head),
                          unfetchedRemote: remoteNames.contains("origin") ? "origin" : remoteNames.first)
    }

    /// A branch this repository has to name in the example of the HEAD fallback's note: the
    /// default branch `origin` records, else `origin/main`, `origin/master`, `main` or `master`
    /// that exists and is not the branch checked out — one at the same commit is named (a branch
    /// just made from it will be merged back into it) — or, with HEAD detached, not at `head`;
    /// nil when none is.
    private func suggestedBase(notAt head: GitCommit) -> String? {
        let checkedOut = headBranch
        let candidates = [defaultBranch(ofRemote: "origin")].compactMap { $0 } + ["origin/main", "origin/master", "main", "master"]
        return candidates.first { candidate in
            guard let found = try? commit(candidate) else { return false }
            return checkedOut.map { candidate != $0 } ?? (found.id != head.id)
        }
    }

    /// Whether `file` (a working-tree path) holds `bytes` because a commit on HEAD's first-parent
    /// line added it as a new file, rather than edited what was there: HEAD has these bytes (as
    /// the sum compares them), and the commit that brought them (following first parents while
    /// the file has them) has no parent with the file — a merge that edited a file the other
    /// branch added is an edit. The first commit of a shallow clone proves nothing. Looks back at
    /// most `limit` commits.
    func addedAsNewFile(_ file: String, bytes: [UInt8], limit: Int = 1_000) throws(GitError) -> Bool {
        let path = try repositoryPath(of: file)
        let hash = MigrationSum.hash(bytes)
        var commit = try commit("HEAD")
        guard let atHead = try self.file(at: path, in: commit.id), MigrationSum.hash(atHead) == hash else { return false }
        for _ in 0..<limit {
            guard let parentID = commit.parents.first else { return !isShallow }
            let parent = try self.commit(id: parentID)
            if let before = try self.file(at: path, in: parent.id), MigrationSum.hash(before) == hash {
                commit = parent
                continue
            }
            // `commit` brought these bytes: new only if none of its parents had the file.
            for other in commit.parents {
                if try self.file(at: path, in: other) != nil { return false }
            }
            return true
        }
        return false
    }

    /// The newest commit from `start` back along first parents (`start` included, at most `limit`
    /// commits) whose migrations of `directory` pass `test`, with those migrations and the commit
    /// the walk reached it from (`nil` when it is `start`); `nil` when none does.
    func newestMigrations(in directory: String, from start: GitCommit, limit: Int,
                          where test: ([Int: [UInt8]]) -> Bool) -> (commit: GitCommit, files: [Int: [UInt8]], child: GitCommit?)? {
        var commit = start, child: GitCommit?
        for _ in 0..<limit {
            if let files = try? migrationFiles(in: directory, at: commit), test(files) { return (commit, files, child) }
            guard let parentID = commit.parents.first, let parent = try? self.commit(id: parentID) else { return nil }
            (child, commit) = (commit, parent)
        }
        return nil
    }

    /// The migration files (`N.json`) of `directory` (a working-tree path) at `commit`, by version.
    func migrationFiles(in directory: String, at commit: GitCommit) throws(GitError) -> [Int: [UInt8]] {
        let path = try repositoryPath(of: directory)
        var result: [Int: [UInt8]] = [:]
        for file in try files(under: path, in: commit.id, include: Self.mayBeMigration) {
            guard let version = Self.migrationVersion(of: file.path, in: path) else { continue }
            if Migration.isGitLFSPointer(file.bytes) {
                throw GitError(.lfsPointer, "\(file.path) is stored in Git LFS at \(commit.id.short): git holds a pointer, not the "
                    + "migration, so what a commit adds or changes cannot be compared; keep migrations out of Git LFS (Selinon's workers "
                    + "read the JSON): git lfs untrack the path, and commit the real files")
            }
            result[version] = file.bytes
        }
        return result
    }

    /// The versions of the migration files of `directory` at `commit`, from its tree alone (no
    /// file is read).
    func migrationVersions(in directory: String, at commit: GitCommit) throws(GitError) -> Set<Int> {
        Set(try migrationFileIDs(in: directory, at: commit).keys)
    }

    /// The blob ids of the migration files of `directory` at `commit`, by version, from its tree
    /// alone (no file is read): equal ids, equal contents.
    func migrationFileIDs(in directory: String, at commit: GitCommit) throws(GitError) -> [Int: GitObjectID] {
        let path = try repositoryPath(of: directory)
        var result: [Int: GitObjectID] = [:]
        for file in try fileIDs(under: path, in: commit.id, include: Self.mayBeMigration) {
            if let version = Self.migrationVersion(of: file.path, in: path) { result[version] = file.id }
        }
        return result
    }

    /// Whether a file name may be a migration's (`*.json`, not hidden).
    private static func mayBeMigration(_ name: String) -> Bool { name.hasSuffix(".json") && !name.hasPrefix(".") }

    /// The version of the migration at `file` (a repository path): a direct child of `directory`
    /// named `N.json`; nil for any other file.
    private static func migrationVersion(of file: String, in directory: String) -> Int? {
        guard parentDirectory(of: file) == directory else { return nil }
        return MigrationDirectory.version(ofFileName: (file as NSString).lastPathComponent)
    }
}

/// The revision a branch is compared with, and — when it fell back to HEAD — why.
struct BranchBase {
    var commit: GitCommit
    var label: String
    /// The branch the base was found from (`--base REV`, or the upstream) and its tip, which may
    /// have moved on since the fork: the place where the same migration number can be taken twice.
    var target: (label: String, commit: GitCommit)?
    var fallback: String?
    /// With `fallback`: a branch to name in the note's example of `--base`, if the repository has one.
    var suggestedBase: String?
    /// With `fallback` and no `suggestedBase`: a configured remote none of whose usual branches
    /// is fetched (a CI checkout of one ref), for the note's `git fetch`.
    var unfetchedRemote: String?
    /// Why the base is REV itself although HEAD may not contain it (a shallow clone).
    var shallowNote: String?
    /// Why the base is not the upstream (this branch's own copy on the remote) but the remote's
    /// default branch, or — when the remote records none — that only unpushed commits count.
    var ownCopyNote: String?

    /// What the comparison cannot see when the base fell back to HEAD (committed changes go
    /// unseen), or to REV itself in a shallow clone (`check --format json` gives it as `note`).
    var explanation: String? {
        if let note = shallowNote ?? ownCopyNote { return note }
        guard let fallback else { return nil }
        let example: String
        if let suggestedBase {
            example = "(for example --base \(shellWord(suggestedBase)))"
        } else if let remote = unfetchedRemote {
            example = "with the branch they will be merged into, once fetched: this checkout has none of \(remote)'s branches (a CI "
                + "checkout of one ref; for example git fetch \(shellWord(remote)) main, then --base \(shellWord(remote + "/main")))"
        } else {
            example = "with the revision they will be merged into (this repository has no origin, main or master elsewhere to name)"
        }
        return "comparing with HEAD, so only uncommitted changes count: \(fallback); to check this branch's commits, pass --base " + example
    }

    /// ``explanation`` as a note for standard error.
    var note: String? { explanation.map { "note: " + $0 } }
}

extension Terminal {
    /// Reports a git failure and returns the exit status: 1 for what the user asked (a revision
    /// that does not exist, a path outside any repository), 2 for a repository that cannot be
    /// read (libgit2 failures, a shallow history, another user's repository).
    func fail(_ error: GitError) -> Error {
        message("error: \(error.message)")
        if error.kind == .notARepository && !error.message.hasPrefix("GIT_DIR") {
            message("  hint: this command reads the configuration from git: run it on a configuration inside a git "
                + "working tree (git init, and commit the configuration, to start one)")
        }
        switch error.kind {
        // A shallow clone without the history asked for, or a repository git will not read for this
        // user (safe.directory): git could not be read, as for a libgit2 failure (a gate in CI
        // must not take it for a missing migration).
        case .libgit2, .shallowHistory, .untrustedOwner: return ExitStatus.toolFailed
        default: return ExitStatus.inputFailed
        }
    }
}
