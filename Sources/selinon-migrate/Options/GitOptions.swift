import ArgumentParser

/// Which git revisions to compare, when the old configuration comes from git.
struct GitOptions: ParsableArguments {
    @Flag(name: .customLong("git"), help: "Take the old configuration from git (the default without -N/-F inside a repository).")
    var git = false

    @Option(name: .customLong("from"),
            help: ArgumentHelp("The old revision (default: the newest commit that changed the configuration).", valueName: "revision"))
    var from: String?

    @Option(name: .customLong("to"),
            help: ArgumentHelp("The new configuration: 'worktree' (default), 'index', or a revision.", valueName: "revision"))
    var to: String?

    /// Whether any git option was given.
    var isRequested: Bool { git || from != nil || to != nil }
}
