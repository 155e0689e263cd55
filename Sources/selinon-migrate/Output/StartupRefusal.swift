import ArgumentParser
import Foundation

/// What the process was started with that would make any command act on other files than the
/// user means, found before the command runs: one of the tool's environment variables in bytes
/// that are not UTF-8 (read with U+FFFD in their place, it names another path or store), and a
/// current directory that no longer exists (every relative path, the defaults included, would
/// be "not found" or "cannot be created" for a misleading reason).
enum StartupRefusal {
    /// The environment variables that name the configuration's files or the store.
    static let pathVariables = ["SELINON_NODES_DEFINITION", "SELINON_FLOW_DEFINITIONS", "SELINON_MIGRATE_STORE"]

    /// What to say and the exit status, when the command must not start.
    static func reason() -> (message: String, status: ExitCode)? {
        for name in pathVariables {
            guard let raw = getenv(name), String(validatingCString: raw) == nil else { continue }
            return ("Error: environment variable \(name) (\(String(cString: raw).debugDescription)) is not valid UTF-8; selinon-migrate reads "
                + "paths and names as UTF-8: rename the file, or reach it through a link with a UTF-8 name\n", ExitCode.validationFailure)
        }
        if let directory = getcwd(nil, 0) {
            free(directory)
        } else if errno == ENOENT {
            return ("error: the current directory no longer exists (it was removed, or replaced, after this shell entered it); "
                + "nothing was done\n  hint: cd into the directory again (cd \"$PWD\" enters one that was replaced)\n", ExitCode(2))
        }
        return nil
    }
}
