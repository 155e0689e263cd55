import ArgumentParser
import FlowConfig

/// Where the old configuration is (the one in-flight flows were started with): `-N` and `-F`,
/// named as in `selinon-cli migrate`.
struct OldConfigOptions: ParsableArguments {
    @Option(name: [.customShort("N"), .customLong("old-nodes-definition")],
            help: ArgumentHelp("The old nodes file.", valueName: "file"))
    var oldNodesDefinition: String?

    @Option(name: [.customShort("F"), .customLong("old-flow-definitions")],
            help: ArgumentHelp("An old flow-definitions file or directory (repeatable).", valueName: "path"))
    var oldFlowDefinitions: [String] = []

    func validate() throws {
        if oldNodesDefinition?.isEmpty == true { throw ValidationError("-N/--old-nodes-definition is empty: name the old nodes file.") }
        if oldFlowDefinitions.contains(where: \.isEmpty) {
            throw ValidationError("-F/--old-flow-definitions is empty: name a file or a directory.")
        }
        if (oldNodesDefinition == nil) != oldFlowDefinitions.isEmpty {
            throw ValidationError("Give both the old nodes file (-N/--old-nodes-definition) and the old flow definitions (-F/--old-flow-definitions).")
        }
    }

    /// The old configuration's source, or `nil` when none was given.
    func source(maxFileBytes: Int) -> FileSystemConfigurationSource? {
        guard let oldNodesDefinition, !oldFlowDefinitions.isEmpty else { return nil }
        return FileSystemConfigurationSource(nodesFile: oldNodesDefinition, flowPaths: oldFlowDefinitions, maxFileBytes: maxFileBytes)
    }
}
