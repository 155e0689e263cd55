import Foundation

/// The process's limit on open files (`ulimit -n`). Threads, pipes, the store's files and its
/// connections all take descriptors; below a few dozen the Swift runtime and its libraries trap
/// instead of reporting an error, so the command raises its own limit as far as the system lets
/// it and refuses to start, with the fix, when even that is too low.
enum OpenFileLimit {
    /// Below this many open files a command is refused before it starts: measured, the
    /// commands trap at about 20 (a store sweep, whose threads and database files take them).
    static let minimum: rlim_t = 64

    /// The soft limit raised to the hard one (capped, as macOS refuses more than its per-process
    /// maximum); the limit in force afterwards, or nil when it cannot be read.
    static func raise() -> rlim_t? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let wanted = min(limit.rlim_max, 1 << 20)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { return wanted }
        }
        return limit.rlim_cur
    }

    /// The soft limit in force, or nil when it cannot be read.
    static var current: rlim_t? {
        var limit = rlimit()
        return getrlimit(resource, &limit) == 0 ? limit.rlim_cur : nil
    }

    /// The error for a limit below ``minimum``, with the fix.
    static func tooLow(_ limit: rlim_t) -> String {
        "error: the open-file limit is \(limit) (ulimit -n), and selinon-migrate needs at least \(minimum) "
            + "(threads, pipes, the store's files and connections); nothing was done\n"
            + "  hint: raise it (ulimit -n 1024) and run again\n"
    }

    private static var resource: Int32 {
        #if os(Linux)
        Int32(RLIMIT_NOFILE.rawValue)
        #else
        RLIMIT_NOFILE
        #endif
    }
}
