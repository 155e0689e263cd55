import ArgumentParser

/// The exit-code contract of every command (also listed in `--help`).
enum ExitStatus {
    /// The input or a check failed: an invalid configuration, a check that found a problem.
    static let inputFailed = ExitCode(1)
    /// The tool could not do its job: I/O errors, internal errors.
    static let toolFailed = ExitCode(2)
}
