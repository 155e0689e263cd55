import FlowConfig
import Foundation
import GitHistory

/// The repository that holds a configuration and the configuration's paths in it, for commands
/// that read configurations from git.
struct GitContext: Sendable {
    let repository: GitRepository
    let paths: ConfigurationPaths
    /// The configuration in the working tree, as the user named it.
    let workingTree: FileSystemConfigurationSource

    /// Opens the repository containing the nodes file.
    init(workingTree: FileSystemConfigurationSource) throws(GitError) {
        let repository = try GitRepository(containing: workingTree.nodesFile)
        var flowPaths: [String] = []
        for path in workingTree.flowPaths { flowPaths.append(try repository.repositoryPath(of: path)) }
        self.repository = repository
        paths = ConfigurationPaths(nodesFile: try repository.repositoryPath(of: workingTree.nodesFile), flowPaths: flowPaths)
        self.workingTree = workingTree
    }

    /// A configuration source for `worktree`, `index` or any revision.
    func source(_ specification: String) throws(GitError) -> any ConfigurationSource {
        switch specification {
        case "worktree", "working-tree": return workingTree
        case "index": return GitConfigurationSource(repository: repository, paths: paths, location: .index)
        default: return GitConfigurationSource(repository: repository, paths: paths, location: .revision(try repository.commit(specification), label: specification))
        }
    }

    /// The newest commit reachable from HEAD (first parents) that changed the configuration.
    func newestChange() throws(GitError) -> GitCommit? {
        try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id)
    }

    /// The base of a branch for `check`: `revision` if given, else the merge base of HEAD and its
    /// upstream, else HEAD.
    func base(_ revision: String?) throws(GitError) -> (commit: GitCommit, label: String) {
        try repository.branchBase(revision)
    }

    /// The migration files (`N.json`) of `directory` (a working-tree path) at `commit`, by version.
    func migrationFiles(in directory: String, at commit: GitCommit) throws(GitError) -> [Int: [UInt8]] {
        try repository.migrationFiles(in: directory, at: commit)
    }
}

extension GitRepository {
    /// The base of a branch (what `check` and `review --pending` compare with): `revision` if
    /// given, else the merge base of HEAD and its upstream, else HEAD.
    func branchBase(_ revision: String?) throws(GitError) -> (commit: GitCommit, label: String) {
        if let revision { return (try commit(revision), revision) }
        let head = try commit("HEAD")
        if let (_, upstream) = try self.upstream(), let upstreamCommit = try? commit(upstream),
           let base = try mergeBase(head.id, upstreamCommit.id) {
            return (try commit(id: base), "merge base with \(upstream)")
        }
        return (head, "HEAD")
    }

    /// The migration files (`N.json`) of `directory` (a working-tree path) at `commit`, by version.
    func migrationFiles(in directory: String, at commit: GitCommit) throws(GitError) -> [Int: [UInt8]] {
        let path = try repositoryPath(of: directory)
        var result: [Int: [UInt8]] = [:]
        for file in try files(under: path, in: commit.id, include: { $0.hasSuffix(".json") && !$0.hasPrefix(".") }) {
            let name = (file.path as NSString).lastPathComponent
            let stem = String(name.dropLast(5))
            // Only direct children named like migrations.
            guard (file.path as NSString).deletingLastPathComponent == path, let version = Int(stem), String(version) == stem else { continue }
            result[version] = file.bytes
        }
        return result
    }
}

extension Terminal {
    /// Reports a git failure and returns the exit status: 1 for what the user asked (a revision
    /// that does not exist, a path outside any repository), 2 for libgit2 failures.
    func fail(_ error: GitError) -> Error {
        message("error: \(error.message)")
        switch error.kind {
        case .libgit2: return ExitStatus.toolFailed
        default: return ExitStatus.inputFailed
        }
    }
}
