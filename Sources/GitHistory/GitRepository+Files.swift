import CLibGit2
import Foundation

// Files at a revision: tree entries, blobs, directory listings, content filters.
extension GitRepository {
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

    func withTree<T>(_ commit: GitObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
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
    func resolve(_ path: String, implicitDirectories: Bool = false,
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

    func blob(_ id: GitObjectID) throws(GitError) -> [UInt8] {
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
}
