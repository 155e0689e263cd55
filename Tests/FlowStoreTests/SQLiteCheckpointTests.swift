import FlowStore
import Foundation
import GRDB
import StoreTestSupport
import Synchronization
import Testing

/// The SQLite store's commits leave checkpoints to a connection of their own: while the store is
/// open its write-ahead log still gets copied into the database file (so the log stays bounded),
/// and closing the store — also one whose readers were used — copies the rest and removes the
/// log, losing nothing. When that connection cannot open, commits checkpoint themselves.
struct SQLiteCheckpointTests {
    @Test func theLogIsCopiedIntoTheDatabaseFileWhileTheStoreIsOpen() async throws {
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let messages = try InflightFlows.messages(count: 40_000)
            let written = messages.reduce(0) { $0 + $1.count }  // about 21 MB; a checkpoint starts every 4 MB of log
            let store = try await test.open()
            for start in stride(from: 0, to: messages.count, by: 500) {
                try await store.insert(StoreContract.newFlows(Array(messages[start..<min(start + 500, messages.count)])))
            }
            // The checkpoint of the last batches may still be running.
            let deadline = ContinuousClock.now + .seconds(30)
            while try Self.size(of: path) < written / 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try Self.size(of: path) >= written / 2, "the flows never reached the database file")
            #expect(try Self.size(of: path + "-wal") < written / 2, "the log grew with every commit")
            await store.close()
            try await Self.expectEverythingInTheDatabaseFile(test, path: path, flows: messages.count)
        }
    }

    @Test func writingWhileFlowsAreReadStartsTheLogOver() async throws {
        // Passive checkpoints alone never let the log start over while readers keep coming (a
        // sweep's own read-ahead, dispatchers loading flows): `apply` of 200,000 flows grew it to
        // 845 MB. Here three readers take turns, so that one is always reading, while 120,000
        // flows are written, 91 MB of log: the log file stays near its 32 MiB bound (plus a retry
        // or a few when a restart found a reader, and each frame's 24-byte header).
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let messages = try InflightFlows.messages(count: 120_000)
            let store = try await test.open()
            try await store.insert(StoreContract.newFlows([messages[0]]))
            let finished = SignalFlag()
            let readers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for offset in [0, 15, 30] {
                        group.addTask {
                            let reader = try Self.readOnlyQueue(path)
                            try await Task.sleep(for: .milliseconds(offset))
                            while !finished.isSet {
                                try await reader.read { db in
                                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM flows WHERE flow_id < 'flow-0000100'")
                                    Thread.sleep(forTimeInterval: 0.04)
                                }
                            }
                            try reader.close()
                        }
                    }
                    try await group.waitForAll()
                }
            }
            for start in stride(from: 1, to: messages.count, by: 500) {
                try await store.insert(StoreContract.newFlows(Array(messages[start..<min(start + 500, messages.count)])))
            }
            finished.set()
            try await readers.value
            #expect(try Self.size(of: path + "-wal") < 72 << 20, "the log grew with every commit (to 91 MB before restarts)")
            await store.close()
            try await Self.expectEverythingInTheDatabaseFile(test, path: path, flows: messages.count)
        }
    }

    @Test func aReaderThatHoldsOnDoesNotStallTheSweep() async throws {
        // A read transaction open for the whole sweep (an export of another process) keeps the
        // log from starting over. Run alone, the sweep writes about 59 MB of log, so restarts are
        // tried (at 32, 40, 48, 56 MiB), and each gives up after 200 ms: waiting out the 30 s busy
        // timeout at each try instead would take two minutes. (Next to the
        // other suites, SQLite may start the log over before the reader pins it, and no restart
        // is needed.)
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let messages = try InflightFlows.messages(count: 40_000)
            let store = try await test.open()
            try await store.insert(StoreContract.newFlows(messages))
            let reader = try Self.readOnlyQueue(path)
            let reading = SignalFlag(), finished = SignalFlag()
            let holding = Task {
                try await reader.read { db in
                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM flows")
                    reading.set()
                    while !finished.isSet { Thread.sleep(forTimeInterval: 0.01) }
                }
            }
            while !reading.isSet { try await Task.sleep(for: .milliseconds(10)) }
            let clock = ContinuousClock()
            let started = clock.now
            let report = try await MigrationSweep(store: store, migrator: try StoreContract.migrator()).run()
            let elapsed = clock.now - started
            finished.set()
            try await holding.value
            try reader.close()
            #expect(report.total(.migrated) + report.total(.retry) + report.total(.fail) > 35_000, "\(report.counts)")
            // Alone, the sweep takes a few seconds (debug build), next to the other suites on a
            // busy machine up to 65 s; waiting out the busy timeout at each restart adds two minutes.
            #expect(elapsed < .seconds(100), "the sweep waited for the reader")
            await store.close()
            try await Self.expectEverythingInTheDatabaseFile(test, path: path, flows: messages.count)
        }
    }

    @Test func closingAStoreThatWasReadCopiesTheLogAndRemovesIt() async throws {
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let store = try await test.open()
            try await store.insert(StoreContract.newFlows(InflightFlows.messages(count: 300)))  // far below a checkpoint
            #expect(try await store.statusCounts().counts.reduce(0) { $0 + $1.count } == 300)  // a reader connection
            #expect(try Self.size(of: path + "-wal") > 0)
            await store.close()
            await store.close()  // closing twice is harmless
            try await Self.expectEverythingInTheDatabaseFile(test, path: path, flows: 300)
        }
    }

    /// Another process keeping the store open (a dispatcher) keeps the log file: closing the
    /// store cuts it to nothing once all of it is copied, instead of leaving it at its peak size.
    @Test func closingNextToAnotherConnectionCutsTheLog() async throws {
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let store = try await test.open()
            let dispatcher = try DatabaseQueue(path: path)  // open, idle, as a dispatcher between flows
            try await dispatcher.read { db in _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM flows") }
            let messages = try InflightFlows.messages(count: 6_000)
            for start in stride(from: 0, to: messages.count, by: 500) {
                try await store.insert(StoreContract.newFlows(Array(messages[start..<min(start + 500, messages.count)])))
            }
            #expect(try Self.size(of: path + "-wal") > 1_000_000)
            await store.close()
            #expect(try Self.size(of: path + "-wal") == 0, "the log was left at its size")
            #expect(try await dispatcher.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM flows") } == messages.count)
            try dispatcher.close()
        }
    }

    @Test func commitsCheckpointThemselvesWhenTheCheckpointingConnectionCannotOpen() async throws {
        try await TestStore.with(.sqlite) { test in
            let path = String(test.location.dropFirst("sqlite:".count))
            let moved = test.files.path("moved.sqlite")
            let store = try await test.open()
            let messages = try InflightFlows.messages(count: 30_001)
            try await store.insert(StoreContract.newFlows([messages[0]]))
            // Renamed under the open store: its connections keep their files, a new connection
            // by the old name finds none.
            for suffix in ["", "-wal", "-shm"] {
                try FileManager.default.moveItem(atPath: path + suffix, toPath: moved + suffix)
            }
            for start in stride(from: 1, to: messages.count, by: 500) {
                try await store.insert(StoreContract.newFlows(Array(messages[start..<min(start + 500, messages.count)])))
            }
            let written = messages.reduce(0) { $0 + $1.count }  // about 16 MB
            #expect(try Self.size(of: moved) >= written / 2, "nothing checkpointed the log")
            #expect(try Self.size(of: moved + "-wal") < written / 2, "the log grew with every commit")
            await store.close()

            let reopened = try StoreLocation.sqlite(path: moved).open(logger: .init(label: "test"), createIfMissing: false)
            try await reopened.prepare(createIfMissing: false)
            #expect(try await StoreContract.snapshot(reopened).count == messages.count)
            await reopened.close()
        }
    }

    /// A read-only connection of another user of the file (a reader of another process).
    private static func readOnlyQueue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// No log next to the database, and the database file alone holds every flow.
    private static func expectEverythingInTheDatabaseFile(_ test: TestStore, path: String, flows: Int) async throws {
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "closing the store left its log behind")
        let copy = test.files.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let store = try StoreLocation.sqlite(path: copy).open(logger: .init(label: "test"), createIfMissing: false)
        try await store.prepare(createIfMissing: false)
        let stored = try await StoreContract.snapshot(store)
        await store.close()
        #expect(stored.count == flows)
    }

    private static func size(of path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }
}

/// A flag one task sets and others read.
private final class SignalFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
