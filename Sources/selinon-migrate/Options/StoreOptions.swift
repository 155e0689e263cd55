import ArgumentParser
import FlowStore
import Foundation
import Logging

/// `--store URL`: where in-flight flows live.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"),
            help: ArgumentHelp("Where in-flight flows live: sqlite:PATH or postgres://user@host:port/database.",
                               discussion: """
                                   Default: $SELINON_MIGRATE_STORE, else \(StoreLocation.defaultLocation). A PostgreSQL \
                                   password is best given in $PGPASSWORD (command lines are visible to other users); \
                                   ?sslmode=require asks for TLS with the server's certificate and host name verified (as libpq's verify-full; &sslrootcert=CA.pem for a private certificate authority), ?host=/run/postgresql (with &port=5432 if need be) uses a unix socket.
                                   """,
                               valueName: "url"))
    var store: String?

    @Option(name: .customLong("store-timeout"), parsing: .unconditional,
            help: ArgumentHelp("How long to wait for the store before giving up, in seconds.",
                               discussion: """
                                   PostgreSQL: for a batch, page or count to finish (a dropped connection, a long lock wait; \
                                   default: \(Self.defaultStoreTimeout)). SQLite: for a lock another process holds (a dispatcher's \
                                   write; default: \(Self.defaultSQLiteLockTimeout)).
                                   """,
                               valueName: "seconds"))
    var storeTimeout: Int?

    static let defaultStoreTimeout = Int(PostgresFlowStore.defaultAnswerTimeout.components.seconds)
    static let defaultSQLiteLockTimeout = Int(SQLiteFlowStore.defaultLockTimeout.components.seconds)

    /// The location given, with the environment default applied.
    var locationText: String {
        store ?? ProcessInfo.processInfo.environment["SELINON_MIGRATE_STORE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? StoreLocation.defaultLocation
    }

    /// The location for messages and reports: as given, but without a PostgreSQL password (these
    /// end up in deploy logs).
    var displayText: String {
        let text = locationText
        guard var components = URLComponents(string: text), components.scheme?.hasPrefix("postgres") == true,
              components.password != nil else { return text }
        components.password = nil
        return components.string ?? ((try? StoreLocation(parsing: text))?.description ?? text)
    }

    func validate() throws {
        if store == nil, let error = StartupRefusal.environmentError("SELINON_MIGRATE_STORE") { throw error }
        if let storeTimeout, storeTimeout < 1 { throw ValidationError("--store-timeout must be at least 1 second.") }
        if let storeTimeout, storeTimeout > Self.maximumStoreTimeout {
            throw ValidationError("--store-timeout must be at most \(Self.maximumStoreTimeout) seconds (a week).")
        }
        do {
            _ = try StoreLocation(parsing: locationText)
        } catch {
            throw ValidationError(store == nil ? "$SELINON_MIGRATE_STORE: \(error.message) (or give --store)" : "--store: \(error.message)")
        }
    }

    /// Refuses an output file that is the SQLite store itself or one of its companion files
    /// (`-wal`, `-shm`, `-journal`): writing it would destroy the store.
    func refuseOutputOverStore(_ output: String) throws {
        guard case .sqlite(let path)? = try? StoreLocation(parsing: locationText) else { return }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] where OutputSink.wouldReplace(file, writingTo: output) {
            throw ValidationError("--output names the store's own file ('\(output)' is \(file)); writing it would destroy the store: "
                + "give the output a file of its own.")
        }
    }

    /// What an interrupted writer adds about an SQLite store: what it committed may be only in the
    /// write-ahead log, which closing copies into the file and an interrupt does not. Empty for
    /// PostgreSQL.
    var interruptedWriteNote: String {
        guard case .sqlite(let path)? = try? StoreLocation(parsing: locationText) else { return "" }
        return "; what was committed may still be in \(path)-wal, which the next command that opens the store copies into "
            + "\(path): until then keep the two files together (do not delete \(path)-wal, do not copy \(path) alone)"
    }

    /// The longest `--store-timeout` (a week): the deadline is a point in time, which a value near
    /// `Int.max` seconds would overflow.
    static let maximumStoreTimeout = 7 * 24 * 3600

    /// Opens the store and checks (or, with `createIfMissing`, creates) its schema; reports
    /// failures on `terminal`. `readOnly` for commands that never write.
    func open(terminal: Terminal, createIfMissing: Bool = false, readOnly: Bool = false) async throws -> any FlowStateStore {
        var logger = Logger(label: "selinon-migrate.store")
        logger.logLevel = .warning
        let store: any FlowStateStore
        do {
            store = try StoreLocation(parsing: locationText).open(logger: logger, createIfMissing: createIfMissing, readOnly: readOnly,
                                                                  answerTimeout: .seconds(storeTimeout ?? Self.defaultStoreTimeout),
                                                                  lockTimeout: .seconds(storeTimeout ?? Self.defaultSQLiteLockTimeout))
        } catch {
            terminal.message("error: \(error.message)")
            throw Self.exitStatus(error)
        }
        do {
            try await store.prepare(createIfMissing: createIfMissing)
        } catch {
            // A store this run created and could not prepare (a full disk) is not left behind.
            if await (store as? SQLiteFlowStore)?.closeRemovingIfCreatedEmpty() != true { await terminal.close(store) }
            terminal.message("error: \(error.message)")
            throw Self.exitStatus(error)
        }
        return store
    }

    /// Exit 1 for a store that is not there, holds something else or is newer than this tool
    /// (the location or the tool is wrong), 2 for one that cannot be reached or read.
    private static func exitStatus(_ error: StoreError) -> ExitCode {
        [.newerSchema, .missingStore, .notAStore].contains(error.kind) ? ExitStatus.inputFailed : ExitStatus.toolFailed
    }
}

extension Terminal {
    /// Closes `store`, warning when SQLite could not copy its write-ahead log into the database
    /// file (a full disk): the two files must then stay together.
    func close(_ store: (any FlowStateStore)?) async {
        guard let store else { return }
        if let sqlite = store as? SQLiteFlowStore {
            if let warning = await sqlite.closeReportingLog() { message("warning: " + warning) }
        } else {
            await store.close()
        }
    }
}
