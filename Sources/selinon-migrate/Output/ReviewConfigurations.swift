import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator
import MigrationReview

/// The edges of every flow after each migration version of a directory, as far as they can be
/// known for a review: the configuration given on the command line (after the newest
/// migration), the configurations `_meta` names (files that still exist, git revisions) — of the
/// reviewed migrations and of the migrations next to them, whose `_meta` names the same
/// configurations — each accepted only when it matches the digest recorded in the migration;
/// then every other version derived through the migrations.
struct ReviewConfigurations {
    /// Edges after version `v` (`0`: before the first migration).
    private(set) var edgesAfter: [Int: MigrationReviewer.FlowEdges] = [:]
    /// The versions whose edges were derived through migrations rather than loaded: their
    /// conditions and `foreach` are those of the configuration they were derived from.
    private(set) var derived: Set<Int> = []
    /// Why something is missing, per migration version.
    private(set) var notes: [Int: [String]] = [:]
    /// The configurations of reviewed migrations that git could not read, described.
    private(set) var gitReadFailures: [String] = []
    /// The configurations loaded (not derived), after version `v`.
    private(set) var configurationAfter: [Int: Configuration] = [:]

    /// - Parameters:
    ///   - current: the configuration after the newest migration, if given.
    ///   - git: the repository and configuration paths for `_meta` sources that are revisions.
    init(directory: MigrationDirectory, versions: [Int], current: Configuration?, git: GitContext?, loader: ConfigurationLoader) {
        let latest = directory.latestVersion
        if let current {
            let recorded = directory.files.last?.migration.metadata?["digests"]?["new"]?.stringValue
            let edges = MigrationReviewer.edges(of: current)
            // Without a digest, only what the file records can contradict it.
            let misfit = latest == 0 || recorded != nil ? nil : MigrationReviewer.misfit(edges, after: directory.files[latest - 1].migration)
            if let misfit {
                notes[latest, default: []].append("the configuration given (-n/-f) is not the one migration \(latest) leads to "
                    + "(\(misfit)); it was not used")
            } else if latest == 0 || recorded == nil || recorded == StructureDigest.digest(of: current) {
                edgesAfter[latest] = edges
                configurationAfter[latest] = current
                if latest > 0 && recorded == nil {
                    notes[latest, default: []].append("migration \(latest) records no digests (_meta), so the configuration given (-n/-f) "
                        + "cannot be proven to be the one it leads to: the edges are shown as that configuration has them")
                }
            } else {
                notes[latest, default: []].append(
                    "the configuration given (-n/-f) is not the one migration \(latest) was generated for (its digest differs); it was not used")
            }
        }
        for version in versions {
            // The configuration after `after` is this migration's side, or the neighbour's other side.
            for (after, side, neighbour, neighbourSide) in [(version, "new", version + 1, "old"), (version - 1, "old", version - 1, "new")]
            where edgesAfter[after] == nil {
                var failure: String?
                for (file, fileSide) in [(version, side), (neighbour, neighbourSide)]
                where file >= 1 && file <= latest && edgesAfter[after] == nil {
                    let meta = directory.files[file - 1].migration.metadata
                    guard let description = meta?[fileSide]?.stringValue else { continue }
                    switch Self.load(description, digest: meta?["digests"]?[fileSide]?.stringValue, git: git, loader: loader) {
                    case .success(let configuration):
                        edgesAfter[after] = MigrationReviewer.edges(of: configuration)
                        configurationAfter[after] = configuration
                    case .failure(let reason):
                        if file == version { failure = "the \(side) configuration (\(description)): \(reason.text)" }
                        if file == version && reason.isGitReadFailure { gitReadFailures.append("migration \(version): \(failure!)") }
                    }
                }
                if edgesAfter[after] == nil, let failure { notes[version, default: []].append(failure) }
            }
        }
        // Derive what is still missing: backwards first (complete edges), then forwards.
        for version in stride(from: latest, through: 1, by: -1) where edgesAfter[version - 1] == nil {
            if let after = edgesAfter[version] {
                edgesAfter[version - 1] = MigrationReviewer.oldEdges(from: after, through: directory.files[version - 1].migration)
                derived.insert(version - 1)
            }
        }
        for version in (0..<latest).map({ $0 + 1 }) where edgesAfter[version] == nil {
            if let before = edgesAfter[version - 1] {
                edgesAfter[version] = MigrationReviewer.newEdges(from: before, through: directory.files[version - 1].migration)
                derived.insert(version)
            }
        }
    }

    /// Why a configuration named in `_meta` could not be used.
    struct Unavailable: Error {
        var text: String
        /// Git could not read the revision (nor find the configuration elsewhere in the history):
        /// the clone may lack it (shallow), or the repository could not be read.
        var isGitReadFailure = false
        /// The revision is not in the repository, which is no shallow clone: it was rewritten (or
        /// is on a branch this clone did not fetch), and the configuration itself, given on the
        /// command line, stands in for it.
        var isRewritten = false
    }

    /// How many commits back from HEAD a configuration named by a revision that is gone is looked for.
    static let searchDepth = 50

    /// The configuration of HEAD or of one of its `searchDepth` first-parent ancestors whose
    /// digest is `digest`: a revision `_meta` names may be gone (history rewritten, a shallow
    /// clone) while its configuration is still in the history, as `verify --git` finds it.
    static func configuration(withDigest digest: String, in git: GitContext, loader: ConfigurationLoader) -> Configuration? {
        var commit = try? git.repository.commit("HEAD")
        var seen: ConfigurationSnapshot?
        var paths = git.headPaths
        for _ in 0..<searchDepth {
            guard let current = commit, let snapshot = try? git.repository.snapshot(of: paths, at: current.id) else { return nil }
            if snapshot != seen, let configuration = (try? git.configuration(at: current, paths: paths, loader: loader)) ?? nil,
               StructureDigest.digest(of: configuration) == digest {
                return configuration
            }
            seen = snapshot
            // Past a commit that moved the files, they are where they were before it.
            if let before = (try? git.repository.pathsBeforeMove(of: paths, in: current)) ?? nil {
                paths = before
                seen = nil
            }
            commit = current.parents.first.flatMap { try? git.repository.commit(id: $0) }
        }
        return nil
    }

    /// The configuration files `_meta` describes as `description` (paths joined by ` + `), when
    /// they all exist here; nil for a git source or files that are not here.
    static func recordedFiles(_ description: String) -> FileSystemConfigurationSource? {
        guard !description.hasPrefix("git:"), description != "git index" else { return nil }
        let paths = description.components(separatedBy: " + ")
        guard paths.count >= 2, paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return FileSystemConfigurationSource(nodesFile: paths[0], flowPaths: Array(paths.dropFirst()))
    }

    /// The configuration `_meta` describes as `description` (`git:<revision> …`, `git index`, or
    /// file paths joined by ` + `), accepted only when its digest is `digest`.
    static func load(_ description: String, digest: String?, git: GitContext?,
                             loader: ConfigurationLoader) -> Result<Configuration, Unavailable> {
        let source: any ConfigurationSource
        if description.hasPrefix("git:") || description == "git index" {
            guard let git else {
                return .failure(Unavailable(text: "a git revision; pass -n/-f (inside the repository) to read the configuration there"))
            }
            if description == "git index" {
                source = GitConfigurationSource(repository: git.repository, paths: git.paths, location: .index)
            } else {
                let revision = MigrationHistoryCheck.RecordedChange.revision(recordedAs: description) ?? ""
                do {
                    let commit = try git.repository.commit(revision)
                    source = GitConfigurationSource(repository: git.repository, paths: git.paths(at: commit),
                                                    location: .revision(commit, label: revision))
                } catch {
                    if let digest, let found = configuration(withDigest: digest, in: git, loader: loader) { return .success(found) }
                    // In a whole history, a revision that is not there was rewritten (a squash merge, a
                    // rebase, a branch deleted since): nothing to fetch. A shallow clone may just lack it.
                    if error.kind == .unknownRevision && !git.repository.isShallow {
                        return .failure(Unavailable(text: "revision \(revision) is not in this repository (squashed or rebased since, or on "
                            + "a branch deleted since or not fetched here), and no configuration with its digest is among the last "
                            + "\(searchDepth) commits", isRewritten: true))
                    }
                    return .failure(Unavailable(text: "revision \(revision) cannot be read (\(error.message)), and no configuration with its "
                        + "digest is among the last \(searchDepth) commits", isGitReadFailure: true))
                }
            }
        } else {
            guard let files = recordedFiles(description) else { return .failure(Unavailable(text: "its files are not here")) }
            source = files
        }
        let configuration: Configuration?
        do {
            configuration = loader.load(try source.read()).configuration
        } catch {
            return .failure(Unavailable(text: "cannot be read"))
        }
        guard let configuration else { return .failure(Unavailable(text: "has errors (run validate)")) }
        if let digest, StructureDigest.digest(of: configuration) != digest {
            // A revision recorded wrong (edited by hand) while the history holds the configuration recorded.
            if description.hasPrefix("git:"), let git, let found = Self.configuration(withDigest: digest, in: git, loader: loader) {
                return .success(found)
            }
            return .failure(Unavailable(text: "changed since the migration was generated (its digest differs)"))
        }
        return .success(configuration)
    }
}
