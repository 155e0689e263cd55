import FlowEngine
import FlowStore
import Foundation
import Logging
import StoreTestSupport
import Testing
import TestSupport

/// A PostgreSQL session the server ends (a restart, a failover, `pg_terminate_backend`) while
/// the store uses it, or while it sits idle in the pool: postgres-nio 1.33.2 may never answer a
/// statement whose connection closed, so the store watches its connections.
@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresConnectionLossTests {
    /// Batches written while every session of the store is ended, at random points: each fails
    /// (or succeeds) at once, never after the answer deadline.
    @Test func aConnectionEndedMidBatchFailsAtOnce() async throws {
        try await TestStore.with(.postgres) { test in
            try await test.storeFlows(count: 1_000)
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(120))
            try await store.prepare(createIfMissing: false)
            var generator = SeededGenerator(seed: 7)
            var lost = 0
            for _ in 0..<8 {
                let flows = try await store.flows(aboveVersion: -1, limit: 1_000)
                let pause = Int.random(in: 0..<30, using: &generator)
                let ending = Task {
                    try await Task.sleep(for: .milliseconds(pause))
                    try await test.execute("""
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                        """)
                }
                let started = ContinuousClock.now
                for chunk in stride(from: 0, to: flows.count, by: 100) {
                    let updates = flows[chunk..<min(chunk + 100, flows.count)].map {
                        FlowUpdate(id: $0.id, expectedRevision: $0.revision, message: $0.message, migrationVersion: $0.migrationVersion,
                                   status: .running)
                    }
                    do {
                        _ = try await store.commit(updates, events: [])
                    } catch let error as StoreError {
                        #expect(error.kind == .unavailable, "\(error)")
                        lost += 1
                    }
                }
                try await ending.value
                let took = ContinuousClock.now - started
                #expect(took < .seconds(30), "the batches took \(took) (the deadline is 120 s)")
            }
            #expect(lost > 0, "no batch met an ended session: the test proved nothing")
            await store.close()
        }
    }

    /// After a restart or a failover, every connection in the pool may be over without the pool
    /// having heard: each is found out on its first statement, and the read or write goes on on
    /// another — however many of the pool's connections are stale, and without waiting.
    @Test func sessionsEndedWhileIdleAreReplacedWithoutAFailure() async throws {
        try await TestStore.with(.postgres) { test in
            let flows = try await test.storeFlows(count: 4)
            let proxy = try PostgresProxy(to: test)
            defer { proxy.stop() }
            let store = try StoreLocation(parsing: proxy.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                        answerTimeout: .seconds(120), maximumConnections: 4)
            try await store.prepare(createIfMissing: false)
            // The pool opens all four of its connections: four reads wait together behind a lock.
            let reads = try await test.whileFlowsAreLocked {
                let reads = flows.map { flow in Task { try await store.flow(id: flow.id) } }
                let deadline = ContinuousClock.now + .seconds(60)
                while try await test.sessionsWaitingForLocks() < 4 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                return reads
            }
            for read in reads { #expect(try await read.value != nil) }

            proxy.endSessionsWhenNextUsed()
            let started = ContinuousClock.now
            let read = try await store.flow(id: flows[0].id)
            #expect(read?.id == flows[0].id)
            proxy.endSessionsWhenNextUsed()
            let update = FlowUpdate(id: flows[1].id, expectedRevision: 1, message: flows[1].message, migrationVersion: 3, status: .running)
            #expect(try await store.commit([update], events: []).isEmpty)
            proxy.endSessionsWhenNextUsed()
            #expect(try await store.pending(belowVersion: 100, after: nil, limit: 10).flows.count == 4)
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(try await store.flow(id: flows[1].id)?.migrationVersion == 3)
            await store.close()
        }
    }

    /// A connection reset mid-transaction (a server stopped at once, a network fault) fails the
    /// write as `unavailable`, saying what the bare "Connection reset by peer" means.
    @Test func aConnectionResetMidTransactionIsExplained() async throws {
        try await TestStore.with(.postgres) { test in
            let flow = try #require(try await test.storeFlows(count: 1).first)
            let proxy = try PostgresProxy(to: test)
            defer { proxy.stop() }
            let store = try StoreLocation(parsing: proxy.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                        answerTimeout: .seconds(120))
            try await store.prepare(createIfMissing: false)
            proxy.resetAtNextUpdate()
            let update = FlowUpdate(id: flow.id, expectedRevision: 1, message: flow.message, migrationVersion: 3, status: .running)
            let error = await #expect(throws: StoreError.self) { try await store.commit([update], events: []) }
            #expect(error?.kind == .unavailable, "\(String(describing: error))")
            #expect(error?.message.contains("Connection reset by peer (the connection to the server broke: it shut down or restarted, "
                + "or the network dropped the connection)") == true, "\(String(describing: error))")
            #expect(try await store.flow(id: flow.id)?.revision == 1, "the write was rolled back")
            await store.close()
        }
    }

    /// After the server ended every session of the store (its pooled connections idle), the
    /// next transaction runs on a new connection, and succeeds.
    @Test func anIdleConnectionEndedByTheServerIsReplaced() async throws {
        try await TestStore.with(.postgres) { test in
            let new = try #require(try await test.storeFlows(count: 1).first)
            let store = try StoreLocation(parsing: test.location).open(logger: Logger(label: "test"), createIfMissing: false,
                                                                       answerTimeout: .seconds(120))
            try await store.prepare(createIfMissing: false)
            for round in 0..<10 {
                let flow = try #require(try await store.flow(id: new.id))
                // (With a timeout, it returns once the sessions have ended, not only been signalled:
                // the commit below must find them ended, before the pool has heard.)
                try await test.execute("""
                    SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """)
                let started = ContinuousClock.now
                let update = FlowUpdate(id: flow.id, expectedRevision: flow.revision, message: flow.message, migrationVersion: round + 1,
                                        status: .running)
                #expect(try await store.commit([update], events: []).isEmpty, "round \(round)")
                #expect(ContinuousClock.now - started < .seconds(30))
            }
            #expect(try await store.flow(id: new.id)?.migrationVersion == 10)
            await store.close()
        }
    }
}
