import FlowConfig
import Foundation
import Testing
import TestSupport

/// Loading behaviour beyond single diagnostics: files on disk, file forms, options and limits.
struct ConfigurationLoaderTests {
    static let nodes = """
        tasks:
          - {name: Fetch, import: app.tasks}
          - {name: Parse, import: app.tasks}
        flows: [main_flow, side_flow]
        """
    static let mainFlow = """
        flow-definitions:
          - name: main_flow
            edges:
              - {from: , to: Fetch}
              - {from: Fetch, to: Parse}
        """
    static let sideFlow = """
        flow-definitions:
          - name: side_flow
            edges:
              - {from: , to: Parse}
        """

    @Test func readsADirectoryOfFlowFilesSkippingHiddenAndOtherFiles() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.sideFlow, to: "flows/b/side.yaml")
        try directory.write(Self.mainFlow, to: "flows/a.yml")
        try directory.write("not: [yaml", to: "flows/.hidden.yml")
        try directory.write("not yaml at all: [", to: "flows/notes.txt")
        let source = FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")])
        #expect(try source.flowFiles() == [directory.path("flows/a.yml"), directory.path("flows/b/side.yaml")])
        let configuration = try ConfigurationLoader().load(try source.read()).get()
        #expect(configuration.flows.keys.sorted() == ["main_flow", "side_flow"])
    }

    @Test func aFlowFileOrDirectoryGivenTwiceIsNamedNotItsFlows() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.mainFlow, to: "flows/a.yml")
        let flows = directory.path("flows"), file = directory.path("flows/a.yml")
        for (paths, message) in [
            ([flows, flows + "/"], "\(flows)/: error: this directory is given twice (also as \(flows)): its flows would be defined twice"),
            ([flows, file], "\(file): error: this flow file is read twice (also as \(file)): its flows would be defined twice"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: paths).read() }
            #expect(error?.diagnostics.map(\.description) == [message + "\n  hint: give each flow file or directory once with --flow-definitions"])
        }
    }

    @Test func anEmptyFlowFileIsNamedAsOne() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        let empty = try directory.write("", to: "empty.yml")
        let files = try FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [empty]).read()
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map(\.description).contains("\(empty): error: the flow file is empty\n  hint: a flow file needs 'flow-definitions'"),
                "\(diagnostics.map(\.description))")
    }

    @Test func missingFilesAreReportedByPath() throws {
        let directory = try TemporaryDirectory()
        let source = FileSystemConfigurationSource(nodesFile: directory.path("nodes.yml"), flowPaths: [directory.path("flows")])
        let error = #expect(throws: ConfigurationError.self) { try source.read() }
        #expect(error?.diagnostics.map(\.description) == [
            "\(directory.path("flows")): error: flow definitions not found: no such file or directory\n  hint: check the path given for the flow definitions (-f, or -F for an old configuration)",
            "\(directory.path("nodes.yml")): error: nodes file not found: no such file\n  hint: check the path given for the nodes file (-n, or -N for an old configuration)",
        ])
        #expect(error?.isReadFailure == false)
    }

    @Test func aHundredMegabyteFileIsRejectedBeforeReading() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("huge.yml")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 100 << 20)  // sparse: no 100 MB actually written
        try handle.close()
        let source = FileSystemConfigurationSource(nodesFile: path, flowPaths: [path])
        let error = #expect(throws: ConfigurationError.self) { try source.read() }
        #expect(error?.diagnostics.first?.code == .fileTooLarge)
        #expect(error?.diagnostics.first?.message == "the file is 104857600 bytes, more than the limit of 67108864 bytes")
    }

    @Test func aFileOfExactlyTheSizeLimitIsRead() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        let flowPath = try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""),
                                           to: "flows.yml")
        let limit = max(Self.nodes.utf8.count, try FileManager.default.attributesOfItem(atPath: flowPath)[.size] as! Int)
        let files = try FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [flowPath], maxFileBytes: limit).read()
        #expect(try ConfigurationLoader().load(files).get().flows.count == 2)
        let error = #expect(throws: ConfigurationError.self) {
            try FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [flowPath], maxFileBytes: limit - 1).read()
        }
        #expect(error?.diagnostics.map(\.code) == [.fileTooLarge])
    }

    @Test func aNodesFileThatIsADirectoryOrABrokenLinkIsNamedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let flowPath = try directory.write(Self.mainFlow, to: "flows.yml")
        try FileManager.default.createDirectory(atPath: directory.path("config"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.path("nodes.yml"), withDestinationPath: "moved/nodes.yml")
        for (path, message) in [(directory.path("config"), "the nodes file is a directory, not a file"),
                                (directory.path("nodes.yml"), "nodes file not found: a broken symbolic link")] {
            let error = #expect(throws: ConfigurationError.self) {
                try FileSystemConfigurationSource(nodesFile: path, flowPaths: [flowPath]).read()
            }
            #expect(error?.diagnostics.map { "\($0.location.file): \($0.code): \($0.message)" } == ["\(path): fileNotFound: \(message)"])
        }
    }

    @Test func aConfigurationErrorEndsWithItsNumberOfErrors() {
        let warning = ConfigDiagnostic(.warning, .unusedDefinition, "task 'Parse' is never run in any flow",
                                       at: FileLocation(file: "nodes.yml", line: 4, column: 5))
        let error = ConfigDiagnostic(.error, .unknownNode, "'Prase' in 'to' of edge 1 of flow 'main_flow' is neither a task nor a flow",
                                     at: FileLocation(file: "flows.yml", line: 5, column: 13))
        #expect(ConfigurationError(diagnostics: [warning, error]).description.hasSuffix("\n1 error"))
        #expect(ConfigurationError(diagnostics: [warning]).description.hasSuffix("\n0 errors"))
        let second = ConfigDiagnostic(.error, .unknownNode, "'Fecth' in 'to' of edge 0 of flow 'main_flow' is neither a task nor a flow",
                                      at: FileLocation(file: "flows.yml", line: 4, column: 13))
        #expect(ConfigurationError(diagnostics: [error, second]).description.hasSuffix("\n2 errors"))
    }

    @Test func aFlowFileMayBeAListOfFlowDefinitionSections() throws {
        let flows = """
            - flow-definitions:
                - name: main_flow
                  edges: [{from: , to: Fetch}, {from: Fetch, to: Parse}]
            - flow-definitions:
                - name: side_flow
                  edges: [{from: , to: Parse}]
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flows.utf8))])
        let configuration = try ConfigurationLoader().load(files).get()
        #expect(configuration.flows.count == 2)
    }

    @Test func globalDefaultQueueIsExpandedTwiceLikeSelinon() throws {
        let nodes = """
            global: {default_task_queue: "q{{ENV}}"}
            tasks: [{name: Fetch, import: app.tasks}]
            flows: [main_flow]
            """
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: Fetch}]}]"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let failed = ConfigurationLoader().load(files)
        #expect(failed.diagnostics.map(\.message) == [
            "Selinon expands the default queue 'q{ENV}' again for task 'Fetch', which fails: environment variable 'ENV' is not set",
        ])
        let expanded = try ConfigurationLoader(options: .init(environment: ["ENV": "prod"])).load(files).get()
        #expect(expanded.tasks[0].queue == "qprod")
    }

    @Test func noCheckSkipsOnlyTheConsistencyCheck() throws {
        let nodes = "tasks: [{name: Fetch, import: app.tasks}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: Fetch, to: Fetch}]}]"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        #expect(ConfigurationLoader().load(files).diagnostics.map(\.code) == [.flowStructure])
        let unchecked = ConfigurationLoader(options: .init(checksConsistency: false)).load(files)
        #expect(unchecked.diagnostics.isEmpty)
        #expect(unchecked.configuration != nil)
    }

    @Test func customPredicateModulesAreNotCheckedAgainstTheBuiltins() throws {
        let nodes = """
            global: {predicates_module: app.predicates}
            tasks: [{name: Fetch, import: app.tasks}, {name: Parse, import: app.tasks}]
            flows: [main_flow]
            """
        let flow = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse, condition: {name: isPremiumCustomer, args: {tier: gold}}}
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let configuration = try ConfigurationLoader().load(files).get()
        #expect(configuration.flows["main_flow"]?.edges[1].condition?.predicateCalls.map(\.name) == ["isPremiumCustomer"])
    }

    @Test func deeplyNestedConditionsHitTheDepthLimit() throws {
        let nested = String(repeating: "{not: ", count: 300) + "{name: alwaysTrue}" + String(repeating: "}", count: 300)
        let nodes = "tasks: [{name: Fetch, import: app.tasks}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: Fetch, condition: \(nested)}]}]"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map(\.code) == [.yamlLimit])
        #expect(diagnostics.first?.message == "lists and mappings nest deeper than 256 levels")
    }

    @Test func anErrorReachedThroughManyAliasesIsReportedOnce() throws {
        // One unknown name of 10,000 characters, used 1,500 times through an alias: one error, not
        // 1,500 identical ones.
        let name = String(repeating: "a", count: 10_000)
        let targets = "[&n \(name)" + String(repeating: ", *n", count: 1_500) + "]"
        let text = "tasks: [{name: Fetch, import: t}]\nflows: [f]\nflow-definitions:\n  - name: f\n    edges:\n"
            + "      - {from: , to: Fetch}\n      - {from: Fetch, to: \(targets)}\n"
        let files = ConfigurationFiles(nodes: .init(path: "all.yml", contents: Array(text.utf8)),
                                       flows: [.init(path: "all.yml", contents: Array(text.utf8))])
        let errors = ConfigurationLoader().load(files).diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1, "\(errors.map(\.message))")
    }

    @Test func subFlowCyclesAreFoundInAndOnlyInCycles() throws {
        // A chain of 3,000 sub-flows (searched once, not from each of its flows), a ring of three
        // reached from the chain, and a flow that starts itself.
        var flows = (0..<3_000).map { ("c\($0)", $0 + 1 < 3_000 ? "c\($0 + 1)" : "r0") }
        flows += [("r0", "r1"), ("r1", "r2"), ("r2", "r0"), ("self", "self")]
        let nodes = "tasks: [{name: T, import: t}]\nflows: [\(flows.map(\.0).joined(separator: ", "))]\n"
        let definitions = "flow-definitions:\n" + flows.map { "  - {name: \($0.0), edges: [{from: , to: \($0.1)}]}\n" }.joined()
        let result = ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                                   flows: [.init(path: "flows.yml", contents: Array(definitions.utf8))]))
        let cycles = result.diagnostics.filter { $0.code == .subflowCycle }.map(\.message)
        #expect(cycles == ["flow 'r0' starts itself through sub-flows: r0 → r1 → r2 → r0",
                           "flow 'self' starts itself through sub-flows: self → self"], "\(cycles)")
        #expect(result.configuration != nil)
    }

    @Test func diagnosticsFromSeveralFilesAreSortedByFileAndLine() throws {
        let nodes = "tasks: [{name: Fetch, import: app.tasks, max_retry: -1}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: Fecth}]}]"
        let files = ConfigurationFiles(nodes: .init(path: "b-nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "a-flows.yml", contents: Array(flow.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map(\.location.file) == ["a-flows.yml", "b-nodes.yml"])
        #expect(diagnostics.first?.hint == "did you mean 'Fetch'?")
    }

    /// "Did you mean" compares names within a band of the few edits it suggests: two unknown
    /// names of 30,000 characters a letter apart cost a row per character, not a table of 900
    /// million cells (which took gigabytes), and typos one, two and three edits away are found.
    @Test func suggestionsStayCheapForLongNamesAndFindNearTypos() throws {
        let long = String(repeating: "A", count: 30_000)
        let nodes = "tasks: [{name: \(long), import: app.tasks}, {name: Fetch, import: app.tasks}, {name: Compatibility, import: app.tasks}]\n"
            + "flows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: \(long)B}, {from: , to: Fecth}, "
            + "{from: , to: Compatbilty}, {from: , to: Fxyz}]}]"
        let diagnostics = ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                                        flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])).diagnostics
        let hints = diagnostics.filter { $0.code == .unknownNode }.map(\.hint)
        #expect(hints.count == 4, "\(diagnostics.map(\.message))")
        #expect(hints.contains("did you mean '\(long)'?"), "one edit away, however long")
        #expect(hints.contains("did you mean 'Fetch'?"))
        #expect(hints.contains("did you mean 'Compatibility'?"), "two edits")
        #expect(!hints.contains { $0.contains("'Fetch'") && $0 != "did you mean 'Fetch'?" })
    }

    /// A declared name that is itself invalid (reported where it is declared) is never suggested
    /// for the correct name that refers to it.
    @Test func anInvalidDeclaredNameIsNoSuggestion() throws {
        let nodes = "tasks: [{name: \"Parse\\n\", import: app.tasks}, {name: Fetch, import: app.tasks}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: Fetch}, {from: Fetch, to: Parse}]}]"
        let diagnostics = ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                                        flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])).diagnostics
        let unknown = try #require(diagnostics.first { $0.code == .unknownNode })
        #expect(unknown.hint == "define it in the nodes file's 'tasks' or 'flows'", "\(unknown.hint)")
        #expect(diagnostics.contains { $0.code == .invalidName })
    }

    @Test func aFlowDefinedInTwoFilesIsReportedOnceAtTheSecondAndTheSecondIsNotRead() throws {
        // Files are read in parallel; a flow defined in two of them must still come out as reading
        // them one after another does: the first definition kept, the second only reported.
        let second = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Unknown}
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "a.yml", contents: Array(Self.mainFlow.utf8)),
                                               .init(path: "b.yml", contents: Array(Self.sideFlow.utf8)),
                                               .init(path: "c.yml", contents: Array(second.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map { "\($0.location): \($0.message)" } == [
            "c.yml:2:11: flow 'main_flow' is defined twice",
        ], "nothing about the second definition's unknown node: it is never read")
        #expect(diagnostics.first?.hint == "the first definition is at a.yml:2:5; remove one")
    }

    @Test func aFlowDefinedTwiceBesideAFileWithParseProblemsReportsEachProblemOnce() throws {
        // Reporting a flow defined twice reads the flow files again one after another, parsing
        // them again: what parsing found (an error, a warning) must still be reported once.
        let unparsable = "flow-definitions:\n  - name: [side_flow\n"
        let duplicateKey = """
            flow-definitions:
              - name: side_flow
                name: side_flow
                edges:
                  - {from: , to: Parse}
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "a.yml", contents: Array(Self.mainFlow.utf8)),
                                               .init(path: "b.yml", contents: Array(unparsable.utf8)),
                                               .init(path: "c.yml", contents: Array(duplicateKey.utf8)),
                                               .init(path: "d.yml", contents: Array(Self.mainFlow.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map { "\($0.location.file) \($0.severity) \($0.code)" } == [
            "b.yml error yamlSyntax",
            "c.yml warning yamlDuplicateKey",
            "d.yml error flowDefinedTwice",
        ], "\(diagnostics)")
    }

    /// A trace storage whose own definition has errors is reported there, not also as "not defined".
    @Test func aTraceNamingABrokenStorageIsNotCalledUndefined() throws {
        let nodes = Self.nodes + """

            storages:
              - {name: S, import: app.storages, classname: S}
            global:
              trace: [{storage: {name: S, method: trace}}]
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array((Self.mainFlow + "\n" + String(Self.sideFlow.dropFirst(18))).utf8))])
        let messages = ConfigurationLoader().load(files).diagnostics.filter { $0.severity == .error }.map(\.message)
        #expect(messages == ["storage 'S' needs a non-empty 'configuration'"], "\(messages)")
    }

    /// Storage names may hold any text, and Selinon compares them code point by code point: a
    /// task naming its storage with a decomposed accent ("o" and U+0308) where the storage is
    /// defined precomposed ("ö") names no storage — Swift's `==` would call the two equal.
    @Test func storageNamesCompareByCodePointAsInPython() throws {
        let composed = "P\u{F6}stgres", decomposed = "Po\u{308}stgres"
        #expect(composed == decomposed)  // (what the check must not rely on)
        func errors(storages: [String], used: String) -> [ConfigDiagnostic] {
            let nodes = Self.nodes.replacingOccurrences(of: "  - {name: Fetch, import: app.tasks}",
                                                        with: "  - {name: Fetch, import: app.tasks, storage: \(used)}")
                + "\nstorages:\n" + storages.map { "  - {name: \($0), import: app.storages, classname: S, configuration: {a: 1}}\n" }.joined()
            #expect(nodes.contains("storage: \(used)"))
            let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                           flows: [.init(path: "flows.yml", contents: Array((Self.mainFlow + "\n" + String(Self.sideFlow.dropFirst(18))).utf8))])
            return ConfigurationLoader().load(files).diagnostics.filter { $0.severity == .error || $0.code == .unusedDefinition }
        }
        let mismatch = errors(storages: [composed], used: decomposed)
        #expect(mismatch.map(\.code) == [.unknownStorage], "\(mismatch)")
        #expect(mismatch.first?.hint.hasPrefix("it differs from '\(composed)' only in how an accented letter is encoded") == true, "\(mismatch)")
        // Both spellings defined: two storages to Python, each used or unused on its own.
        let both = errors(storages: [composed, decomposed], used: decomposed)
        #expect(both.map(\.message) == ["storage '\(composed)' is not used by any task"], "\(both)")
        #expect(errors(storages: [composed], used: composed).isEmpty)
    }

    /// A predicate bound to a task whose storage is read-only is an error only when the condition
    /// reads task results (`fieldExist`, …): one reading the flow's arguments alone is valid, as
    /// in Selinon (the fixture `predicate-read-only-storage` is the other side).
    @Test func aReadOnlyStorageTaskMayBeBoundToAPredicateOfArgumentsOnly() throws {
        let nodes = """
            storages:
              - {name: Results, import: app.storage, configuration: {url: "postgres://db"}}
            tasks:
              - {name: Fetch, import: app.tasks, storage: Results}
              - {name: Audit, import: app.tasks, storage: Results, storage_readonly: true}
              - {name: Parse, import: app.tasks}
            flows: [main_flow]
            """
        func diagnostics(_ condition: String) -> [ConfigDiagnostic] {
            let flow = "flow-definitions:\n  - name: main_flow\n    edges:\n      - {from: , to: [Fetch, Audit]}\n"
                + "      - {from: [Fetch, Audit], to: Parse, condition: \(condition)}\n"
            return ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                                 flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])).diagnostics
        }
        #expect(diagnostics("{name: argsFieldExist, node: Audit, args: {key: audit}}").isEmpty)
        #expect(diagnostics("{name: fieldExist, node: Audit, args: {key: audit}}").map(\.code) == [.predicateNode],
                "\(diagnostics("{name: fieldExist, node: Audit, args: {key: audit}}"))")
    }

    /// The forms of `trace` earlier Selinon versions took (`trace: true`, a function named beside
    /// its module) are errors for Selinon 1.4, with a hint at its form; with `checksTrace` off
    /// (`generate --no-check`) they are warnings and the configuration loads.
    @Test func earlierFormsOfTraceAreWarningsWhenTraceIsNotChecked() throws {
        for trace in ["trace: true", "trace: {import: app.tracing, function: trace_func}"] {
            let nodes = Self.nodes + "\nglobal:\n  \(trace)\n"
            let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                           flows: [.init(path: "flows.yml", contents: Array((Self.mainFlow + "\n" + String(Self.sideFlow.dropFirst(18))).utf8))])
            let strict = ConfigurationLoader().load(files)
            #expect(strict.configuration == nil && !strict.diagnostics.filter { $0.severity == .error }.isEmpty, "\(trace)")
            if trace.contains("import") {
                #expect(strict.diagnostics.contains { $0.message == "unknown key 'import' in 'trace'"
                    && $0.hint.hasSuffix("Selinon 1.4 writes function: {import: MODULE, name: FUNCTION}") }, "\(strict.diagnostics)")
            }
            var options = ConfigurationLoader.Options()
            options.checksTrace = false
            let lenient = ConfigurationLoader(options: options).load(files)
            #expect(lenient.configuration != nil, "\(trace): \(lenient.diagnostics)")
            #expect(lenient.diagnostics.filter { $0.severity == .warning }.count >= strict.diagnostics.filter { $0.severity == .error }.count)
            #expect(lenient.diagnostics.allSatisfy { $0.severity == .warning && $0.message.hasSuffix("workers of Selinon 1.4 do not start on it)") },
                    "\(lenient.diagnostics)")
        }
    }

    /// Names Selinon writes into Python code follow Python's rule beyond ASCII too (the first
    /// character XID_Start, the others XID_Continue), and a combining mark after a dot does not
    /// hide the dot.
    @Test func namesBeyondASCIIFollowPythonsRule() throws {
        let nodes = """
            tasks:
              - {name: A, import: "m.t²sks"}
              - {name: B, import: "m.ᢅ"}
              - {name: C, import: "m.a·", classname: "A²"}
            flows: [main_flow]
            """
        let flow = "flow-definitions:\n  - name: main_flow\n    edges:\n      - {from: , to: [A, B, C]}\n"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let messages = ConfigurationLoader().load(files).diagnostics.filter { $0.severity == .error }.map(\.message)
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.hasPrefix("'import' of task 'A' 'm.t²sks' is not a module path: 't²sks' holds '²' (U+00B2), which a Python name cannot") == true)
        #expect(messages.last?.hasPrefix("'classname' of task 'C' 'A²' holds '²' (U+00B2), which a Python name cannot") == true, "\(messages)")
    }

    /// Each "did you mean" compares a name with every node: a file of thousands of unknown names
    /// gets hints for the first ones, and every name is still reported.
    @Test func unknownNamesGetSuggestionsUpToALimitPerFile() throws {
        let flow = "flow-definitions:\n  - name: main_flow\n    edges:\n      - {from: , to: Fetch}\n      - from: Fetch\n        to: ["
            + (0..<150).map { _ in "Fecth" }.joined(separator: ", ") + "]\n"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let unknown = ConfigurationLoader().load(files).diagnostics.filter { $0.code == .unknownNode }
        #expect(unknown.count == 150)
        #expect(unknown.filter { $0.hint == "did you mean 'Fetch'?" }.count == 100)
        #expect(unknown.last?.hint == "define it in the nodes file's 'tasks' or 'flows'")
    }

    @Test func aFlowDefinedTwiceIsReportedEvenWhenItsFirstDefinitionHasErrors() throws {
        let broken = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fecth}
            """
        for flowFiles in [[("a.yml", broken), ("b.yml", Self.mainFlow)], [("a.yml", broken + "\n" + String(Self.mainFlow.dropFirst(18)))]] {
            let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                           flows: flowFiles.map { .init(path: $0.0, contents: Array($0.1.utf8)) })
            let diagnostics = ConfigurationLoader().load(files).diagnostics
            #expect(diagnostics.map(\.message) == [
                "'Fecth' in 'to' of edge 0 of flow 'main_flow' is neither a task nor a flow",
                "flow 'main_flow' is defined twice",
            ])
            #expect(diagnostics.last?.hint == "the first definition is at a.yml:2:5; remove one")
        }
    }

    @Test func manyFlowFilesLoadAsTheyDoOneByOne() throws {
        // Forty files, every fourth naming an unknown node and every fifth with an unknown key: the flows and the
        // diagnostics are those of reading the files one after another, whatever core reads which.
        var nodes = "tasks:\n  - {name: Fetch, import: app.tasks}\n  - {name: Parse, import: app.tasks}\nflows:\n"
        var flowFiles: [ConfigurationFiles.File] = []
        for index in 0..<40 {
            nodes += "  - flow\(index)\n"
            let target = index % 4 == 0 ? "Prase" : "Parse"
            let extra = index % 5 == 0 ? "    unknown_key: 1\n" : ""
            let text = "flow-definitions:\n  - name: flow\(index)\n\(extra)    edges:\n      - {from: , to: Fetch}\n"
                + "      - {from: Fetch, to: \(target)}\n"
            flowFiles.append(.init(path: String(format: "flows/%02d.yml", index), contents: Array(text.utf8)))
        }
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)), flows: flowFiles)
        let result = ConfigurationLoader().load(files)
        var expected: [String] = []
        for index in 0..<40 {
            let file = String(format: "flows/%02d.yml", index)
            let edgeLine = index % 5 == 0 ? 6 : 5
            if index % 5 == 0 { expected.append("\(file):3:5: error") }
            if index % 4 == 0 { expected.append("\(file):\(edgeLine):27: error") }
        }
        #expect(result.diagnostics.map { "\($0.location): \($0.severity)" } == expected)
        #expect(result.configuration == nil)

        let fixed = ConfigurationFiles(nodes: files.nodes, flows: flowFiles.map { file in
            .init(path: file.path, contents: Array(String(decoding: file.contents, as: UTF8.self)
                .replacingOccurrences(of: "Prase", with: "Parse").replacingOccurrences(of: "    unknown_key: 1\n", with: "").utf8))
        })
        let configuration = try ConfigurationLoader().load(fixed).get()
        #expect(configuration.flows.count == 40)
        #expect(configuration.flows["flow39"]?.edges.map(\.to) == [["Fetch"], ["Parse"]])
    }

    @Test func aCountBeyondSixtyFourBitsIsNamedAsTooLargeWithoutFollowOnWarnings() throws {
        let nodes = "tasks: [{name: Fetch, import: app.tasks, max_retry: 9223372036854775808, retry_countdown: 5}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, edges: [{from: , to: Fetch}]}]"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map(\.message) == [
            "'max_retry' of task 'Fetch' is 9223372036854775808, beyond the largest count this tool handles (9223372036854775807)",
        ], "not 'must be a non-negative integer', and not 'max_retry is 0'")
    }

    @Test func flowDirectoryProblemsReachTheDiagnostics() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""), to: "flows/all.yml")
        try FileManager.default.createSymbolicLink(atPath: directory.path("flows/broken.yml"), withDestinationPath: "/nonexistent")
        try FileManager.default.createDirectory(atPath: directory.path("empty"), withIntermediateDirectories: true)
        let source = FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows"), directory.path("empty")])
        let result = ConfigurationLoader().load(from: source)
        // selinon-cli stops at the broken link: an error, so validate fails where workers would.
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map { "\($0.severity): \($0.location.file): \($0.message)" } == [
            "warning: \(directory.path("empty")): the directory holds no *.yml or *.yaml files",
            "error: \(directory.path("flows/broken.yml")): a broken symbolic link, not a file: selinon-cli reads every *.yml and *.yaml name below the directory, so workers would fail to start on it",
        ])
    }

    @Test func aFlowFileNamedInOtherBytesThanUTF8IsNamedAsSuch() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""), to: "flows/all.yml")
        // "\xff.yml": Python (and so Selinon) reads it; Foundation would list it as "\u{FFFD}.yml", which opens nothing.
        let raw = Array((directory.path("flows") + "/").utf8) + [0xFF] + Array(".yml".utf8) + [0]
        let descriptor = raw.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        // A directory of such a name holds flow files workers read, too; another file is no flow file.
        for name in [Array("old".utf8) + [0xE9], Array("notes".utf8) + [0xFF] + Array(".txt".utf8)] {
            let path = Array((directory.path("flows") + "/").utf8) + name + [0]
            let made = path.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { name.last == 0xE9 ? mkdir($0.baseAddress!, 0o755) : open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
            }
            #expect(made >= 0)
            if name.last != 0xE9 { close(made) }
        }
        let result = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")]))
        #expect(result.diagnostics.map { "\($0.location.file) \($0.code.rawValue): \($0.message)" } == [
            "\(directory.path("flows/\\xFF.yml")) file-unreadable: its name is not valid UTF-8, so selinon-migrate cannot open it (Selinon's workers read it)",
            "\(directory.path("flows/old\\xE9")) file-unreadable: a directory whose name is not valid UTF-8, so selinon-migrate cannot read the flow "
                + "files below it (Selinon's workers read them)",
        ], "\(result.diagnostics)")
    }

    @Test func filesThatAreNotFilesAreNamedForWhatTheyAre() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""), to: "flows/all.yml")
        #expect(mkfifo(directory.path("flows/pipe.yml"), 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.path("flows/loop.yml"), withDestinationPath: "loop.yml")
        let result = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")]))
        #expect(result.configuration == nil, "errors; the pipe is never opened")
        #expect(result.diagnostics.map(\.message) == ["a symbolic link loop, not a file: selinon-cli reads every *.yml and *.yaml name below the directory, so workers would fail to start on it", "a named pipe, not a file: selinon-cli reads every *.yml and *.yaml name below the directory, so workers would fail to start on it"])
        let loop = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: directory.path("flows/loop.yml"), flowPaths: []))
        #expect(loop.diagnostics.map(\.message) == ["cannot read the nodes file: a symbolic link loop"])
    }

    /// selinon-cli walks a directory once per path that reaches it: flow files under a linked
    /// directory that is also reached directly, or under a link back up, are read twice (or
    /// without end) and their flows defined again. Such links are errors naming both paths; a
    /// linked directory reached once, or one that holds no flow file, is fine.
    @Test func aDirectoryReachedTwiceBelowAFlowDirectoryIsAnError() throws {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(Self.nodes, to: "nodes.yml")
        try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""), to: "flows/v2/all.yml")
        try directory.write("notes\n", to: "flows/docs/README")
        try FileManager.default.createSymbolicLink(atPath: directory.path("flows/current"), withDestinationPath: "v2")
        try FileManager.default.createSymbolicLink(atPath: directory.path("flows/also-docs"), withDestinationPath: "docs")
        let twice = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")]))
        #expect(twice.configuration == nil)
        #expect(twice.diagnostics.map { "\($0.location.file): \($0.message)" } == [
            "\(directory.path("flows/current")): the same directory as \(directory.path("flows/v2")): selinon-cli reads the flow files in it twice, "
                + "so their flows are defined twice",
        ], "\(twice.diagnostics.map(\.message))")
        try FileManager.default.removeItem(atPath: directory.path("flows/current"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("flows/v2/up"), withDestinationPath: "..")
        let loop = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")]))
        #expect(loop.diagnostics.map { "\($0.location.file): \($0.message)" } == [
            "\(directory.path("flows/v2/up")): a link back to \(directory.path("flows")), which holds it: selinon-cli walks this loop again "
                + "and again, reading the flow files in it each time, so their flows are defined many times",
        ], "\(loop.diagnostics.map(\.message))")
        try FileManager.default.removeItem(atPath: directory.path("flows/v2/up"))
        let once = ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [directory.path("flows")]))
        #expect(once.configuration != nil && once.diagnostics.isEmpty, "\(once.diagnostics.map(\.message))")
    }

    @Test func theSizeLimitIsTheLinkedFilesAndMayBeRaised() throws {
        // 3 MB of YAML behind a link; the limit applies to the file read, not to the link.
        let directory = try TemporaryDirectory()
        let large = Self.nodes + String(repeating: "# padding padding padding padding padding padding padding padding\n", count: 48_000)
        try directory.write(large, to: "real/nodes.yml")
        try FileManager.default.createSymbolicLink(atPath: directory.path("nodes.yml"), withDestinationPath: "real/nodes.yml")
        try directory.write(Self.mainFlow + "\n" + Self.sideFlow.replacingOccurrences(of: "flow-definitions:\n", with: ""), to: "flows.yml")
        func load(limit: Int) -> ConfigurationLoadResult {
            ConfigurationLoader(options: .init(yamlLimits: .init(maxInputBytes: 1 << 20)))
                .load(from: FileSystemConfigurationSource(nodesFile: directory.path("nodes.yml"), flowPaths: [directory.path("flows.yml")],
                                                          maxFileBytes: limit))
        }
        #expect(load(limit: 1 << 20).diagnostics.map(\.code) == [.fileTooLarge])
        // A source that admitted a larger file raises the parser's own limit to match.
        #expect(load(limit: 8 << 20).configuration != nil)
    }

    @Test func anAliasBombIsOneErrorAtTheValueThatUsesIt() throws {
        var bomb = "x-bomb:\n  - &b0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
        for level in 1..<8 { bomb += "  - &b\(level) [" + Array(repeating: "*b\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let nodes = bomb + """
            tasks: [{name: A, import: t, storage: S1}, {name: B, import: t, storage: S2}]
            flows: [f]
            storages:
              - {name: S1, import: m, configuration: {bomb: *b7}}
              - {name: S2, import: m, configuration: {host: localhost}}
            flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: B}]}]
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)), flows: [])
        let errors = ConfigurationLoader().load(files).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.code) == [.yamlLimit], "\(errors)")
        #expect(errors.first?.location.line == 13, "the configuration that uses the alias, not the anchor")
    }

    @Test func aGitLFSPointerIsNamedAsSuch() {
        let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(pointer.utf8)), flows: [])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.map(\.code) == [.gitLFSPointer])
        #expect(diagnostics.first?.message == "the nodes file is a Git LFS pointer, not the file itself")
    }

    /// libyaml reads UTF-16 and UTF-32 with a byte order mark; Selinon's workers read UTF-8 only.
    @Test func aFileInAnotherEncodingThanUTF8IsRefusedAndAUTF8MarkIsNot() {
        let nodes = "tasks: [{name: A, import: t}]\nflows: [f]\nflow-definitions: [{name: f, edges: [{from: , to: A}]}]\n"
        func load(_ bytes: [UInt8]) -> [ConfigDiagnostic] {
            ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: bytes), flows: [])).diagnostics
        }
        let utf16LE: [UInt8] = [0xFF, 0xFE] + nodes.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let utf16BE: [UInt8] = [0xFE, 0xFF] + nodes.utf16.flatMap { unit -> [UInt8] in [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        // Without a mark (iconv -t UTF-16BE writes none), the zero bytes of the first character tell.
        let utf32LE: [UInt8] = nodes.unicodeScalars.flatMap { scalar -> [UInt8] in [UInt8(scalar.value & 0xFF), 0, 0, 0] }
        let utf32BE: [UInt8] = nodes.unicodeScalars.flatMap { scalar -> [UInt8] in [0, 0, 0, UInt8(scalar.value & 0xFF)] }
        for (bytes, encoding) in [(utf16LE, "UTF-16LE"), (utf16BE, "UTF-16BE"), (Array(utf16LE.dropFirst(2)), "UTF-16LE"),
                                  (Array(utf16BE.dropFirst(2)), "UTF-16BE"), (utf32LE, "UTF-32LE"), (utf32BE, "UTF-32BE")] {
            let diagnostics = load(bytes)
            #expect(diagnostics.map(\.code) == [.notUTF8])
            #expect(diagnostics.first?.message == "the nodes file is \(encoding); Selinon reads configuration files as UTF-8, so its workers cannot load it")
            #expect(diagnostics.first?.location.line == 1)
        }
        #expect(load([0xEF, 0xBB, 0xBF] + Array(nodes.utf8)).map(\.message) == load(Array(nodes.utf8)).map(\.message))
    }

    @Test func diagnosticsShowControlCharactersAsEscapesAndCutHugeNames() {
        // An unknown node named with a terminal escape and a line break, and one 5,000 characters long.
        let long = String(repeating: "x", count: 5_000)
        let flow = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: "\\e]0;pwned\\a\\e[31mRED\\nsrc/fake.yml:1:1: error: forged"}
                  - {from: , to: \(long)}
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let text = ConfigurationLoader().load(files).diagnostics.map(\.description).joined(separator: "\n")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(text.contains(#"\u{1B}]0;pwned\u{7}\u{1B}[31mRED\u{A}src/fake.yml:1:1: error: forged"#))
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("src/fake.yml") }, "no forged diagnostic line")
        #expect(text.contains(" characters left out) …"))
        #expect(!text.contains(long))
        // Cut in the middle: what the message says about the value comes through.
        #expect(text.contains("' in 'to' of edge 1 of flow 'main_flow' is neither a task nor a flow"), "\(text.suffix(300))")
    }

    @Test func builtinPredicateArgumentsOfTheWrongKindAreWarnedAbout() throws {
        let nodes = """
            tasks:
              - {name: Fetch, import: app.tasks, storage: Results}
              - {name: Parse, import: app.tasks}
            storages:
              - {name: Results, import: app.storages, classname: Results, configuration: {host: localhost}}
            flows: [main_flow]
            """
        let flow = """
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenGreater, args: {key: items, length: "3"}}}
                  - {from: Fetch, to: Parse, condition: {name: envEqual, args: {env: 5, value: yes}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldEqual, args: {key: {a: 1}, value: 1}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenEqual, args: {key: [items, 0], length: 2}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldEqual, args: {key: [], value: 1}}}  # the whole result
                  - {from: Fetch, to: Parse, condition: {name: fieldLenEqual, args: {key: items, length: "2"}}}
                  # Python compares numbers by value: none of these is a problem.
                  - {from: Fetch, to: Parse, condition: {name: fieldLenEqual, args: {key: items, length: 3.0}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenGreater, args: {key: items, length: 0.5}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenEqual, args: {key: items, length: true}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenNotEqual, args: {key: items, length: "2"}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenEqual, args: {key: items, length: 2.5}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldLenLess, args: {key: items, length: .nan}}}
                  - {from: Fetch, to: Parse, condition: {name: fieldEqual, args: {key: [items, true], value: 1}}}  # items[1]
                  - {from: Fetch, to: Parse, condition: {name: fieldEqual, args: {key: [items, 1.0], value: 1}}}
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let result = ConfigurationLoader().load(files)
        #expect(result.configuration != nil, "Selinon accepts all of them")
        #expect(result.diagnostics.filter { $0.code == .predicateArguments }.map { "\($0.location.line) \($0.message)" } == [
            "5 argument 'length' of predicate 'fieldLenGreater' is a string; it is compared with an integer, so 'fieldLenGreater' is always false",
            "6 argument 'env' of predicate 'envEqual' is an integer; environment variable names are strings: 'envEqual' raises an error when it is evaluated",
            "6 argument 'value' of predicate 'envEqual' is a boolean; it is compared with a string, so 'envEqual' is always false",
            "7 argument 'key' of predicate 'fieldEqual' is a mapping; a key is a name or a list of names (a path into the result), so 'fieldEqual' is always false",
            "10 argument 'length' of predicate 'fieldLenEqual' is a string; it is compared with an integer, so 'fieldLenEqual' is always false",
            "15 argument 'length' of predicate 'fieldLenNotEqual' is a string; a length is a whole number, so 'len != length' holds whenever the field has a length: 'fieldLenNotEqual' is always true there",
            "16 argument 'length' of predicate 'fieldLenEqual' is a float; a whole number never equals it, so 'fieldLenEqual' is always false",
            "17 argument 'length' of predicate 'fieldLenLess' is a float; NaN orders nothing, so 'fieldLenLess' is always false",
            "19 argument 'key' of predicate 'fieldEqual' is a list; a key is a name or a list of names (a path into the result), so 'fieldEqual' is always false",
        ])
    }

    @Test func mergeConflictMarkersInYAMLSayToResolveTheConflict() {
        let flow = """
            flow-definitions:
              - name: main_flow
                edges:
            <<<<<<< HEAD
                  - {from: , to: Fetch}
            =======
                  - {from: , to: Parse}
            >>>>>>> feature
            """
        let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                       flows: [.init(path: "flows.yml", contents: Array(flow.utf8))])
        let diagnostics = ConfigurationLoader().load(files).diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("git merge conflict markers (line 4); ") == true)
        #expect(diagnostics.first?.hint == "resolve the merge conflict in this file, then run the command again")
    }
}

/// A flow's `max_retry` and `retry_countdown`, which Selinon writes with `%d` into its workers'
/// start-up code without validating them.
struct FlowRetrySettingsTests {
    static func load(_ settings: String) -> ConfigurationLoadResult {
        let nodes = "tasks: [{name: Fetch, import: app.tasks}]\nflows: [main_flow]\n"
        let flow = "flow-definitions: [{name: main_flow, \(settings), edges: [{from: , to: Fetch}]}]\n"
        return ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                             flows: [.init(path: "flows.yml", contents: Array(flow.utf8))]))
    }

    @Test func aFloatIsTruncatedAndANegativeCountKeptAsSelinonDoes() throws {
        let result = Self.load("max_retry: 1.5, retry_countdown: -1")
        let flow = try #require(result.configuration?.flows["main_flow"], "\(result.diagnostics)")
        #expect(flow.maxRetry == 1 && flow.retryCountdown == -1)
        #expect(result.diagnostics.map { "\($0.severity): \($0.message)" } == [
            "warning: 'max_retry' of flow 'main_flow' is the float 1.5; Selinon truncates it to 1",
            "warning: 'retry_countdown' of flow 'main_flow' is negative (-1); Selinon keeps it, and it acts as 0",
        ])
    }

    @Test(arguments: ["max_retry: .inf", "max_retry: .nan", "max_retry: null", "retry_countdown: '5'"])
    func whatBreaksWorkerStartUpIsAnError(_ settings: String) {
        let result = Self.load(settings)
        #expect(result.configuration == nil)
        #expect(result.diagnostics.count == 1 && result.diagnostics.allSatisfy { $0.severity == .error }, "\(result.diagnostics)")
    }
}

/// `throttling` as Selinon reads it: `if not throttling` — any value Python reads as false is no
/// throttling; any other value that is not a mapping is an error.
struct ThrottlingTests {
    static func load(task: String, flow: String) -> ConfigurationLoadResult {
        let nodes = "tasks: [{name: Fetch, import: app.tasks\(task)}]\nflows: [main_flow]\n"
        let flows = "flow-definitions: [{name: main_flow\(flow), edges: [{from: , to: Fetch}]}]\n"
        return ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                             flows: [.init(path: "flows.yml", contents: Array(flows.utf8))]))
    }

    @Test(arguments: ["false", "0", "0.0", "''", "[]", "{}", "null"])
    func aValuePythonReadsAsFalseIsNoThrottling(_ value: String) throws {
        let result = Self.load(task: ", throttling: \(value)", flow: ", throttling: \(value)")
        let configuration = try #require(result.configuration, "\(result.diagnostics)")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(configuration.tasks.first?.throttling == nil && configuration.flows["main_flow"]?.throttling == nil)
    }

    @Test(arguments: ["true", "1", "'x'", "[1]"])
    func anyOtherValueThatIsNotAMappingIsAnError(_ value: String) {
        let result = Self.load(task: ", throttling: \(value)", flow: "")
        #expect(result.configuration == nil)
        #expect(result.diagnostics.map(\.message).contains { $0.hasPrefix("task 'Fetch' 'throttling' must be a mapping") }, "\(result.diagnostics)")
    }
}
