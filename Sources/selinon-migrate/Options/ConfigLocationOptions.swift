import ArgumentParser
import FlowConfig
import Foundation
import MigrationGenerator

/// Where the (new) configuration is: `-n` nodes file and `-f` flow files or directories, named
/// as `selinon-cli` names them.
struct ConfigLocationOptions: ParsableArguments {
    @Option(name: [.customShort("n"), .customLong("nodes-definition")],
            help: ArgumentHelp("The nodes file (tasks, flows, storages, global).",
                               discussion: "Default: $SELINON_NODES_DEFINITION.", valueName: "file"))
    var nodesDefinition: String?

    @Option(name: [.customShort("f"), .customLong("flow-definitions")],
            help: ArgumentHelp("A flow-definitions file, or a directory whose *.yml/*.yaml files are read (repeatable).",
                               discussion: "Default: $SELINON_FLOW_DEFINITIONS (several paths separated by ':').",
                               valueName: "path"))
    var flowDefinitions: [String] = []

    @Option(name: .customLong("max-file-size"), parsing: .unconditional,
            help: ArgumentHelp("Reject YAML files larger than this (bytes; suffixes K, M, G; default: 64M).", valueName: "size"),
            transform: ByteCount.parse)
    var maxFileSize: ByteCount = ByteCount(bytes: 64 << 20)

    func validate() throws {
        if nodesDefinition?.isEmpty == true { throw ValidationError("-n/--nodes-definition is empty: name the nodes file.") }
        if flowDefinitions.contains(where: \.isEmpty) { throw ValidationError("-f/--flow-definitions is empty: name a file or a directory.") }
    }

    /// The options as given, for a command a message tells the user to run: ` -n NODES -f FLOWS…`
    /// (empty when they came from the environment).
    var shellArguments: String {
        (nodesDefinition.map { " -n " + shellWord($0) } ?? "") + flowDefinitions.map { " -f " + shellWord($0) }.joined()
    }

    /// The source, with environment defaults applied.
    /// - Throws: `ValidationError` when no nodes file or no flow definitions are given.
    func source(environment: [String: String]) throws -> FileSystemConfigurationSource {
        if nodesDefinition == nil, let error = StartupRefusal.environmentError("SELINON_NODES_DEFINITION") { throw error }
        if flowDefinitions.isEmpty, let error = StartupRefusal.environmentError("SELINON_FLOW_DEFINITIONS") { throw error }
        guard let nodes = nodesDefinition ?? environment["SELINON_NODES_DEFINITION"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("Missing the nodes file: pass -n/--nodes-definition or set SELINON_NODES_DEFINITION.")
        }
        var flows = flowDefinitions
        if flows.isEmpty, let fromEnvironment = environment["SELINON_FLOW_DEFINITIONS"] {
            flows = fromEnvironment.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        }
        guard !flows.isEmpty else {
            throw ValidationError("Missing the flow definitions: pass -f/--flow-definitions or set SELINON_FLOW_DEFINITIONS.")
        }
        return FileSystemConfigurationSource(nodesFile: nodes, flowPaths: flows, maxFileBytes: maxFileSize.bytes)
    }

    /// A loader for every configuration the command reads — files on disk and at git
    /// revisions — with `--max-file-size` as its limit on each file.
    func loader(environment: [String: String], checksConsistency: Bool = true) -> ConfigurationLoader {
        var options = ConfigurationLoader.Options(environment: environment, checksConsistency: checksConsistency)
        options.yamlLimits.maxInputBytes = maxFileSize.bytes
        return ConfigurationLoader(options: options)
    }

    /// Whether the environment names a whole configuration (`$SELINON_NODES_DEFINITION` and
    /// `$SELINON_FLOW_DEFINITIONS`), for commands that read one only when it is named.
    static func environmentNamesConfiguration(_ environment: [String: String]) -> Bool {
        environment["SELINON_NODES_DEFINITION"].map { !$0.isEmpty } == true
            && environment["SELINON_FLOW_DEFINITIONS"].map { !$0.isEmpty } == true
    }
}

/// A size given on the command line: `1048576`, `512K`, `64M`, `1G`.
struct ByteCount {
    var bytes: Int

    init(bytes: Int) {
        self.bytes = bytes
    }

    /// The size `argument` names, or an error that says what a size looks like.
    static func parse(_ argument: String) throws -> ByteCount {
        let invalid = ValidationError("'\(argument)' is not a size: give a positive number of bytes, optionally with K, M or G (64M)")
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var text = argument.uppercased()
        if text.hasSuffix("IB") { text.removeLast(2) } else if text.hasSuffix("B") { text.removeLast() }
        var multiplier = 1
        if let last = text.last, let factor = multipliers[last] {
            multiplier = factor
            text.removeLast()
        }
        guard let value = Int(text), value > 0 else { throw invalid }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw ValidationError("'\(argument)' is too large a size") }
        return ByteCount(bytes: product)
    }
}

extension ConfigurationLoader {
    /// This loader with errors in `global.trace` taken as warnings
    /// (``ConfigurationLoader/Options/checksTrace`` off): for configurations in-flight flows were
    /// started with — an old one to compare with, revisions of the history — which an earlier
    /// Selinon may have run with its own forms of it (`trace: true`), and for the new one under
    /// `generate --no-check`. Tracing changes no flow's edges; the configuration being deployed
    /// is otherwise read strictly.
    var toleratingTraceErrors: ConfigurationLoader {
        var options = options
        options.checksTrace = false
        return ConfigurationLoader(options: options)
    }
}
