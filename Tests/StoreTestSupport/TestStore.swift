import FlowStore
import Foundation
import GRDB
import Logging
import PostgresNIO
import TestSupport

/// The databases behind the store tests.
public enum StoreBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// The PostgreSQL server the tests use: `SELINON_MIGRATE_TEST_POSTGRES_URL` (`scripts/test`
/// starts a throwaway cluster and sets it). Without it the PostgreSQL tests are skipped, and
/// say so.
public enum PostgresTestServer {
    public static let url = ProcessInfo.processInfo.environment["SELINON_MIGRATE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    public static var isConfigured: Bool { url != nil }
    public static let skipReason =
        "PostgreSQL tests skipped: SELINON_MIGRATE_TEST_POSTGRES_URL is not set (scripts/test starts a throwaway server and sets it)"
}

/// A fresh, empty store for one test: a SQLite file in a temporary directory, or a new database
/// on the PostgreSQL test server (dropped afterwards).
public final class TestStore: Sendable {
    public let backend: StoreBackend
    /// The store's URL, as the command line takes it.
    public let location: String
    private let directory: TemporaryDirectory
    private let databaseName: String?

    private init(backend: StoreBackend, location: String, directory: TemporaryDirectory, databaseName: String?) {
        self.backend = backend
        self.location = location
        self.directory = directory
        self.databaseName = databaseName
    }

    /// Runs `body` with a fresh store of `backend`, removing it afterwards.
    public static func with<T>(_ backend: StoreBackend, _ body: (TestStore) async throws -> T) async throws -> T {
        let store = try await make(backend)
        do {
            let result = try await body(store)
            await store.dispose()
            return result
        } catch {
            await store.dispose()
            throw error
        }
    }

    static func make(_ backend: StoreBackend) async throws -> TestStore {
        let directory = try TemporaryDirectory(prefix: "selinon-migrate-store")
        switch backend {
        case .sqlite:
            return TestStore(backend: backend, location: "sqlite:" + directory.path("flows.sqlite"), directory: directory, databaseName: nil)
        case .postgres:
            guard let server = PostgresTestServer.url else { throw TestStoreError.noPostgresServer }
            let name = "selinon_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            try await Self.administer(server, "CREATE DATABASE \(name)")
            guard var components = URLComponents(string: server) else { throw TestStoreError.badURL(server) }
            components.path = "/" + name
            return TestStore(backend: backend, location: components.string!, directory: directory, databaseName: name)
        }
    }

    /// A temporary directory that lives as long as the store, for other files of the test.
    public var files: TemporaryDirectory { directory }

    /// Opens the store (creating its schema).
    public func open() async throws -> any FlowStateStore {
        let store = try StoreLocation(parsing: location).open(logger: Self.logger, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        return store
    }

    /// Creates the store with `count` in-flight flows (``InflightFlows``), closes it, and returns them.
    @discardableResult
    public func storeFlows(count: Int) async throws -> [NewFlow] {
        let flows = try InflightFlows.messages(count: count).map { try NewFlow(message: $0) }
        let store = try await open()
        do {
            try await store.insert(flows)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return flows
    }

    /// Runs `sql` on the store's database directly, bypassing the store.
    public func execute(_ sql: String) async throws {
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: String(location.dropFirst("sqlite:".count)))
            try await queue.write { try $0.execute(sql: sql) }
            try queue.close()
        case .postgres:
            try await Self.administer(location, sql)
        }
    }

    /// The first column of the first row `sql` gives on the PostgreSQL store's database, as
    /// text; `nil` when it gives no row.
    public func firstValue(_ sql: String) async throws -> String? {
        precondition(backend == .postgres, "a PostgreSQL query")
        return try await Self.withConnection(to: location) { connection in
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).decode(String.self) {
                return value
            }
            return nil
        }
    }

    /// Runs `body` while a connection of its own holds an exclusive lock on the PostgreSQL store's
    /// `flows` table, so that every query of the store on it waits.
    public func whileFlowsAreLocked<T>(_ body: () async throws -> T) async throws -> T {
        precondition(backend == .postgres, "a held table lock is a PostgreSQL test")
        return try await Self.withConnection(to: location) { connection in
            try await connection.query("BEGIN", logger: Self.logger)
            try await connection.query("LOCK TABLE flows IN ACCESS EXCLUSIVE MODE", logger: Self.logger)
            let result = try await body()
            try await connection.query("ROLLBACK", logger: Self.logger)
            return result
        }
    }

    func dispose() async {
        if let databaseName, let server = PostgresTestServer.url {
            try? await Self.administer(server, "DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "selinon-migrate.tests")
        logger.logLevel = .error
        return logger
    }()

    /// `sql` (statements separated by `;`) on its own connection to the database at `url`.
    private static func administer(_ url: String, _ sql: String) async throws {
        try await withConnection(to: url) { connection in
            // One statement per query: the extended protocol takes no lists.
            for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
            }
        }
    }

    /// Runs `body` on a connection of its own to the PostgreSQL database at `url`, closed afterwards.
    static func withConnection<T>(to url: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard case .postgres(let host, let port, let user, let password, let database, _, _) = try StoreLocation(parsing: url) else {
            throw TestStoreError.badURL(url)
        }
        let configuration = PostgresConnection.Configuration(host: host ?? "127.0.0.1", port: port, username: user,
                                                             password: password, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public enum TestStoreError: Error, CustomStringConvertible {
    case noPostgresServer
    case badURL(String)
    case busy(Int)

    public var description: String {
        switch self {
        case .noPostgresServer: return "SELINON_MIGRATE_TEST_POSTGRES_URL is not set"
        case .badURL(let url): return "not a PostgreSQL URL: \(url)"
        case .busy(let sessions): return "\(sessions) other sessions still use the test database"
        }
    }
}

extension TestStore {
    /// Per flow: how many migration events it has, and their outcomes in order — read with one
    /// query, for checks over many flows.
    public func eventsByFlow() async throws -> [String: [String]] {
        var events: [String: [String]] = [:]
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: String(location.dropFirst("sqlite:".count)))
            let rows = try await queue.read { db in
                try Row.fetchAll(db, sql: "SELECT flow_id, outcome FROM migration_events ORDER BY id").map { ($0[0] as String, $0[1] as String) }
            }
            try queue.close()
            for (id, outcome) in rows { events[id, default: []].append(outcome) }
        case .postgres:
            try await Self.withConnection(to: location) { connection in
                let rows = try await connection.query("SELECT flow_id, outcome FROM migration_events ORDER BY id", logger: Self.logger)
                for try await (id, outcome) in rows.decode((String, String).self) { events[id, default: []].append(outcome) }
            }
        }
        return events
    }

    /// How many sessions on the store's PostgreSQL database wait for a lock now.
    public func sessionsWaitingForLocks() async throws -> Int {
        precondition(backend == .postgres, "sessions are PostgreSQL's")
        return try await Self.withConnection(to: location) { connection in
            var waiting = 0
            let rows = try await connection.query("""
                SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """, logger: Self.logger)
            for try await count in rows.decode(Int.self) { waiting = count }
            return waiting
        }
    }

    /// Waits until no other session uses the store's PostgreSQL database: a client killed while
    /// it committed leaves the server finishing that commit (or rolling back) after the client is
    /// gone, and a check reading the store meanwhile would see the flows before it and the events
    /// after it. (A killed SQLite writer leaves nothing in progress.)
    public func waitUntilOtherSessionsEnd(timeout: Duration = .seconds(30)) async throws {
        guard backend == .postgres else { return }
        try await Self.withConnection(to: location) { connection in
            let deadline = ContinuousClock.now + timeout
            while true {
                var others = 0
                let rows = try await connection.query("""
                    SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """, logger: Self.logger)
                for try await count in rows.decode(Int.self) { others = count }
                if others == 0 { return }
                guard ContinuousClock.now < deadline else { throw TestStoreError.busy(others) }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Saves the store's current rows (and forgets its events) so that ``restoreSavedRows()``
    /// can bring them back.
    public func saveRows() async throws {
        try await execute("DROP TABLE IF EXISTS saved_flows; CREATE TABLE saved_flows AS SELECT * FROM flows")
    }

    /// Puts back the rows of ``saveRows()`` and empties the event log.
    public func restoreSavedRows() async throws {
        try await execute(backend == .sqlite
            ? "DELETE FROM flows; INSERT INTO flows SELECT * FROM saved_flows; DELETE FROM migration_events"
            : "TRUNCATE flows, migration_events; INSERT INTO flows SELECT * FROM saved_flows")
    }
}
