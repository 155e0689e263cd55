import FlowConfig
import FlowMigration
import GitHistory
import MigrationGenerator

extension Terminal {
    /// When `generate` finds nothing to migrate between the last commit that changed the
    /// configuration and the working tree, that commit itself may have changed flows without
    /// its migration (committed before generating). Says so, with the command that generates it,
    /// unless the commit added a migration or a migration's `_meta` digests name its change.
    /// `configuration` is the one `source` holds, already loaded.
    func noteUnmigratedLastChange(_ source: GitConfigurationSource, configuration new: Configuration, loader: ConfigurationLoader,
                                  migrationDirectory: String?, command: String) {
        guard case .revision(let commit, _) = source.location, let parentID = commit.parents.first,
              let parent = try? source.repository.commit(id: parentID) else { return }
        let before = GitConfigurationSource(repository: source.repository, paths: source.paths, location: .revision(parent, label: parent.id.short))
        guard let old = try? loader.load(before.read()).configuration else { return }
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        guard plan.isNeeded else { return }
        if let migrationDirectory {
            let added = (try? source.repository.migrationFilesAdded(in: migrationDirectory, by: commit, after: parent)) ?? [:]
            if !added.isEmpty || MigrationsNow(directory: migrationDirectory).generated(from: old, to: new) != nil { return }
        }
        message("note: the last commit that changed the configuration, \(commit.id.short) (\(commit.summary)), changed "
            + "\(plan.changedFlowNames.joined(separator: ", ")) and added no migration for it; if it needs one (no deployment ran it "
            + "without), run: \(command) --from \(commit.id.short)~1 --to \(commit.id.short)")
    }
}
