import ArgumentParser
import FlowConfig
import GitHistory

/// Which two configurations `generate` and `diff` compare.
enum ConfigurationPair {
    /// `-N`/`-F` and `-n`/`-f`, or from git — by default the newest commit that changed the
    /// configuration against the working tree (generate before committing, as with Selinon).
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
            guard let commit = try context.newestChange() else {
                terminal.message("error: \(context.paths.nodesFile) was never committed: there is no old configuration in git\n"
                    + "  hint: commit the current configuration first, or give the old one with -N/-F")
                throw ExitStatus.inputFailed
            }
            return (GitConfigurationSource(repository: context.repository, paths: context.paths,
                                           location: .revision(commit, label: "last change")), new)
        } catch let error as GitError {
            throw terminal.fail(error)
        }
    }
}
