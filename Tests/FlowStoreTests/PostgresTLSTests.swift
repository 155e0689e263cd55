import FlowStore
import Foundation
import Logging
import StoreTestSupport
import Testing
import TestSupport

/// TLS to PostgreSQL (`sslmode`, `sslrootcert`) against the test server, with TLS switched on for
/// the test and off again: a certificate from the private authority in `Fixtures/tls` (valid
/// until 2126, for 127.0.0.1 and localhost). The server must read the key, so this runs where the
/// tests run as root next to a local server run by the `postgres` user (CI, scripts/test).
@Suite(.enabled(if: LocalPostgresServer.canSwitchOnTLS, Comment(rawValue: LocalPostgresServer.skipReason)), .serialized)
struct PostgresTLSTests {
    static let fixtures = Fixtures.repositoryRoot.appendingPathComponent("Tests/FlowStoreTests/Fixtures/tls")

    @Test func aPrivateAuthorityIsTrustedOnlyWhenGiven() async throws {
        // The server's certificate and key where its user may read them (the key private to it).
        let directory = try TemporaryDirectory()
        let shared: String = directory.path("")
        #expect(chmod(shared, 0o755) == 0)
        let owner = try #require(getpwnam("postgres")).pointee
        for name in ["server.crt", "server.key"] {
            try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(name).path, toPath: directory.path(name))
            #expect(chown(directory.path(name), owner.pw_uid, owner.pw_gid) == 0)
            #expect(chmod(directory.path(name), 0o600) == 0)
        }
        let authority = Self.fixtures.appendingPathComponent("ca.crt").path
        try await TestStore.with(.postgres) { test in
            let certificate: String = directory.path("server.crt"), key: String = directory.path("server.key")
            try await test.execute("ALTER SYSTEM SET ssl_cert_file = '\(certificate)'; ALTER SYSTEM SET ssl_key_file = '\(key)'; ALTER SYSTEM SET ssl = on; SELECT pg_reload_conf()")
            do {
                // Verified against the private authority: TLS is required, so a connection proves it.
                let verified = test.location + "?sslmode=verify-full&sslrootcert=" + authority
                try await Self.waitForTLS(verified)
                let store = try StoreLocation(parsing: verified).open(logger: Logger(label: "test"), createIfMissing: true)
                try await store.prepare(createIfMissing: true)
                try await store.insert([try NewFlow(message: Array(#"{"dispatcher_id": "a", "flow_name": "f", "state": null}"#.utf8))])
                let stored: Int = try await Self.flowCount(store)
                #expect(stored == 1)
                await store.close()

                // The system's authorities do not know it: the message says what to give.
                let unverified = try StoreLocation(parsing: test.location + "?sslmode=require")
                    .open(logger: Logger(label: "test"), createIfMissing: false)
                let refused = await #expect(throws: StoreError.self) { try await unverified.prepare(createIfMissing: false) }
                await unverified.close()
                let advice = "the server's certificate could not be verified (CERTIFICATE_VERIFY_FAILED); if a private certificate authority signed it, give its certificate with &sslrootcert=PATH"
                let message = refused?.message ?? ""
                #expect(message.contains(advice), "\(message)")

                // prefer: TLS without verification, as libpq.
                let preferred = try StoreLocation(parsing: test.location + "?sslmode=prefer").open(logger: Logger(label: "test"), createIfMissing: false)
                try await preferred.prepare(createIfMissing: false)
                let preferredCount: Int = try await Self.flowCount(preferred)
                #expect(preferredCount == 1)
                await preferred.close()
            } catch {
                try await Self.switchOffTLS(test)
                throw error
            }
            try await Self.switchOffTLS(test)
        }
    }

    private static func flowCount(_ store: any FlowStateStore) async throws -> Int {
        var total = 0
        for count in try await store.statusCounts().counts { total += count.count }
        return total
    }

    static func switchOffTLS(_ test: TestStore) async throws {
        try await test.execute("ALTER SYSTEM RESET ssl; ALTER SYSTEM RESET ssl_cert_file; ALTER SYSTEM RESET ssl_key_file; SELECT pg_reload_conf()")
    }

    /// The server rereads its configuration in the background: tries for up to five seconds.
    private static func waitForTLS(_ location: String) async throws {
        var failure: (any Error)?
        for _ in 0..<50 {
            let store = try StoreLocation(parsing: location).open(logger: Logger(label: "test"), createIfMissing: true)
            do {
                try await store.prepare(createIfMissing: true)
                await store.close()
                return
            } catch {
                failure = error
                await store.close()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        if let failure { throw failure }
    }
}

/// Whether the PostgreSQL test server is one these tests may reconfigure.
enum LocalPostgresServer {
    static let skipReason = "needs root and a local PostgreSQL test server run by the postgres user"

    static var canSwitchOnTLS: Bool {
        guard let url = PostgresTestServer.url, let host = URLComponents(string: url)?.host else { return false }
        return geteuid() == 0 && getpwnam("postgres") != nil && ["127.0.0.1", "localhost"].contains(host)
    }
}
