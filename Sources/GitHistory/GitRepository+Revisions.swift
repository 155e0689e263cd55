import CLibGit2
import Foundation

// Revisions: resolving them, merge bases, shallow history, upstream and default branches.
extension GitRepository {
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

    func withCommit<T>(_ id: GitObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var commit: OpaquePointer?
        var oid = id.oid
        let status = git_commit_lookup(&commit, handle, &oid)
        guard status == 0, let commit else { throw objectFailure(status, operation: "read commit \(id.short)") }
        defer { git_commit_free(commit) }
        return try body(commit)
    }

    /// The error for an object that cannot be read: in a shallow clone a missing object is
    /// history that was not fetched, and the message says how to fetch it.
    func objectFailure(_ status: Int32, operation: String) -> GitError {
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
}
