import ArgumentParser

/// The `selinon-migrate` command: change Selinon flow definitions while flows are running.
@main
struct SelinonMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selinon-migrate",
        abstract: "Change Selinon task-flow definitions while flows are running.",
        discussion: """
            Exit codes (every command): 0 success; 1 the input or a check failed (for example an \
            invalid configuration); 2 the tool could not do its job (I/O error, internal error); \
            64 usage error.
            """,
        version: ToolVersion.current,
        subcommands: [Validate.self, Generate.self, Review.self, Diff.self, Analyze.self, Simulate.self, Execute.self, Check.self, Verify.self, Rehash.self, Rebase.self, History.self, Apply.self, Import.self, Export.self, Status.self]
    )
}
