import FlowStore
import Foundation
import StoreTestSupport
import Testing

/// A write whose COMMIT reaches the server but whose answer never comes back (a server that
/// stalls after committing, a network that drops the reply): the store cannot know whether it
/// was carried out, so it must say it is in doubt rather than report it rolled back — the
/// server commits it, and a report that left it out as "not written" would be wrong without a
/// word. A proxy between the store and the test server passes everything until told to freeze,
/// then passes the next COMMIT to the server and swallows every answer after it.
@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresInDoubtCommitTests {
    /// The error of a write of one stored flow through a proxy that `disrupt` tells what to do
    /// with the COMMIT, and the flow's id. `answerTimeout` bounds the whole write: long enough for
    /// its statements on a busy machine (the full suite runs beside it), so that what it waits
    /// for at the end is the COMMIT.
    private func commitThroughProxy(_ test: TestStore, answerTimeout: Duration,
                                    disrupt: (PostgresProxy) -> Void) async throws -> (error: StoreError?, flowID: String) {
        let prepared = try await test.open()
        let dispatcher = DispatcherStore(store: prepared, migrator: try StoreContract.migrator())
        let created = try await dispatcher.create(message: InflightFlows.messages(count: 1)[0])
        await prepared.close()
        let proxy = try PostgresProxy(to: test)
        defer { proxy.stop() }
        let store = try StoreLocation(parsing: proxy.location).open(createIfMissing: false, answerTimeout: answerTimeout)
        try await store.prepare(createIfMissing: false)
        let update = FlowUpdate(id: created.id, expectedRevision: created.revision, message: created.message, migrationVersion: 7,
                                status: .running)
        disrupt(proxy)
        let error = await #expect(throws: StoreError.self) { _ = try await store.commit([update], events: []) }
        await store.close()
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("the last transaction's COMMIT was sent and got no answer") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("It is in doubt") == true)
        #expect(error?.isCommitInDoubt == true)
        return (error, created.id)
    }

    @Test func aCommitWhoseAnswerIsLostIsInDoubtAndTheServerKeepsIt() async throws {
        try await TestStore.with(.postgres) { test in
            let (_, id) = try await commitThroughProxy(test, answerTimeout: .seconds(15)) { $0.freezeAtNextCommit() }
            // The server carried it out: found by a store that reaches it directly.
            let direct = try await test.open()
            var stored = try await direct.flow(id: id)
            for _ in 0..<50 where stored?.migrationVersion != 7 {
                try await Task.sleep(for: .milliseconds(100))
                stored = try await direct.flow(id: id)
            }
            #expect(stored?.migrationVersion == 7, "the COMMIT the proxy passed on was carried out")
            await direct.close()
        }
    }

    /// A COMMIT answered with the end of its session (FATAL: an administrator, a shutdown) is in
    /// doubt too: one that waited for synchronous replication had committed locally.
    @Test func aCommitAnsweredWithTheEndOfItsSessionIsInDoubt() async throws {
        try await TestStore.with(.postgres) { test in
            let (error, _) = try await commitThroughProxy(test, answerTimeout: .seconds(60)) { $0.endSessionAtNextCommit() }
            #expect(error?.message.contains("(the server ended the session instead: terminating connection due to administrator command)") == true,
                    "\(error?.message ?? "")")
        }
    }
}
