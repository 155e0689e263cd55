import FlowMigration

extension Terminal {
    /// Loads the migration directory at `path` for a command that needs a valid one: prints
    /// every problem and throws the exit status — 1 for bad content, 2 when it cannot be read.
    func loadMigrationDirectory(_ path: String, allowMissing: Bool = false) throws -> MigrationDirectory {
        do {
            return try MigrationDirectory.load(from: path, allowMissing: allowMissing)
        } catch {
            message(error.description)
            throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }
    }
}
