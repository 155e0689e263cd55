import ArgumentParser
import FlowConfig
import Foundation

/// What the process was started with that would make a command act on other files than the
/// user means, found before it runs: a current directory that no longer exists (every relative
/// path, the defaults included, would be "not found" or "cannot be created" for a misleading
/// reason). Help is shown all the same.
enum StartupRefusal {
    /// What to say and the exit status, when `command` must not start.
    static func reason(for command: any ParsableCommand) -> (message: String, status: ExitCode)? {
        // (The argument parser's help command, for `--help`, `-h` and `help COMMAND`.)
        guard _typeName(type(of: command), qualified: false) != "HelpCommand" else { return nil }
        if let directory = getcwd(nil, 0) {
            free(directory)
        } else if errno == ENOENT {
            return ("error: the current directory no longer exists (it was removed, or replaced, after this shell entered it); "
                + "nothing was done\n  hint: cd into the directory again (cd \"$PWD\" enters one that was replaced)\n", ExitCode(2))
        }
        return nil
    }

    /// The usage error for environment variable `name` when its value is not UTF-8 (read with
    /// U+FFFD in place of those bytes, it would name another file or store); `nil` when it is
    /// unset or UTF-8. Checked where a command takes the variable, not before every command.
    static func environmentError(_ name: String) -> ValidationError? {
        guard let raw = getenv(name), String(validatingCString: raw) == nil else { return nil }
        return ValidationError("environment variable \(name) (\"\(shown(raw))\") is not valid UTF-8; selinon-migrate reads paths and names as "
            + "UTF-8: rename the file, or reach it through a link with a UTF-8 name (or give the path as an option).")
    }

    /// A C string that is not UTF-8 as text, each byte that is not written `\xHH` (U+FFFD, as
    /// Swift would read it, loses the byte).
    static func shown(_ text: UnsafePointer<CChar>) -> String {
        FileSystemConfigurationSource.escapingInvalidUTF8(UnsafeBufferPointer(start: text, count: strlen(text)).map { UInt8(bitPattern: $0) })
    }
}
