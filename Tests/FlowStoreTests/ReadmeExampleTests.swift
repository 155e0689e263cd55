import FlowConfig
import FlowMigration
import FlowStore
import Foundation
import Testing
import TestSupport

/// The README's Swift examples, compiled: each function below holds one example verbatim
/// between `// README begin` and `// README end` (indented as in the README plus the function
/// body's), with the names the example leaves to the reader declared before it; the test checks
/// that README.md still shows exactly those lines, so an example that no longer compiles cannot
/// stay in the README.
struct ReadmeExampleTests {
    static func dispatcherStoreExample(dispatcherID: String, newMessage: [UInt8]) async throws {
        // The names the example leaves to the reader.
        func rescheduleForANewerWorker() {}
        func failTheFlow(_ taints: [Taint]) {}
        func restart(_ flow: StoredFlow) {}
        func flowHasEnded(_ message: [UInt8]) -> Bool { false }
        // README begin
        let store = try StoreLocation(parsing: "postgres://selinon@db/flows")
            .open(createIfMissing: true, maximumConnections: 16)  // optional: logger (swift-log); the pool's size (default 4)
        try await store.prepare(createIfMissing: true)
        let chain = MigrationChain(directory: try MigrationDirectory.load(from: "migrations"))
        let flows = DispatcherStore(store: store, migrator: StreamMigrator(migrator: Migrator(chain: chain)))

        if let loaded = try await flows.load(flowID: dispatcherID) {
            switch loaded.outcome {
            case .skew: return rescheduleForANewerWorker()                    // untouched
            case .fail, .alreadyFailed: return failTheFlow(loaded.taints)     // stored as failed
            case .retry: restart(loaded.flow)                                  // state reset, retry_requested (until saved)
            default: break
            }
            // … run the dispatcher step, then write its new message:
            do {
                let saved = try await flows.save(loaded.flow, message: newMessage)
                if flowHasEnded(newMessage) { try await flows.finish(saved) }  // removed, compare-and-swap too
            } catch where error.kind == .conflict {
                // someone changed the flow meanwhile: load it again and redo the step
            }
        }
        // README end
    }

    static func configurationExample() {
        // README begin
        let source = FileSystemConfigurationSource(nodesFile: "nodes.yml", flowPaths: ["flows/"])
        let result = ConfigurationLoader(options: .init(environment: ProcessInfo.processInfo.environment))
            .load(from: source)
        for diagnostic in result.diagnostics { print(diagnostic) }   // path:line:column: error: …
        if let configuration = result.configuration {
            for edge in configuration.flows["package_analysis_flow"]?.edges ?? [] {
                print(edge.index, edge.from, "→", edge.to)
            }
        }
        // README end
    }

    static func migratorExample(line: String) throws {
        func persist(_ message: [UInt8]) {}
        func markFailed(_ message: DispatcherMessage, _ taints: [Taint]) {}
        func leaveForANewerWorker(_ message: DispatcherMessage) {}
        // README begin
        let chain = MigrationChain(directory: try MigrationDirectory.load(from: "migrations"))
        let migrator = Migrator(chain: chain, policy: TaintPolicy(overrides: ["*": .retry]))
        let message = try DispatcherMessage(jsonBytes: Array(line.utf8))
        switch try migrator.migrate(message) {
        case .upToDate: break
        case .migrated(let migrated, _, _, _), .retry(let migrated, _, _, _): persist(migrated.jsonBytes)
        case .fail(_, _, let taints): markFailed(message, taints)
        case .skew: leaveForANewerWorker(message)
        }
        // README end
    }

    @Test func theReadmeShowsTheseExamplesVerbatim() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8).components(separatedBy: "\n")
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var examples: [[String]] = []
        var current: [String]?
        for line in source {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "// README begin" { current = [] } else if trimmed == "// README end" {
                examples.append(current ?? [])
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        #expect(examples.count == 3)
        for example in examples {
            // The function body's indentation (8 spaces) is not the README's.
            let text = example.map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }.joined(separator: "\n")
            #expect(readme.contains(text), "README.md no longer shows this example as it compiles here:\n\(text)")
        }
    }
}
