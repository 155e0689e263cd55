import FlowMigration
import FlowStore
import Foundation
import GRDB
import GRDBSQLite
import Logging
import PostgresNIO

/// `apply --store` throughput: the example's in-flight flows (repeated with fresh ids, about
/// 500 bytes each) migrated by ``MigrationSweep`` in batches of 500 — read, migrate, write with
/// compare-and-swap, record events — next to the reference measured in the same run: a raw
/// batched `UPDATE` writing the same migrated messages to the same rows (no read, no check, no
/// events), 500 rows per transaction. Each timed run starts from a freshly imported, closed store
/// and ends when its connections are closed, so for SQLite both sides pay for copying everything
/// they wrote from the write-ahead log into the database file.
enum StoreBenchmark {
    static let batchSize = 500

    static func run(flows count: Int, postgresURL: String?, repetitions: Int) async throws {
        let root = FileManager.default.currentDirectoryPath
        let templates = try Data(contentsOf: URL(fileURLWithPath: root + "/examples/package-analysis/inflight-v1.jsonl"))
            .split(separator: UInt8(ascii: "\n")).map(Array.init)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(directory: try MigrationDirectory.load(from: root + "/migrations"))))
        let flows = try (0..<count).map { index in
            try NewFlow(message: withID(String(format: "flow-%07d", index), templates[index % templates.count]))
        }
        // What the raw UPDATE writes: the migrated message of every flow that changes.
        var updates: [FlowUpdate] = []
        for flow in flows {
            var output: [UInt8] = []
            let report = flow.message.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
            switch report.outcome {
            case .migrated: updates.append(FlowUpdate(id: flow.id, expectedRevision: 1, message: output, migrationVersion: 3, status: .running))
            case .retry: updates.append(FlowUpdate(id: flow.id, expectedRevision: 1, message: output, migrationVersion: 3, status: .retryRequested))
            default: updates.append(FlowUpdate(id: flow.id, expectedRevision: 1, message: flow.message, migrationVersion: 0, status: .failed))
            }
        }
        let bytes = flows.reduce(0) { $0 + $1.message.count }
        print("\(count) flows, \(bytes / count) bytes per message on average; batches of \(batchSize); median of \(repetitions)")

        var logger = Logger(label: "selinon-migrate.benchmarks")
        logger.logLevel = .error
        var backends: [(String, Backend)] = [("SQLite", .sqlite)]
        if let postgresURL { backends.append(("PostgreSQL", .postgres(postgresURL))) } else {
            print("PostgreSQL: skipped (pass --postgres URL of a server where databases may be created)")
        }
        for (name, backend) in backends {
            var raw: [Duration] = [], ours: [Duration] = []
            for _ in 0..<repetitions {
                raw.append(try await backend.withFreshStore(flows, logger: logger) { location in
                    try await rawUpdate(updates, at: location, logger: logger)
                })
                ours.append(try await backend.withFreshStore(flows, logger: logger) { location in
                    let store = try location.open(logger: logger, createIfMissing: false)
                    let clock = ContinuousClock()
                    let start = clock.now
                    let report: SweepReport
                    do {
                        report = try await MigrationSweep(store: store, migrator: migrator, batchSize: batchSize).run()
                    } catch {
                        await store.close()
                        throw error
                    }
                    await store.close()
                    let time = clock.now - start
                    precondition(report.total(.migrated) + report.total(.retry) + report.total(.fail) == count)
                    return time
                })
            }
            let rawTime = Measurement.median(of: raw), ourTime = Measurement.median(of: ours)
            print("\(name): raw batched UPDATE \(rate(count, rawTime)); apply --store \(rate(count, ourTime)) "
                + "= \(Int((Measurement.seconds(rawTime) / Measurement.seconds(ourTime) * 100).rounded()))% of raw")
        }
    }

    private static func rate(_ count: Int, _ duration: Duration) -> String {
        "\(Int((Double(count) / Measurement.seconds(duration)).rounded())) rows/s (\(Measurement.format(duration)))"
    }

    private static func withID(_ id: String, _ message: [UInt8]) -> [UInt8] {
        let key = Array(#""dispatcher_id": ""#.utf8)
        let start = message.firstRange(of: key)!.upperBound
        let end = message[start...].firstIndex(of: UInt8(ascii: "\""))!
        var result = message
        result.replaceSubrange(start..<end, with: Array(id.utf8))
        return result
    }

    /// The reference: the same rows written with the same payloads, no read, no events.
    private static func rawUpdate(_ updates: [FlowUpdate], at location: StoreLocation, logger: Logger) async throws -> Duration {
        let clock = ContinuousClock()
        switch location {
        case .sqlite(let path):
            // Bound through SQLite's C API, as the store binds its hot loops; the store's
            // connection settings (page cache), so that only the work differs.
            let pool = try DatabasePool(path: path, configuration: SQLiteFlowStore.configuration())
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            let start = clock.now
            for start in stride(from: 0, to: updates.count, by: batchSize) {
                let batch = Array(updates[start..<min(start + batchSize, updates.count)])
                try await pool.write { db in
                    let handle = try db.cachedStatement(sql: """
                        UPDATE flows SET message = ?, migration_version = ?, status = ?, revision = revision + 1, updated_at = ?
                        WHERE flow_id = ?
                        """).sqliteStatement
                    for update in batch {
                        sqlite3_reset(handle)
                        update.message.withUnsafeBytes { buffer in
                            _ = sqlite3_bind_text(handle, 1, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count), transient)
                        }
                        sqlite3_bind_int64(handle, 2, Int64(update.migrationVersion))
                        sqlite3_bind_text(handle, 3, update.status.rawValue, -1, transient)
                        sqlite3_bind_double(handle, 4, update.updatedAt.timeIntervalSince1970)
                        sqlite3_bind_text(handle, 5, update.id, -1, transient)
                        guard sqlite3_step(handle) == SQLITE_DONE else { throw DatabaseError(message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
                    }
                    sqlite3_reset(handle)
                }
            }
            try pool.close()
            return clock.now - start
        case .postgres(let host, let port, let user, let password, let database, _, _):
            let client = PostgresClient(configuration: .init(host: host ?? "localhost", port: port, username: user, password: password,
                                                             database: database, tls: .disable), backgroundLogger: logger)
            return try await withThrowingTaskGroup(of: Duration?.self) { group in
                group.addTask { await client.run(); return nil }
                let start = clock.now
                for start in stride(from: 0, to: updates.count, by: batchSize) {
                    let batch = updates[start..<min(start + batchSize, updates.count)]
                    let ids = batch.map(\.id), messages = batch.map { String(decoding: $0.message, as: UTF8.self) }
                    let versions = batch.map(\.migrationVersion), statuses = batch.map(\.status.rawValue)
                    let times = batch.map(\.updatedAt.timeIntervalSince1970)
                    _ = try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("""
                            UPDATE flows AS flow SET message = input.message, migration_version = input.version, status = input.status,
                                revision = flow.revision + 1, updated_at = input.updated_at
                            FROM unnest(\(ids)::text[], \(messages)::text[], \(versions)::int[], \(statuses)::text[], \(times)::float8[])
                                AS input(id, message, version, status, updated_at)
                            WHERE flow.flow_id = input.id
                            """, logger: logger)
                    }
                }
                let time = clock.now - start
                group.cancelAll()
                return time
            }
        }
    }

    /// Where the benchmark's stores live.
    enum Backend {
        case sqlite
        /// A server where the benchmark creates (and drops) its own database.
        case postgres(String)

        /// Runs `body` on a store holding exactly `flows`, closed (so an SQLite store's log is
        /// copied into its file) before `body` opens it, then removes the store.
        func withFreshStore(_ flows: [NewFlow], logger: Logger, _ body: (StoreLocation) async throws -> Duration) async throws -> Duration {
            let name = "selinon_bench_\(UUID().uuidString.prefix(8).lowercased())"
            let location: StoreLocation
            var cleanup: () async throws -> Void = {}
            switch self {
            case .sqlite:
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
                location = .sqlite(path: directory + "/flows.sqlite")
                cleanup = { try FileManager.default.removeItem(atPath: directory) }
            case .postgres(let server):
                guard case .postgres(let host, let port, let user, let password, _, let socket, let tls) = try StoreLocation(parsing: server) else {
                    fatalError("not a PostgreSQL URL: \(server)")
                }
                try await Self.administer(server, "CREATE DATABASE \(name)", logger: logger)
                location = .postgres(host: host, port: port, user: user, password: password, database: name, socketDirectory: socket, tls: tls)
                cleanup = { try await Self.administer(server, "DROP DATABASE \(name) WITH (FORCE)", logger: logger) }
            }
            let store = try location.open(logger: logger, createIfMissing: true)
            do {
                try await store.prepare(createIfMissing: true)
                for start in stride(from: 0, to: flows.count, by: 5_000) {
                    try await store.insert(Array(flows[start..<min(start + 5_000, flows.count)]))
                }
            } catch {
                await store.close()
                try await cleanup()
                throw error
            }
            await store.close()
            let time: Duration
            do {
                time = try await body(location)
            } catch {
                try await cleanup()
                throw error
            }
            try await cleanup()
            return time
        }

        private static func administer(_ url: String, _ sql: String, logger: Logger) async throws {
            guard case .postgres(let host, let port, let user, let password, let database, _, _) = try StoreLocation(parsing: url) else { return }
            let connection = try await PostgresConnection.connect(
                configuration: .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .disable),
                id: 1, logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        }
    }
}
