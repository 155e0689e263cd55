import FlowConfig
import Testing

/// What reading the nodes file and flow definitions reports, and reads, beyond the diagnostics
/// fixtures: values Selinon rejects or that stop its workers, and errors that must not echo.
struct DefinitionReadingTests {
    /// The diagnostics of a combined nodes-and-flows file, as `validate` prints them.
    static func diagnostics(_ text: String) -> [String] {
        let file = ConfigurationFiles.File(path: "config.yml", contents: Array(text.utf8))
        return ConfigurationLoader().load(ConfigurationFiles(nodes: file, flows: [file])).diagnostics.map(\.description)
    }

    static let nodes = """
        tasks:
          - name: Fetch
            import: app.tasks
          - name: Parse
            import: app.tasks
        flows:
          - main_flow

        """

    // MARK: - Flow files

    /// A flow file of its own holds flow-definitions only: Selinon warns about other keys.
    @Test func anUnknownKeyInASeparateFlowFileIsAWarning() {
        let flow = """
            description: the main pipeline
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
            """
        let result = ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(Self.nodes.utf8)),
                                                                   flows: [.init(path: "flows.yml", contents: Array(flow.utf8))]))
        #expect(result.diagnostics.map(\.description) == [
            "flows.yml:1:1: warning: unknown key 'description' in a flow-definitions file\n"
                + "  hint: known keys: tasks, flows, storages, global, flow-definitions",
        ])
        #expect(result.configuration != nil)
    }

    @Test func aNodeStartedTwiceByOneEdgeIsAWarning() {
        let text = Self.nodes + """
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: [Parse, Parse]
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:14:13: warning: 'Parse' appears twice in 'to' of edge 1 of flow 'main_flow'; Selinon starts it twice\n"
                + "  hint: list it once, unless it should run twice",
        ])
    }

    @Test func aSelectiveRunNamesOnlyTasks() {
        let text = Self.nodes + """
              - fetch_flow
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: fetch_flow
                    selective: {tasks: [Prase]}
              - name: fetch_flow
                edges:
                  - from:
                    to: Parse
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:16:29: error: selective run of edge 1 of flow 'main_flow' names 'Prase', which is not a task\n"
                + "  hint: did you mean 'Parse'?",
        ])
    }

    @Test func runSubsequentMayListFlows() throws {
        let text = Self.nodes + """
              - fetch_flow
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: fetch_flow
                    selective: {tasks: [Parse], run_subsequent: [fetch_flow]}
              - name: fetch_flow
                edges:
                  - from:
                    to: Parse
            """
        let file = ConfigurationFiles.File(path: "config.yml", contents: Array(text.utf8))
        let configuration = try ConfigurationLoader().load(ConfigurationFiles(nodes: file, flows: [file])).get()
        #expect(configuration.flows["main_flow"]?.edges[1].selective
                    == SelectiveRun(tasks: ["Parse"], runSubsequent: .flows(["fetch_flow"])))
    }

    @Test func aFailureWithAnEmptyNodesListIsAnError() {
        let text = Self.nodes + """
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                failures:
                  - nodes: []
                    fallback: Parse
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:14:16: error: 'nodes' of a failure of flow 'main_flow' is empty\n"
                + "  hint: name the failed nodes it handles: nodes: [A, B]",
        ])
    }

    // MARK: - Names that could not be read are not echoed

    /// A task without a name is reported once: a flow naming the task it was meant to be is not
    /// blamed for an unknown node.
    @Test func aTaskWithoutANameIsNotEchoedAsUnknownNodes() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - import: app.tasks
                classname: Parse
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: Parse
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:4:5: error: task has no 'name'\n  hint: every task needs a name",
        ])
    }

    @Test func aFlowsEntryThatIsNotANameIsNotEchoedAsAnUnlistedFlow() {
        let text = Self.nodes + """
              - name: side_flow
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
              - name: side_flow
                edges:
                  - from:
                    to: Parse
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:8:5: error: the flow name must be a string, found a mapping\n  hint: write one value here, not a list or mapping",
        ])
    }

    @Test func aNullTasksListIsReportedWhereItIsWritten() {
        let text = """
            flows:
              - main_flow
            tasks:
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:3:7: error: the nodes file defines no 'tasks'\n  hint: add a 'tasks' list (it may be empty: tasks: [])",
        ])
    }

    // MARK: - Storages and global

    @Test func aStorageWithAnEmptyConfigurationIsAnError() {
        let text = Self.nodes.replacingOccurrences(of: "    import: app.tasks\n  - name: Parse", with: "    import: app.tasks\n    storage: Results\n  - name: Parse") + """
            storages:
              - name: Results
                import: app.storages
                configuration: {}
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:12:20: error: storage 'Results' needs a non-empty 'configuration'\n"
                + "  hint: Selinon requires the adapter's settings here, e.g. configuration: {host: localhost}",
        ])
    }

    @Test func aStorageNameThatIsNoPythonNameStopsTheWorkers() {
        let text = Self.nodes.replacingOccurrences(of: "    import: app.tasks\n  - name: Parse", with: "    import: app.tasks\n    storage: results-db\n  - name: Parse") + """
            storages:
              - name: results-db
                import: app.storages
                classname: Results
                configuration: {host: db}
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:10:11: error: the storage name 'results-db' holds '-', which a Python name cannot; Selinon writes it into the "
                + "variable name _storage_results-db in its workers' start-up code, which then does not compile (no worker starts)\n"
                + "  hint: use letters, digits and '_' only",
        ])
    }

    /// Redis's adapter calls `int()` on a port given as a string: Python reads single underscores
    /// between digits, not double ones.
    @Test func aRedisPortStringMustBeAPythonInteger() {
        func text(port: String) -> String {
            Self.nodes.replacingOccurrences(of: "    import: app.tasks\n  - name: Parse", with: "    import: app.tasks\n    storage: Cache\n  - name: Parse") + """
                storages:
                  - name: Cache
                    import: selinon.storages.redis
                    classname: Redis
                    configuration: {host: redis, port: "\(port)"}
                flow-definitions:
                  - name: main_flow
                    edges:
                      - {from: , to: Fetch}
                      - {from: Fetch, to: Parse}
                """
        }
        #expect(Self.diagnostics(text(port: "6_379")) == [])
        // Python's int() reads the decimal digits of every script, and strips Unicode's white space.
        for port in ["６３７９", "٦٣٧٩", "\u{A0}+6379\u{3000}"] {
            #expect(Self.diagnostics(text(port: port)) == [], "\(port)")
        }
        // (`\x1C`, a YAML escape: Python's isspace() takes it for space, but int() does not.)
        for port in ["6379_", "+ 6379", "6379\\x1C", "Ⅵ"] {
            let found = Self.diagnostics(text(port: port))
            #expect(found.count == 1 && found[0].contains("(ValueError: it calls int() on it)"), "\(port): \(found)")
        }
        #expect(Self.diagnostics(text(port: "63__79")) == [
            "config.yml:13:40: error: 'port' of Redis (selinon.storages.redis) is the string '63__79': Selinon's workers fail to start "
                + "(ValueError: it calls int() on it)\n  hint: give a whole number, such as 6379",
        ])
    }

    @Test func aTraceFunctionNeedsItsModule() {
        let text = Self.nodes + """
            global:
              trace:
                - function: {name: trace_event}
            flow-definitions:
              - name: main_flow
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:10:17: error: trace 'function' needs 'import'\n  hint: add 'import'",
        ])
    }

    // MARK: - Conditions

    @Test func aPredicateArgumentNamedLikeAPythonKeywordStopsTheWorkers() {
        let text = Self.nodes + """
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: Parse
                    condition:
                      name: argsFieldEqual
                      args: {key: kind, value: page, class: html}
            """
        #expect(Self.diagnostics(text) == [
            "config.yml:17:17: error: predicate 'argsFieldEqual' has wrong arguments: unexpected 'class'\n"
                + "  hint: 'argsFieldEqual' takes args key, value",
            "config.yml:17:42: error: argument 'class' of predicate 'argsFieldEqual' is a Python keyword; Selinon writes it as a "
                + "keyword argument into its workers' start-up code, which then does not compile (no worker starts)\n"
                + "  hint: name the argument as the predicate's parameter is named",
        ])
    }
}
