import ArgumentParser
import FlowConfig
import GitHistory

/// Which two configurations `generate` and `diff` compare.
enum ConfigurationPair {
    /// `-N`/`-F` and `-n`/`-f`, or from git — by default the newest commit that changed the
    /// configuration against the working tree (generate before committing, as with Selinon).
    /// With `--to REV` and no `--from`, the old configuration is the one REV's newest change
    /// started from (that change's first parent): the migration for the change REV brought,
    /// never one from a later commit back to REV.
    static func sources(location: ConfigLocationOptions, old: OldConfigOptions, git: GitOptions, environment: [String: String],
                        terminal: Terminal) throws -> (old: any ConfigurationSource, new: any ConfigurationSource) {
        let workingTree = try location.source(environment: environment)
        if let explicit = old.source(maxFileBytes: location.maxFileSize.bytes) { return (explicit, workingTree) }
        let context: GitContext
        do {
            context = try GitContext(workingTree: workingTree)
        } catch {
            guard git.isRequested || error.kind != .notARepository else {
                throw ValidationError("Give the old configuration with -N/-F, or run inside the git repository that holds the configuration (\(error.message)).")
            }
            throw terminal.fail(error)
        }
        do {
            let new = try context.source(git.to ?? "worktree")
            if let from = git.from { return (try context.source(from), new) }
            if let target = new as? GitConfigurationSource, case .revision(let revision, let label) = target.location {
                return (try changeStart(of: revision, label: label, in: context, terminal: terminal), new)
            }
            guard let commit = try context.newestChange() else {
                terminal.message("error: \(context.paths.nodesFile) was never committed: there is no old configuration in git\n"
                    + "  hint: commit the current configuration first, or give the old one with -N/-F")
                throw ExitStatus.inputFailed
            }
            return (GitConfigurationSource(repository: context.repository, paths: context.paths(at: commit),
                                           location: .revision(commit, label: "last change")), new)
        } catch let error as GitError {
            throw terminal.fail(error)
        }
    }

    /// The configuration the newest change at or before `revision` started from.
    private static func changeStart(of revision: GitCommit, label: String, in context: GitContext,
                                    terminal: Terminal) throws -> any ConfigurationSource {
        guard let change = try context.repository.newestCommitChanging(context.paths(at: revision), from: revision.id) else {
            terminal.message("error: \(context.paths.nodesFile) does not exist at \(label): there is no configuration to migrate to\n"
                + "  hint: name a revision that has the configuration with --to")
            throw ExitStatus.inputFailed
        }
        guard let parentID = change.parents.first, case let parent = try context.repository.commit(id: parentID),
              try context.repository.newestCommitChanging(context.paths(at: parent), from: parentID) != nil else {
            terminal.message("error: the configuration at \(label) was first committed in \(change.id.short) (\(change.summary)): "
                + "there is no older configuration to migrate from\n"
                + "  hint: give the old configuration with --from REV or -N/-F")
            throw ExitStatus.inputFailed
        }
        return GitConfigurationSource(repository: context.repository, paths: context.paths(at: parent),
                                      location: .revision(parent, label: "before \(change.id.short)"))
    }
}
