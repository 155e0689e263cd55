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
    /// first parent). `limit` bounds the number returned.
    public func commitsChanging(_ paths: ConfigurationPaths, from start: GitObjectID, limit: Int = .max) throws(GitError) -> [GitCommit] {
        var result: [GitCommit] = []
        var current = try commit(id: start)
        var snapshot = try self.snapshot(of: paths, at: current.id)
        while result.count < limit {
            guard let parentID = current.parents.first else {
                if snapshot.hasNodesFile || !snapshot.files.isEmpty { result.append(current) }
                break
            }
            let parentSnapshot = try self.snapshot(of: paths, at: parentID)
            if parentSnapshot != snapshot { result.append(current) }
            current = try commit(id: parentID)
            snapshot = parentSnapshot
        }
        return result
    }
}
