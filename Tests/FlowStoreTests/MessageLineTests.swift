import FlowMigration
import FlowStore
import StoreTestSupport
import Testing

/// Reading JSON-lines messages into records and writing them back (import / export).
struct MessageLineTests {
    @Test func aRunningFlowRoundTripsByteForByte() throws {
        for message in try InflightFlows.templates() {
            let flow = try NewFlow(message: message)
            #expect(flow.message == message)
            #expect(flow.status == .running)
            let stored = StoredFlow(id: flow.id, flowName: flow.flowName, message: flow.message, migrationVersion: flow.migrationVersion,
                                    status: flow.status, revision: 1, updatedAt: .now)
            #expect(stored.exportedLine == message)
        }
    }

    @Test(arguments: [FlowStatus.retryRequested, .failed])
    func theStatusTravelsInItsOwnMember(_ status: FlowStatus) throws {
        let message = try InflightFlows.templates()[3]
        let stored = StoredFlow(id: "x", flowName: "package_analysis_flow", message: message, migrationVersion: 0, status: status,
                                revision: 4, updatedAt: .now)
        let line = stored.exportedLine
        #expect(String(decoding: line, as: UTF8.self).hasSuffix(#", "selinon_migrate_status": "\#(status.rawValue)"}"#))
        let imported = try NewFlow(message: line)
        #expect(imported.status == status)
        #expect(imported.message == message)
    }

    /// Whitespace before the closing brace stays where it is: the exported line imports back as
    /// the very message stored (`import --skip-identical` of the store's own export).
    @Test(arguments: [#"{"dispatcher_id": "x", "flow_name": "f", "state": null  }"#, "{\"dispatcher_id\": \"x\",\n \"flow_name\": \"f\"\t\n}",
                      #"{"dispatcher_id":"x","flow_name":"f"}"#])
    func aFailedFlowsExportImportsBackByteForByte(_ text: String) throws {
        let message = Array(text.utf8)
        let stored = StoredFlow(id: "x", flowName: "f", message: message, migrationVersion: 0, status: .failed, revision: 2, updatedAt: .now)
        let imported = try NewFlow(message: stored.exportedLine)
        #expect(imported.status == .failed)
        #expect(imported.message == message, "\(String(decoding: stored.exportedLine, as: UTF8.self))")
    }

    /// Messages are read (FlowMigration) with the statuses a store has (FlowStore).
    @Test func theStatusesReadAreTheStoresStatuses() {
        #expect(DispatcherMessageHeader.storeStatuses == FlowStatus.allCases.map(\.rawValue))
    }

    @Test func theStatusMemberIsRemovedWhereverItStands() throws {
        let cases = [
            (#"{"selinon_migrate_status": "failed", "flow_name": "f", "dispatcher_id": "a"}"#, #"{"flow_name": "f", "dispatcher_id": "a"}"#),
            (#"{"flow_name": "f","selinon_migrate_status":"failed" ,"dispatcher_id": "a"}"#, #"{"flow_name": "f" ,"dispatcher_id": "a"}"#),
            (#"{ "flow_name": "f", "dispatcher_id": "a", "selinon_migrate_status": "failed" }"#, #"{ "flow_name": "f", "dispatcher_id": "a" }"#),
        ]
        for (line, expected) in cases {
            let flow = try NewFlow(message: Array(line.utf8))
            #expect(String(decoding: flow.message, as: UTF8.self) == expected)
            #expect(flow.status == .failed)
        }
    }

    /// The status member is cut where it is, also after an earlier copy of another key that is
    /// not read (the last copy counts): the rest of the message stays valid JSON.
    @Test func theStatusIsCutAfterARepeatedKeysEarlierCopy() throws {
        let line = #"{"dispatcher_id": "a1", "state": {"waiting_edges": "x"}, "selinon_migrate_status": "failed", "state": null, "flow_name": "f"}"#
        let flow = try NewFlow(message: Array(line.utf8))
        #expect(flow.status == .failed)
        #expect(String(decoding: flow.message, as: UTF8.self) == #"{"dispatcher_id": "a1", "state": {"waiting_edges": "x"}, "state": null, "flow_name": "f"}"#)
    }

    @Test func linesThatCannotBeStoredAreRejected() throws {
        let cases = [
            (#"{"flow_name": "f"}"#, "no dispatcher_id"),
            (#"{"flow_name": "f", "dispatcher_id": 7}"#, "dispatcher_id must be a string, found a number"),
            (#"{"flow_name": "f", "dispatcher_id": "a", "selinon_migrate_status": "paused"}"#, "'paused'"),
            // Only one copy could be taken out of the message: the other would come back on export.
            (#"{"flow_name": "f", "dispatcher_id": "a", "selinon_migrate_status": "failed", "selinon_migrate_status": "running"}"#,
             "selinon_migrate_status is given twice; keep one"),
            // Also when the first copy is no status (the last copy of other keys counts).
            (#"{"flow_name": "f", "dispatcher_id": "a", "selinon_migrate_status": 5, "selinon_migrate_status": "failed"}"#,
             "selinon_migrate_status is given twice; keep one"),
            (#"{"dispatcher_id": "a"}"#, "flow_name is missing"),
            (#"[1, 2]"#, "must be a JSON object"),
            (#"{"flow_name": "f", "dispatcher_id": "a""#, "not valid JSON"),
            // Python reads half a character into a string; an id or a flow name cannot be one.
            (#"{"flow_name": "f", "dispatcher_id": "a\ud800"}"#, "dispatcher_id holds an unpaired UTF-16 surrogate"),
            (#"{"flow_name": "\udc00", "dispatcher_id": "a"}"#, "flow_name holds an unpaired UTF-16 surrogate"),
            // PostgreSQL's column is 32-bit; SQLite is held to the same bound, so flows move between them.
            (#"{"flow_name": "f", "dispatcher_id": "a", "migration_version": 2147483648}"#,
             "migration_version 2147483648 is more than a store keeps (at most 2147483647)"),
        ]
        for (line, message) in cases {
            let error = #expect(throws: StoreError.self) { try NewFlow(message: Array(line.utf8)) }
            #expect(error?.kind == .invalidState)
            #expect(error?.message.contains(message) == true, "\(line): \(error?.message ?? "")")
        }
        #expect(try NewFlow(message: Array(#"{"flow_name": "f", "dispatcher_id": "a", "migration_version": 2147483647}"#.utf8))
            .migrationVersion == 2_147_483_647)
        // Elsewhere in the message it is passed through unread, byte for byte.
        let halfCharacter = Array(#"{"flow_name": "f", "dispatcher_id": "a", "node_args": "\ud800"}"#.utf8)
        #expect(try NewFlow(message: halfCharacter).message == halfCharacter)
        // Bytes that are not UTF-8 inside a string: JSON text is UTF-8, and PostgreSQL refuses it.
        let invalid = Array(#"{"flow_name": "f", "dispatcher_id": "a", "node_args": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = #expect(throws: StoreError.self) { try NewFlow(message: invalid) }
        #expect(error?.message.hasPrefix("the line is not valid UTF-8") == true)
    }
}
