import CStandardStreams

/// Standard input, output or error that the process started without (`<&-`, `>&-`, a daemon's
/// closed descriptors). They are held open on /dev/null from the start, so that no file the tool
/// opens takes their numbers; reading or writing them here fails with this error instead.
enum ClosedStandardStreams {
    /// Whether standard input was closed when the process started.
    static var input: Bool { selinon_closed_standard_streams() & 1 != 0 }
    /// Whether standard output was closed when the process started.
    static var output: Bool { selinon_closed_standard_streams() & 2 != 0 }

    /// Whether `path` names standard input (`-`, or one of its device names), which cannot be
    /// read when ``input`` says it was closed.
    static func isClosedInput(_ path: String) -> Bool {
        input && ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"].contains(path)
    }

    /// Why standard output cannot be written.
    static let outputReason = "standard output was closed when selinon-migrate started (>&-): send it to a file, or to /dev/null"
    /// Why standard input cannot be read.
    static let inputReason = "standard input was closed when selinon-migrate started (<&-): give the input a file, or </dev/null for none"
}
