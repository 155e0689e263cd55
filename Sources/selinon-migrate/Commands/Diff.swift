import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import MigrationReview

extension SelinonMigrate {
    /// `diff`: the structural change between two configurations.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Show the structural change between two flow configurations, and whether it needs a migration.",
            discussion: """
                Compares the loaded configurations, not their text: reformatting, comments, key \
                order and anchors that expand to the same thing are no change. Shows flows and tasks \
                added or removed, task definitions that changed, and per flow its edges (added, \
                removed, renumbered, changed condition, foreach or selective), failures and options — each flow \
                saying whether in-flight flows need a migration for it.

                The configurations are chosen as for generate: -N/-F and -n/-f, or from git \
                (--from/--to; by default the newest commit that changed the configuration against \
                the working tree).

                Example:
                  selinon-migrate diff \\
                      -N examples/package-analysis/v1/nodes.yml \\
                      -F examples/package-analysis/v1/flows \\
                      -n examples/package-analysis/v2/nodes.yml \\
                      -f examples/package-analysis/v2/flows

                Exit codes: 0 shown (whatever the change); 1 a configuration is invalid, or git \
                cannot resolve --from or --to; 2 a file or git could not be read (also a revision a shallow \
                clone lacks); 64 usage error (also: no -N/-F, and the nodes \
                file is in no git repository to read the old configuration from).
                """)

        @OptionGroup(title: "New configuration") var location: ConfigLocationOptions
        @OptionGroup(title: "Old configuration") var old: OldConfigOptions
        @OptionGroup(title: "Git (instead of -N/-F)") var gitOptions: GitOptions

        @Option(help: "Output format: text, markdown, or json.")
        var format: ReportFormat = .text

        func validate() throws {
            if old.oldNodesDefinition != nil && gitOptions.isRequested {
                throw ValidationError("--git, --from and --to take the old configuration from git; they cannot be combined with -N/-F.")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let (oldSource, newSource) = try ConfigurationPair.sources(location: location, old: old, git: gitOptions,
                                                                       environment: environment, terminal: terminal)
            let loader = location.loader(environment: environment)
            let (oldConfiguration, newConfiguration) = try await terminal.loadConfigurations(old: oldSource, new: newSource, with: loader)
            let diff = ConfigurationDiff(from: oldConfiguration, to: newConfiguration)
            switch format {
            case .text: terminal.output("\(oldSource.sourceDescription) → \(newSource.sourceDescription)\n" + diff.text)
            case .markdown:
                // Pasted into a pull request, the diff says which configurations it compares.
                terminal.output("From \(MarkdownText.codeSpan(oldSource.sourceDescription)) to \(MarkdownText.codeSpan(newSource.sourceDescription)).\n\n"
                    + diff.markdown)
            case .json:
                var members: [String: JSONValue] = ["old": .string(oldSource.sourceDescription), "new": .string(newSource.sourceDescription)]
                if case .object(let facts) = diff.jsonValue { members.merge(facts) { first, _ in first } }
                terminal.outputJSON(.object(members))
            }
        }
    }
}
