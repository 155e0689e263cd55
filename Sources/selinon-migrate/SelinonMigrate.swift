import ArgumentParser
import FlowConfig
import Foundation

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
        // Every subcommand sets its commandName: without it, the argument parser derives each name
        // with String(describing:), whose dynamic casts search all protocol conformances of this
        // large binary on every start (about two thirds of the start-up's time).
        subcommands: [Validate.self, Generate.self, Review.self, Diff.self, Analyze.self, Simulate.self, Execute.self, Check.self, Verify.self, Rehash.self, Rebase.self, History.self, Apply.self, Import.self, Export.self, Status.self]
    )

    /// Runs the command; an error it throws is reported with that command's usage (a usage
    /// error found while running, such as a missing `-f`, would otherwise show the overview's).
    static func main() async {
        // Ctrl-\ (SIGQUIT) quits, as it does any program: Swift's crash reporter would print a
        // backtrace that reads like a crash, and the command would then go on.
        signal(SIGQUIT, SIG_DFL)
        // Swift decodes arguments as UTF-8, replacing what is not: a path of other bytes would
        // silently name another file (written, or "not found" when it exists).
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index],
                  String(validatingCString: argument) == nil else { continue }
            FileHandle.standardError.write(Data(("Error: argument \(index) (\"\(StartupRefusal.shown(argument))\") is not valid "
                + "UTF-8; selinon-migrate reads paths and names as UTF-8: rename the file, or reach it through a link with a UTF-8 name\n").utf8))
            exit(withError: ExitCode.validationFailure)
        }
        if let unknown = unknownCommand(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data(unknown.utf8))
            exit(withError: ExitCode.validationFailure)
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        if let refusal = StartupRefusal.reason(for: command) {
            FileHandle.standardError.write(Data(refusal.message.utf8))
            exit(withError: refusal.status)
        }
        // Below a few dozen open files the runtime traps part way through a command; a limit the
        // hard limit allows to raise is raised (as Go programs do), one that cannot be is refused.
        if let limit = OpenFileLimit.raise(), limit < OpenFileLimit.minimum {
            FileHandle.standardError.write(Data(OpenFileLimit.tooLow(limit).utf8))
            exit(withError: ExitCode(2))
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch let error as ValidationError where type(of: command) != SelinonMigrate.self {
            let usage = usageString(for: type(of: command))
            let name = usage.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            FileHandle.standardError.write(Data("Error: \(error)\nUsage: \(usage)\n  See 'selinon-migrate \(name) --help' for more information.\n".utf8))
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(withError: error)
        }
    }

    /// The error for a first argument (or the argument of `help`) that names no command, with the
    /// command it most likely meant; `nil` when the arguments name a command or start with an
    /// option. The argument parser itself reports a mistyped command as an unexpected argument,
    /// and `help` with an unknown name as the overview with exit status 0.
    static func unknownCommand(in arguments: [String]) -> String? {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        var arguments = arguments[...]
        if arguments.first == "help" { arguments = arguments.dropFirst() }
        guard let word = arguments.first, !word.hasPrefix("-"), !names.contains(word), word != "help" else { return nil }
        let suggestion = NameSuggestion.closest(to: word.lowercased(), in: names)
        return "Error: '\(word)' is not a selinon-migrate command"
            + (suggestion.map { "; did you mean '\($0)'?" } ?? "") + "\n"
            + "  See 'selinon-migrate --help' for the commands.\n"
    }

    /// Without a command there is nothing to do: the overview goes to standard error and the
    /// exit is a usage error, so that a script that lost its command fails instead of passing.
    /// (`--help` and `help` still print it to standard output and exit 0.)
    func run() async throws {
        FileHandle.standardError.write(Data((Self.helpMessage() + "\nerror: name a command\n").utf8))
        throw ExitCode(64)
    }
}
