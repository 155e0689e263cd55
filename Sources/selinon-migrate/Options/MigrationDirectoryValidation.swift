import ArgumentParser
import Foundation

/// Refuses `-m/--migration-dir ""`: an empty path names no directory, so it is a usage error
/// rather than "the migration directory does not exist" about a file named "".
func validateMigrationDirectory(_ path: String?) throws {
    if path?.isEmpty == true { throw ValidationError("-m/--migration-dir is empty: name the migration directory.") }
}

/// The migration directory when neither `-m` nor `global.migration_dir` names one: `migrations`
/// in the current directory, if it is there (as `review`, `verify` and `analyze` read it).
/// Commands that must not invent one — a missing directory would look like a history without
/// migrations — use it only when it exists.
var existingDefaultMigrationDirectory: String? {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: "migrations", isDirectory: &isDirectory) && isDirectory.boolValue ? "migrations" : nil
}
