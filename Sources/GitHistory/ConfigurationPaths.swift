import Foundation
import YAMLTree

/// The files that make up a Selinon configuration inside a repository: a nodes file and flow
/// paths, each a file or a directory whose `*.yml`/`*.yaml` files are read, as repository paths.
public struct ConfigurationPaths: Sendable, Hashable {
    /// The nodes file, relative to the working tree's root.
    public var nodesFile: String
    /// Flow files or directories, relative to the working tree's root.
    public var flowPaths: [String]

    public init(nodesFile: String, flowPaths: [String]) {
        self.nodesFile = nodesFile
        self.flowPaths = flowPaths
    }

    /// Whether a file in a flow directory is a flow file: `*.yml`/`*.yaml`, not hidden.
    public static func isFlowFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".yml") || name.hasSuffix(".yaml"))
    }
}

/// What a revision holds of a configuration: the blob id of every configuration file, by path.
/// Two revisions with equal snapshots have byte-identical configurations.
public struct ConfigurationSnapshot: Sendable, Hashable {
    /// Path → blob id, for every file that exists at the revision.
    public var files: [String: GitObjectID]

    /// Whether the revision has the nodes file at all.
    public var hasNodesFile: Bool
}

extension GitRepository {
    /// The configuration files' blob ids at `commit` (no contents read).
    public func snapshot(of paths: ConfigurationPaths, at commit: GitObjectID) throws(GitError) -> ConfigurationSnapshot {
        var files: [String: GitObjectID] = [:]
        let nodes = try entry(at: paths.nodesFile, in: commit)
        if let nodes, nodes.kind == .file { files[paths.nodesFile] = nodes.id }
        for flowPath in paths.flowPaths {
            guard let entry = try entry(at: flowPath, in: commit) else { continue }
            switch entry.kind {
            case .file: files[flowPath] = entry.id
            case .directory:
                for (path, id) in try fileIDs(under: flowPath, in: commit, include: ConfigurationPaths.isFlowFileName) {
                    files[path] = id
                }
            // A submodule's pointer moving is a change (reading it then says it cannot be read).
            case .submodule: files[flowPath] = entry.id
            case .symbolicLink, .other: break
            }
        }
        return ConfigurationSnapshot(files: files, hasNodesFile: nodes?.kind == .file)
    }

    /// The newest commit reachable from `start` through first parents that changed the
    /// configuration — where the configuration files differ from
    /// those of its first parent, or the root commit that added them.
    /// - Returns: `nil` when the configuration is not in `start` at all.
    public func newestCommitChanging(_ paths: ConfigurationPaths, from start: GitObjectID) throws(GitError) -> GitCommit? {
        var current = try commit(id: start)
        var snapshot = try self.snapshot(of: paths, at: current.id)
        guard snapshot.hasNodesFile else { return nil }
        while let parentID = current.parents.first {
            let parentSnapshot = try self.snapshot(of: paths, at: parentID)
            if parentSnapshot != snapshot { return current }
            current = try commit(id: parentID)
            snapshot = parentSnapshot
        }
        return current
    }

    /// Every commit that changed the configuration, newest first, following first parents from
    /// `start` (a merge counts as one change when it changed the configuration relative to its
    /// first parent). `limit` bounds the number returned. The configuration is looked for at
    /// `paths` in every commit: see ``configurationHistory(_:from:limit:)`` to follow moves.
    public func commitsChanging(_ paths: ConfigurationPaths, from start: GitObjectID, limit: Int = .max) throws(GitError) -> [GitCommit] {
        try changes(of: paths, from: start, limit: limit, followingMoves: false).map(\.commit)
    }

    /// Every commit that changed the configuration, newest first, like
    /// ``commitsChanging(_:from:limit:)`` — but where a commit moved the configuration (the
    /// nodes file or a flow path is new in it, and git's rename detection finds it renamed from
    /// elsewhere, as `git log --follow` does), the walk goes on at the paths it had before, so
    /// the history goes back past moves. Each revision says where the files were.
    public func configurationHistory(_ paths: ConfigurationPaths, from start: GitObjectID,
                                     limit: Int = .max) throws(GitError) -> [ConfigurationRevision] {
        try changes(of: paths, from: start, limit: limit, followingMoves: true)
    }

    private func changes(of paths: ConfigurationPaths, from start: GitObjectID, limit: Int,
                         followingMoves: Bool) throws(GitError) -> [ConfigurationRevision] {
        var result: [ConfigurationRevision] = []
        var paths = paths
        var current = try commit(id: start)
        var snapshot = try self.snapshot(of: paths, at: current.id)
        while result.count < limit {
            guard let parentID = current.parents.first else {
                if snapshot.hasNodesFile || !snapshot.files.isEmpty { result.append(ConfigurationRevision(commit: current, paths: paths)) }
                break
            }
            var parentSnapshot = try self.snapshot(of: paths, at: parentID)
            if parentSnapshot != snapshot {
                let before = followingMoves ? try changedPaths(paths, from: parentID, to: current.id) : nil
                result.append(ConfigurationRevision(commit: current, paths: paths, movedFrom: before?.paths,
                                                    deletedFlowFiles: before?.deletedFlowFiles ?? []))
                if let before {
                    paths = before.paths
                    parentSnapshot = try self.snapshot(of: before.paths, at: parentID)
                }
            }
            current = try commit(id: parentID)
            snapshot = parentSnapshot
        }
        return result
    }

    /// Where the configuration's files were before `commit` moved them, or `nil` when it moved
    /// none: a nodes file or flow file that the commit's first parent lacks and git finds renamed
    /// (``renamedFiles(in:)``) was at its old path; a flow directory the parent lacks was where
    /// most of its renamed flow files came from (the same relative paths below another
    /// directory). Paths the commit did not move stay as they are. A flow file the commit
    /// deleted is added back when the configuration named its flow files one by one: one beside
    /// them (in the directory of one) that defined a flow the parent's nodes file lists — `-f`
    /// names the files of now, and without it the parent's configuration would list a flow it
    /// does not define.
    public func pathsBeforeMove(of paths: ConfigurationPaths, in commit: GitCommit) throws(GitError) -> ConfigurationPaths? {
        guard let parentID = commit.parents.first else { return nil }
        return try pathsBeforeMove(of: paths, from: parentID, to: commit.id)
    }

    /// Where the configuration's files (at `paths` in `new`) were in `old`, any two commits —
    /// as ``pathsBeforeMove(of:in:)`` with the renames git finds between the two trees (`git
    /// diff -M OLD NEW`); `nil` when none of them moved.
    public func pathsBeforeMove(of paths: ConfigurationPaths, from old: GitObjectID, to new: GitObjectID) throws(GitError) -> ConfigurationPaths? {
        try changedPaths(paths, from: old, to: new)?.paths
    }

    /// ``pathsBeforeMove(of:from:to:)``, with the flow files it added back as deleted.
    private func changedPaths(_ paths: ConfigurationPaths, from old: GitObjectID,
                              to new: GitObjectID) throws(GitError) -> (paths: ConfigurationPaths, deletedFlowFiles: [String])? {
        try pathsBefore(paths, existsBefore: { path throws(GitError) in try entry(at: path, in: old) != nil },
                        kindAfter: { path throws(GitError) in try entry(at: path, in: new)?.kind },
                        flowFilesAfter: { directory throws(GitError) in
                            try fileIDs(under: directory, in: new, include: ConfigurationPaths.isFlowFileName).map(\.path)
                        },
                        renames: { () throws(GitError) in try renamedFiles(from: old, to: new) },
                        deleted: DeletedFlowFiles(
                            namesBefore: { directory throws(GitError) in
                                try self.fileNames(directlyIn: directory, in: old, include: ConfigurationPaths.isFlowFileName)
                            },
                            kindBefore: { path throws(GitError) in try self.entry(at: path, in: old)?.kind },
                            bytesBefore: { path throws(GitError) in try self.file(at: path, in: old) }))
    }

    /// Where the configuration's files are at HEAD when the working tree moved them (renamed
    /// there, staged or not, as `git status` finds renames), or `nil` when it moved none — as
    /// ``pathsBeforeMove(of:in:)`` for the change not committed yet.
    public func pathsBeforeUncommittedMove(of paths: ConfigurationPaths) throws(GitError) -> ConfigurationPaths? {
        guard let root = workingDirectory, !isHeadUnborn else { return nil }
        let head = try commit("HEAD").id
        func absolute(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }
        return try pathsBefore(paths, existsBefore: { path throws(GitError) in try entry(at: path, in: head) != nil },
                               kindAfter: { path in
                                   var isDirectory: ObjCBool = false
                                   guard FileManager.default.fileExists(atPath: absolute(path), isDirectory: &isDirectory) else { return nil }
                                   return isDirectory.boolValue ? .directory : .file
                               },
                               flowFilesAfter: { directory in
                                   let base = absolute(directory)
                                   let found = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
                                   return found.filter { ConfigurationPaths.isFlowFileName(($0 as NSString).lastPathComponent) }
                                       .map { directory.isEmpty ? $0 : directory + "/" + $0 }
                               },
                               renames: { () throws(GitError) in try renamedFilesSinceHead() },
                               deleted: DeletedFlowFiles(
                                   namesBefore: { directory throws(GitError) in
                                       try self.fileNames(directlyIn: directory, in: head, include: ConfigurationPaths.isFlowFileName)
                                   },
                                   kindBefore: { path throws(GitError) in try self.entry(at: path, in: head)?.kind },
                                   bytesBefore: { path throws(GitError) in try self.file(at: path, in: head) }))?.paths
    }

    /// What the side before a change holds, to find the flow files the change deleted.
    private struct DeletedFlowFiles {
        /// The flow files' names directly in a directory.
        var namesBefore: (String) throws(GitError) -> [String]
        var kindBefore: (String) throws(GitError) -> GitTreeEntry.Kind?
        var bytesBefore: (String) throws(GitError) -> [UInt8]?

        /// The flow files (beside the flow files `paths` names one by one — every flow path a
        /// file) that the side before has and the side after lacks (`kindAfter` nil), and that
        /// define a flow the nodes file before lists and the files named do not define: files of
        /// the configuration then, whatever `-f` names now. (A file of another configuration in
        /// the same directory, or a copy of a named file, defines no such flow.)
        func find(in paths: ConfigurationPaths, kindAfter: (String) throws(GitError) -> GitTreeEntry.Kind?) throws(GitError) -> [String] {
            var directories = Set<String>()
            for path in paths.flowPaths {
                guard try kindBefore(path) == .file else { return [] }
                directories.insert((path as NSString).deletingLastPathComponent)
            }
            var candidates: [String] = []
            for directory in directories.sorted() {
                for name in try namesBefore(directory) {
                    let path = directory.isEmpty ? name : directory + "/" + name
                    if path != paths.nodesFile, !paths.flowPaths.contains(path), try kindAfter(path) == nil { candidates.append(path) }
                }
            }
            guard !candidates.isEmpty, let nodes = try bytesBefore(paths.nodesFile) else { return [] }
            // The flows listed that no file named defines: what a deleted file must have defined.
            var undefined = Set((try? YAMLParser().parse(nodes).root?["flows"]?.sequence?.compactMap(\.string)) ?? [])
            for path in paths.flowPaths {
                guard !undefined.isEmpty else { return [] }
                if let bytes = try bytesBefore(path) { undefined.subtract(Self.flowsDefined(in: bytes)) }
            }
            var deleted: [String] = []
            for path in candidates where !undefined.isEmpty {
                guard let bytes = try bytesBefore(path) else { continue }
                let defined = Self.flowsDefined(in: bytes)
                guard !defined.isDisjoint(with: undefined) else { continue }
                deleted.append(path)
                undefined.subtract(defined)
            }
            return deleted
        }

        /// The names of the flows a flow file defines; none for a file that does not mention
        /// `flow-definitions` (not parsed at all) or is larger than any flow file is read.
        static func flowsDefined(in bytes: [UInt8]) -> Set<String> {
            guard bytes.count <= largestFlowFile, bytes.firstRange(of: Array("flow-definitions".utf8)) != nil,
                  let definitions = try? YAMLParser().parse(bytes).root?["flow-definitions"]?.sequence else { return [] }
            return Set(definitions.compactMap { $0["name"]?.string })
        }

        /// The largest file taken for a deleted flow file (the loader's default limit).
        static let largestFlowFile = 64 << 20
    }

    /// The paths before a change, from what it holds after (`kindAfter`, `flowFilesAfter`),
    /// what was there before (`existsBefore`) and its renames (asked only when a path is new).
    private func pathsBefore(_ paths: ConfigurationPaths, existsBefore: (String) throws(GitError) -> Bool,
                             kindAfter: (String) throws(GitError) -> GitTreeEntry.Kind?,
                             flowFilesAfter: (String) throws(GitError) -> [String],
                             renames: () throws(GitError) -> [String: String],
                             deleted: DeletedFlowFiles) throws(GitError) -> (paths: ConfigurationPaths, deletedFlowFiles: [String])? {
        var renamed: [String: String]?
        func renamedFrom(_ path: String) throws(GitError) -> String? {
            if renamed == nil { renamed = try renames() }
            return renamed?[path]
        }
        var moved = paths
        if try !existsBefore(paths.nodesFile), try kindAfter(paths.nodesFile) != nil, let old = try renamedFrom(paths.nodesFile) {
            moved.nodesFile = old
        }
        for (index, flowPath) in paths.flowPaths.enumerated() {
            guard try !existsBefore(flowPath), let kind = try kindAfter(flowPath) else { continue }
            switch kind {
            case .file:
                if let old = try renamedFrom(flowPath) { moved.flowPaths[index] = old }
            case .directory:
                var votes: [String: Int] = [:]
                for path in try flowFilesAfter(flowPath) {
                    guard let old = try renamedFrom(path) else { continue }
                    let relative = flowPath.isEmpty ? path : String(path.dropFirst(flowPath.count + 1))
                    if old == relative {
                        votes["", default: 0] += 1
                    } else if old.hasSuffix("/" + relative) {
                        votes[String(old.dropLast(relative.count + 1)), default: 0] += 1
                    }
                }
                // The most votes; among equals, the first name (deterministic).
                if let best = votes.min(by: { ($1.value, $0.key) < ($0.value, $1.key) }) { moved.flowPaths[index] = best.key }
            case .submodule, .symbolicLink, .other:
                continue
            }
        }
        // Two paths from one (a flow directory split in two) are that one, read once.
        var seen = Set<String>()
        moved.flowPaths = moved.flowPaths.filter { seen.insert($0).inserted }
        let deletedFiles = try deleted.find(in: moved, kindAfter: kindAfter)
        moved.flowPaths += deletedFiles
        return moved == paths ? nil : (moved, deletedFiles)
    }
}

extension GitRepository {
    /// Where the configuration's files were at `target`: `paths` (where they are at `start`),
    /// followed back along first parents through the commits that moved them
    /// (``pathsBeforeMove(of:in:)``) when `target` is `start` or one of its first `limit`
    /// first-parent ancestors; else (a commit of another branch, `MERGE_HEAD`) from the renames
    /// between the two commits' trees.
    public func configurationPaths(_ paths: ConfigurationPaths, at target: GitObjectID, from start: GitObjectID,
                                   limit: Int = 10_000) throws(GitError) -> ConfigurationPaths {
        var moved = paths
        var current = try commit(id: start)
        for _ in 0..<limit {
            if current.id == target { return moved }
            guard let parentID = current.parents.first else { break }
            if let before = try pathsBeforeMove(of: moved, in: current) { moved = before }
            current = try commit(id: parentID)
        }
        return try pathsBeforeMove(of: paths, from: target, to: start) ?? paths
    }
}

/// A commit that changed a configuration, and where the configuration's files were.
public struct ConfigurationRevision: Sendable, Hashable {
    public var commit: GitCommit
    /// The configuration's paths at `commit`.
    public var paths: ConfigurationPaths
    /// The paths at the commit's first parent, when the commit moved the configuration's files
    /// (or deleted flow files of it: ``deletedFlowFiles``, which they include).
    public var movedFrom: ConfigurationPaths?
    /// The flow files of the configuration that the commit deleted (beside flow files named one
    /// by one; see ``GitRepository/pathsBeforeMove(of:in:)``).
    public var deletedFlowFiles: [String]

    public init(commit: GitCommit, paths: ConfigurationPaths, movedFrom: ConfigurationPaths? = nil, deletedFlowFiles: [String] = []) {
        self.commit = commit
        self.paths = paths
        self.movedFrom = movedFrom
        self.deletedFlowFiles = deletedFlowFiles
    }
}
