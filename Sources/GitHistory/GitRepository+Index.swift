import CLibGit2
import Foundation

// The index: staged files and how the working tree differs from them.
extension GitRepository {
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
    func indexEntry(at path: String, in index: OpaquePointer) -> GitTreeEntry? {
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

    func withIndex<T>(_ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var index: OpaquePointer?
        let status = indexFilePath.map { git_index_open(&index, $0) } ?? git_repository_index(&index, handle)
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
