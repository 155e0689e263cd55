import FlowConfig

/// A Selinon configuration as it was at a git revision, or as it is in the index — a
/// `ConfigurationSource` for the loader, so configurations can be compared across history.
///
/// A flow *directory* is listed as it was in that revision's tree, so flow files added, deleted
/// or renamed over history come out right. A flow file named explicitly that does not exist at
/// the revision is skipped (its flows did not exist yet); a missing nodes file is an error.
/// Paths in diagnostics read `<revision>:<path>`.
public struct GitConfigurationSource: ConfigurationSource {
    /// Where in the repository to read.
    public enum Location: Sendable, Hashable {
        /// A commit; `label` is what the user called it (`HEAD~1`, `main`).
        case revision(GitCommit, label: String)
        /// The staging area.
        case index
    }

    public let repository: GitRepository
    public let paths: ConfigurationPaths
    public let location: Location

    public init(repository: GitRepository, paths: ConfigurationPaths, location: Location) {
        self.repository = repository
        self.paths = paths
        self.location = location
    }

    /// `git:1a2b3c4d5e6f (HEAD~1)` or `git index`.
    public var sourceDescription: String {
        switch location {
        case .revision(let commit, let label):
            return label == commit.id.hex || label == commit.id.short ? "git:\(commit.id.short)" : "git:\(commit.id.short) (\(label))"
        case .index: return "git index"
        }
    }

    private var pathPrefix: String {
        switch location {
        case .revision(let commit, _): return commit.id.short + ":"
        case .index: return ":"
        }
    }

    public func read() throws(ConfigurationError) -> ConfigurationFiles {
        do {
            guard let nodes = try file(paths.nodesFile) else {
                throw ConfigurationError(diagnostics: [ConfigDiagnostic(
                    .error, .fileNotFound, "the nodes file does not exist in \(sourceDescription)",
                    at: .wholeFile(pathPrefix + paths.nodesFile),
                    hint: "the configuration was added later, or moved: compare with a revision that has it")])
            }
            var flows: [ConfigurationFiles.File] = []
            // A file reached twice (a path given twice, or a file and its directory) would define
            // its flows twice: named as such, as for files on disk.
            var givenAs: [String: String] = [:]
            var readTwice: [ConfigDiagnostic] = []
            for flowPath in paths.flowPaths {
                let single = try file(flowPath)
                let found = try single.map { [(path: flowPath, bytes: $0)] } ?? directory(flowPath)
                let earlier = Set(found.compactMap { givenAs[$0.path] })
                if single == nil, !found.isEmpty, earlier.count == 1, found.allSatisfy({ givenAs[$0.path] != nil }) {
                    readTwice.append(ConfigDiagnostic(
                        .error, .flowDefinedTwice, "this directory is given twice (also as \(earlier.first!)): its flows would be defined twice",
                        at: .wholeFile(pathPrefix + flowPath), hint: "give each flow file or directory once with --flow-definitions"))
                    continue
                }
                for (path, bytes) in found {
                    if let first = givenAs[path] {
                        let how = first == flowPath ? "is given twice" : "is read twice (through \(first) and \(flowPath))"
                        readTwice.append(ConfigDiagnostic(
                            .error, .flowDefinedTwice, "this flow file \(how): its flows would be defined twice",
                            at: .wholeFile(pathPrefix + path), hint: "give each flow file or directory once with --flow-definitions"))
                        continue
                    }
                    givenAs[path] = flowPath
                    flows.append(.init(path: pathPrefix + path, contents: bytes))
                }
            }
            if !readTwice.isEmpty { throw ConfigurationError(diagnostics: readTwice) }
            let read = [paths.nodesFile] + flows.map { String($0.path.dropFirst(pathPrefix.count)) }
            let filtered = try read.compactMap { path in try repository.contentFilter(of: path).map { (path, $0) } }
                .filter { $0.1 != "lfs" }  // a Git LFS pointer is named as such by the loader
            guard filtered.isEmpty else {
                // (The attributes are the repository's now: libgit2 cannot read them as a commit had them alone.)
                let hint: String
                switch location {
                case .revision(let commit, _):
                    hint = "compare checked-out files instead: check the revision out elsewhere (git worktree add /tmp/old "
                        + "\(commit.id.short)) and pass its files with -N/-F, and the new ones with -n/-f"
                case .index:
                    hint = "compare checked-out files instead: -N/-F for the old configuration and -n/-f for the new one"
                }
                throw ConfigurationError(diagnostics: filtered.map { path, filter in ConfigDiagnostic(
                    .error, .gitFilter, "git stores this file through the filter '\(filter)' (.gitattributes, as they are now), "
                        + "which selinon-migrate cannot run: \(sourceDescription) holds it cleaned, while workers read it as checked out",
                    at: .wholeFile(pathPrefix + path), hint: hint) })
            }
            return ConfigurationFiles(nodes: .init(path: pathPrefix + paths.nodesFile, contents: nodes), flows: flows)
        } catch let error as ConfigurationError {
            throw error
        } catch let error as GitError where error.kind == .unresolvedConflict {
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(
                .error, .gitConflict, error.message, at: .wholeFile(pathPrefix + paths.nodesFile))])
        } catch let error as GitError where error.kind == .directoryReachedTwice {
            // As the file system's walk of a flow directory names it.
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(
                .error, .flowDefinedTwice, error.message, at: .wholeFile(pathPrefix + (error.path ?? paths.nodesFile)),
                hint: "remove the link (workers would not start: \"Multiple definitions of flow\")")])
        } catch let error as GitError where error.kind == .outsideRepository || error.kind == .linkLoop || error.kind == .submodule {
            // What the repository holds, not a failure to read it.
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(
                .error, error.kind == .submodule ? .gitSubmodule : .gitLink, "cannot read \(sourceDescription): \(error.message)",
                at: .wholeFile(pathPrefix + paths.nodesFile))])
        } catch {
            throw ConfigurationError(diagnostics: [ConfigDiagnostic(
                .error, .fileUnreadable, "cannot read \(sourceDescription): \(error)", at: .wholeFile(pathPrefix + paths.nodesFile))])
        }
    }

    /// The flow paths given that hold nothing at this location — neither a file nor a directory
    /// with flow files: skipped by ``read()``, they explain flows that are listed but missing
    /// (a flow file renamed since, while `-f` names files one by one).
    public func absentFlowPaths() -> [String] {
        paths.flowPaths.filter { path in
            // A path that cannot be read (a submodule, a link out of the repository) is there:
            // reading the configuration names what is wrong with it.
            do {
                return try file(path) == nil && directory(path).isEmpty
            } catch {
                return false
            }
        }
    }

    private func file(_ path: String) throws -> [UInt8]? {
        switch location {
        case .revision(let commit, _): return try repository.file(at: path, in: commit.id)
        case .index: return try repository.indexFile(at: path)
        }
    }

    private func directory(_ path: String) throws -> [(path: String, bytes: [UInt8])] {
        switch location {
        case .revision(let commit, _):
            return try repository.files(under: path, in: commit.id, include: ConfigurationPaths.isFlowFileName, refusingDirectoriesReachedTwice: true)
        case .index:
            return try repository.indexFiles(under: path, include: ConfigurationPaths.isFlowFileName, refusingDirectoriesReachedTwice: true)
        }
    }
}
