import FlowConfig
import Testing

/// The consistency check's rules that no diagnostics fixture reaches: each with a configuration
/// that breaks it, and where it matters one that only comes close.
struct ConsistencyCheckTests {
    @Test func nodeArgsFromFirstWithTwoStartingEdgesStartsSeveralNodes() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Parse
                import: app.tasks
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                node_args_from_first: true
                edges:
                  - from:
                    to: Fetch
                  - from:
                    to: Parse
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:9:5: error: flow 'main_flow' sets node_args_from_first but starts several nodes\n"
                + "  hint: node arguments can only come from a single starting task",
        ])
    }

    @Test func nodeArgsFromFirstCannotStartWithASubflow() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
            flows:
              - main_flow
              - fetch_flow
            flow-definitions:
              - name: main_flow
                node_args_from_first: true
                edges:
                  - from:
                    to: fetch_flow
              - name: fetch_flow
                edges:
                  - from:
                    to: Fetch
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:8:5: error: flow 'main_flow' sets node_args_from_first but its starting node 'fetch_flow' is a sub-flow\n"
                + "  hint: node arguments can only come from a task's result",
        ])
    }

    @Test func aNowaitNodeNoEdgeStartsIsAnError() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Notify
                import: app.tasks
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                nowait: [Notify]
                edges:
                  - from:
                    to: Fetch
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:4:5: warning: task 'Notify' is never run in any flow\n  hint: start it from a flow, or remove it",
            "config.yml:10:13: error: 'Notify' is marked nowait in flow 'main_flow', but no edge or fallback starts it\n"
                + "  hint: remove it from nowait, or start it from an edge",
        ])
    }

    /// An eager-failure node need only be used by the flow: a node the flow starts and nothing
    /// waits for (the last task) is one.
    @Test func anEagerFailureNodeThatIsOnlyStartedIsFine() throws {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Parse
                import: app.tasks
              - name: Recover
                import: app.tasks
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                eager_failures: [Parse]
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: Parse
                failures:
                  - nodes: Fetch
                    fallback: Recover
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [])
    }

    @Test func anEagerFailureNodeThatIsAlsoNowaitIsAnError() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Notify
                import: app.tasks
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                nowait: [Notify]
                eager_failures: [Notify]
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: Notify
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:11:21: error: 'Notify' is an eager-failure node of flow 'main_flow' and also nowait, so its failure is never seen\n"
                + "  hint: remove it from eager_failures or from nowait",
        ])
    }

    @Test func foreachResultsAndNodeArgumentsCannotBothGoToASubflow() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Parse
                import: app.tasks
            flows:
              - main_flow
              - item_flow
            flow-definitions:
              - name: main_flow
                propagate_node_args: [item_flow]
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: item_flow
                    foreach: {import: app.foreach, function: items, propagate_result: true}
              - name: item_flow
                edges:
                  - from:
                    to: Parse
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:15:9: error: edge 1 of flow 'main_flow' propagates foreach results to 'item_flow', but flow 'main_flow' "
                + "also propagates its node arguments to it\n"
                + "  hint: remove 'item_flow' from propagate_node_args or drop propagate_result",
        ])
    }

    @Test func finishedNodesOfASubflowNeedPropagateParentToReachTheNextSubflow() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Report
                import: app.tasks
            flows:
              - main_flow
              - scan_flow
              - report_flow
            flow-definitions:
              - name: main_flow
                propagate_finished: [scan_flow]
                edges:
                  - from:
                    to: scan_flow
                  - from: scan_flow
                    to: report_flow
              - name: scan_flow
                edges:
                  - from:
                    to: Fetch
              - name: report_flow
                edges:
                  - from:
                    to: Report
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:16:9: warning: propagate_finished of flow 'main_flow' names 'scan_flow', but its finished nodes never reach "
                + "sub-flow 'report_flow' because propagate_parent does not cover it\n"
                + "  hint: add 'report_flow' to propagate_parent",
        ])
        let covered = text.replacingOccurrences(of: "    propagate_finished: [scan_flow]\n",
                                                with: "    propagate_finished: [scan_flow]\n    propagate_parent: [report_flow]\n")
        #expect(DefinitionReadingTests.diagnostics(covered) == [])
        // An edge to two sub-flows: each one propagate_parent leaves out misses them (Selinon warns
        // only for an edge to one).
        let two = covered.replacingOccurrences(of: "    to: report_flow\n", with: "    to: [report_flow, audit_flow]\n")
            .replacingOccurrences(of: "  - report_flow\n", with: "  - report_flow\n  - audit_flow\n")
            + "\n  - name: audit_flow\n    edges:\n      - from:\n        to: Report\n"
        #expect(DefinitionReadingTests.diagnostics(two) == [
            "config.yml:18:9: warning: propagate_finished of flow 'main_flow' names 'scan_flow', but its finished nodes never reach "
                + "sub-flow 'audit_flow' because propagate_parent does not cover it\n"
                + "  hint: add 'audit_flow' to propagate_parent",
        ])
    }

    @Test func propagateFailuresNamesOnlySubflowsTheFlowDependsOn() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
            flows:
              - main_flow
              - scan_flow
            flow-definitions:
              - name: main_flow
                propagate_failures: [scan_flow]
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: scan_flow
              - name: scan_flow
                edges:
                  - from:
                    to: Fetch
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:9:25: error: propagate_failures of flow 'main_flow' names 'scan_flow', which the flow does not depend on\n"
                + "  hint: name only sub-flows this flow starts, or write true",
        ])
    }

    @Test func propagateParentNamesOnlySubflowsTheFlowStarts() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Parse
                import: app.tasks
            flows:
              - main_flow
              - scan_flow
            flow-definitions:
              - name: main_flow
                propagate_parent: [scan_flow]
                edges:
                  - from:
                    to: Fetch
              - name: scan_flow
                edges:
                  - from:
                    to: Parse
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:11:23: error: propagate_parent of flow 'main_flow' names 'scan_flow', which the flow never starts\n"
                + "  hint: name only sub-flows this flow starts",
        ])
    }

    @Test func finishedAndCompoundFinishedCannotBothBeTrue() {
        let text = """
            tasks:
              - name: Fetch
                import: app.tasks
              - name: Parse
                import: app.tasks
            flows:
              - main_flow
              - scan_flow
            flow-definitions:
              - name: main_flow
                propagate_finished: true
                propagate_compound_finished: true
                edges:
                  - from:
                    to: Fetch
                  - from: Fetch
                    to: scan_flow
              - name: scan_flow
                edges:
                  - from:
                    to: Parse
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:12:34: error: propagate_finished and propagate_compound_finished of flow 'main_flow' both cover every sub-flow\n"
                + "  hint: a sub-flow's results are propagated either flat or compound, not both",
        ])
    }

    /// Tasks of one class (module and class name) must agree on its output_schema and max_retry;
    /// a class of the same name in another module is another class.
    @Test func tasksSharingAClassMustAgreeOnItsSettings() {
        let text = """
            tasks:
              - name: FetchPage
                import: app.tasks
                classname: Fetch
                output_schema: schemas/page.json
                max_retry: 3
              - name: FetchFeed
                import: app.tasks
                classname: Fetch
                output_schema: schemas/feed.json
                max_retry: 1
              - name: FetchArchive
                import: archive.tasks
                classname: Fetch
                max_retry: 5
            flows:
              - main_flow
            flow-definitions:
              - name: main_flow
                edges:
                  - from:
                    to: [FetchPage, FetchFeed, FetchArchive]
            """
        #expect(DefinitionReadingTests.diagnostics(text) == [
            "config.yml:7:5: warning: tasks 'FetchPage' and 'FetchFeed' share class 'Fetch' but have different output_schema\n"
                + "  hint: Selinon keeps one output_schema per class: give them the same one",
            "config.yml:7:5: warning: tasks 'FetchPage' and 'FetchFeed' share class 'Fetch' but have different max_retry\n"
                + "  hint: Selinon keeps one max_retry per class: give them the same one",
        ])
    }
}
