import FlowMigration

extension NewFlow {
    /// A flow read from one line of JSON-lines dispatcher messages (what `export` writes and
    /// `apply --input` reads): the id is `dispatcher_id`; a `selinon_migrate_status` member
    /// (written by `export` for flows that are not running) becomes the status and is removed
    /// from the stored message; everything else is kept byte for byte.
    /// - Throws: ``StoreError`` `invalidState` when the line is not UTF-8 (JSON text is; a
    ///   PostgreSQL store would refuse it), not a dispatcher message with a string
    ///   `dispatcher_id` and a non-empty `flow_name`, names an unknown status, or has a `migration_version` above
    ///   ``NewFlow/maximumMigrationVersion``.
    public init(message line: [UInt8]) throws(StoreError) {
        guard String(validating: line, as: UTF8.self) != nil else {
            throw StoreError(.invalidState, "the line is not valid UTF-8 (JSON text is); it was not written by Selinon's dispatcher")
        }
        let header: DispatcherMessageHeader
        let message: [UInt8]
        let statusName: String?
        do {
            header = try DispatcherMessageHeader(reading: line)
            (message, statusName) = header.storeStatus == nil ? (line, nil) : try DispatcherMessageHeader.removingStoreStatus(from: line)
        } catch {
            throw StoreError(.invalidState, error.message)
        }
        guard let id = header.dispatcherID, !id.isEmpty else {
            throw StoreError(.invalidState, "the message has no dispatcher_id (a non-empty string); stores key flows by it: give each "
                + "line the id of its flow's dispatcher task (Celery's task id, which Selinon's own message does not carry) as "
                + "\"dispatcher_id\"")
        }
        // No flow of Selinon's is named "": apply would call the flow invalid at every run.
        guard !header.flowName.isEmpty else {
            throw StoreError(.invalidState, "flow_name is empty; every message names its flow (the name in the nodes file's flows)")
        }
        try NewFlow.checkStorable(migrationVersion: header.migrationVersion, flowID: nil)
        // Reading the header refused any status but a store's (a test holds both lists equal).
        let status = statusName.flatMap(FlowStatus.init(rawValue:)) ?? .running
        self.init(id: id, flowName: header.flowName, message: message, migrationVersion: header.migrationVersion, status: status)
    }
}

extension StoredFlow {
    /// The record as one line of JSON-lines dispatcher messages (without the newline): the
    /// message as stored, plus `selinon_migrate_status` when the flow is not running — what
    /// ``NewFlow/init(message:)`` reads back.
    public var exportedLine: [UInt8] {
        status == .running ? message : DispatcherMessageHeader.addingStoreStatus(status.rawValue, to: message)
    }
}
