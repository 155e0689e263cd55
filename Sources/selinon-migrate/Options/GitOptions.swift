import ArgumentParser

/// Which git revisions to compare, when the old configuration comes from git.
struct GitOptions: ParsableArguments {
    @Flag(name: .customLong("git"), help: "Take the old configuration from git (the default without -N/-F inside a repository).")
    var git = false

    @Option(name: .customLong("from"),
            help: ArgumentHelp("The old revision (default: the newest commit that changed the configuration; with --to REV, "
                               + "the one before REV's newest change of it).", valueName: "revision"))
    var from: String?

    @Option(name: .customLong("to"),
            help: ArgumentHelp("The new configuration: 'worktree' (default), 'index', or a revision.", valueName: "revision"))
    var to: String?

    /// Whether the new configuration is the uncommitted one (working tree or index), which the
    /// newest committed change is compared with by default.
    var comparesWithUncommitted: Bool { to.map { ["worktree", "working-tree", "index"].contains($0) } ?? true }

    /// Whether any git option was given.
    var isRequested: Bool { git || from != nil || to != nil }
}
