import ArgumentParser

/// Refuses `-m/--migration-dir ""`: an empty path names no directory, so it is a usage error
/// rather than "the migration directory does not exist" about a file named "".
func validateMigrationDirectory(_ path: String?) throws {
    if path?.isEmpty == true { throw ValidationError("-m/--migration-dir is empty: name the migration directory.") }
}
