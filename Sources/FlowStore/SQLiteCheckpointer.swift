import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the SQLite store's write-ahead log back into the database file on a connection of its
/// own, so that no write transaction waits for it.
///
/// SQLite's automatic checkpoint runs inside the commit that grows the log past 1,000 pages: every
/// few batches of a sweep, one commit also copies the whole log (on this project's machine, a
/// quarter of the time of a bare batched `UPDATE`). The store's writer connection reports its
/// commits here instead (`sqlite3_wal_hook`, which replaces the automatic checkpoint on that
/// connection), and a PASSIVE checkpoint — one that never waits for, nor blocks, the writer or the
/// readers — runs on a serial queue while the writer goes on. Durability does not change: a
/// committed transaction is in the log either way, and SQLite reads the log until it is copied.
///
/// The checkpointing connection is also the store's last connection to close. SQLite's last
/// connection copies what is left in the log and removes it, but only a connection that may
/// write does so, and GRDB closes a pool's read-only readers after its writer: without this, a
/// store that was read before it closed would leave its log behind.
///
/// A PASSIVE checkpoint copies the log but never starts it over: SQLite writes from the start of
/// the log again only when a commit finds it copied completely and no reader in it, which a sweep
/// (reading the next batches while it writes) never gives it — the log of a 200,000-flow `apply`
/// grew to 845 MB for a 156 MB store. So once the log passes ``restartThresholdPages``, the
/// commit that finds it so runs a RESTART checkpoint itself: it copies what the background ones
/// left and waits for the readers of the log to finish their transactions — at most
/// ``restartWait``, as the sweep's own reads take milliseconds — and the next commit writes the
/// log from its start. A reader that holds on longer (an `export` of another process) keeps the
/// log from starting over whatever anyone does; the writer then goes on, and tries again only
/// after another ``restartRetryPages`` of log, so it never stalls on such a reader.
///
/// Should the checkpointing connection fail to open (the file renamed or its permissions changed
/// under an open store), commits go back to checkpointing themselves, as SQLite's automatic
/// checkpoint would: the log never grows without bound.
final class SQLiteCheckpointer: Sendable {
    /// Log size, in pages, that starts a checkpoint: SQLite's own default for the automatic one.
    static let thresholdPages: Int32 = 1_000
    /// Log size, in pages, past which a commit starts the log over (see above): 32 MiB of 4 KiB pages.
    static let restartThresholdPages: Int32 = 8_192
    /// Log growth, in pages, after a RESTART that found readers before the next one is tried.
    static let restartRetryPages: Int32 = 2_048
    /// How long a RESTART waits for the readers of the log, in milliseconds.
    static let restartWait: Int32 = 200

    private let path: String
    /// The store's lock timeout, which a commit that ran a RESTART gives its connection back.
    private let lockTimeoutMilliseconds: Int32
    private let queue = DispatchQueue(label: "selinon-migrate.sqlite-checkpoint")
    private let pending = Mutex(Pending())
    /// The checkpointing connection, opened on first use; touched only on `queue` (and in deinit).
    private nonisolated(unsafe) var connection: OpaquePointer?

    private struct Pending {
        /// The log size at which the next RESTART is tried (raised after one that found readers).
        var nextRestart = SQLiteCheckpointer.restartThresholdPages
        /// The log size at the last commit: a smaller one means the log started over.
        var lastLogPages: Int32 = 0
        var scheduled = false
        /// A background checkpoint is copying (it holds SQLite's checkpoint lock).
        var copying = false
        var closed = false
        /// The checkpointing connection could not be opened: commits checkpoint themselves.
        var unavailable = false
    }

    /// - Parameter path: the database file; a relative path is resolved now, so that a later
    ///   change of the working directory does not send the checkpoints elsewhere — and only so:
    ///   this connection must open the very file the store's own connections open, which take
    ///   the path as it is (Foundation's URLs would expand a leading `~`).
    /// - Parameter lockTimeoutMilliseconds: the busy timeout of the store's connections.
    init(path: String, lockTimeoutMilliseconds: Int32) {
        self.path = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
    }

    deinit {
        if let connection { sqlite3_close_v2(connection) }
    }

    /// Reports `db`'s commits to this checkpointer instead of checkpointing in them. The hook's
    /// context is not retained: the configuration that calls this (and so `db`) holds the
    /// checkpointer, so it outlives every commit the hook sees.
    func observeCommits(of db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, database, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
            switch checkpointer.committed(logPages: pages) {
            case .inline:
                // What SQLite's automatic checkpoint does in this hook.
                sqlite3_wal_checkpoint_v2(connection, database, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            case .restart:
                // Waiting briefly, then the connection's own timeout again. A failure (a reader
                // holding on) loses nothing: the log goes on growing until a later try succeeds.
                sqlite3_busy_timeout(connection, SQLiteCheckpointer.restartWait)
                let status = sqlite3_wal_checkpoint_v2(connection, database, SQLITE_CHECKPOINT_RESTART, nil, nil)
                sqlite3_busy_timeout(connection, checkpointer.lockTimeoutMilliseconds)
                checkpointer.restarted(status == SQLITE_OK, logPages: pages)
            case .none, .background:
                break
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Records a RESTART: after one that found readers, the next waits for more log. One that
    /// found this store's own background checkpoint copying (SQLite then gives up at once,
    /// without waiting) is tried again at the next commit.
    private func restarted(_ succeeded: Bool, logPages: Int32) {
        pending.withLock { pending in
            if succeeded {
                pending.nextRestart = Self.restartThresholdPages
            } else if !pending.copying {
                pending.nextRestart = logPages + Self.restartRetryPages
            }
        }
    }

    /// Waits for a checkpoint in progress, then closes the checkpointing connection (opening it
    /// first if no checkpoint did): call it after the pool has closed, so that this is the last
    /// connection of the process and, unless another process has the file open, SQLite copies the
    /// rest of the log into the database file and removes the log. Later commits start no checkpoint.
    /// - Returns: SQLite's primary result code and message when copying the log failed for another reason than another
    ///   connection using it (a full disk, an I/O error): the log then stays next to the file,
    ///   which holds only part of the store without it (nothing is lost while the two stay together).
    @discardableResult
    func close() -> (code: Int32, message: String)? {
        let first = pending.withLock { pending in
            defer { pending.closed = true }
            return !pending.closed
        }
        guard first else { return nil }
        return queue.sync {
            defer { connection = nil }
            guard let connection = connection ?? open() else { return nil }
            // The copy closing does, done first where its failure can be seen (close reports none).
            var logFrames: Int32 = 0, copiedFrames: Int32 = 0
            let status = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copiedFrames)
            let problem = [SQLITE_OK, SQLITE_BUSY, SQLITE_LOCKED].contains(status & 0xFF) ? nil
                : (code: status & 0xFF, message: String(cString: sqlite3_errmsg(connection)))
            // Another process keeping the store open (a dispatcher) keeps the log file too, at
            // the largest size it reached — hundreds of megabytes after a sweep next to an export.
            // All of it copied, the log is cut to nothing, waiting for readers and writers at most
            // ``restartWait`` (SQLite reads and writes it from its start again afterwards).
            if status == SQLITE_OK && logFrames > 0 && copiedFrames == logFrames {
                sqlite3_busy_timeout(connection, Self.restartWait)
                sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
            }
            sqlite3_close_v2(connection)
            return problem
        }
    }

    /// Where a commit's checkpoint happens.
    private enum Checkpoint {
        case none, background, inline, restart
    }

    private func committed(logPages: Int32) -> Checkpoint {
        let restart = pending.withLock { pending -> Bool in
            if logPages < pending.lastLogPages { pending.nextRestart = Self.restartThresholdPages }
            pending.lastLogPages = logPages
            return logPages >= pending.nextRestart && !pending.closed
        }
        if restart { return .restart }
        guard logPages >= Self.thresholdPages else { return .none }
        let checkpoint = pending.withLock { pending -> Checkpoint in
            if pending.unavailable { return .inline }
            guard !pending.scheduled && !pending.closed else { return .none }
            pending.scheduled = true
            return .background
        }
        if checkpoint == .background { queue.async { self.checkpoint() } }
        return checkpoint
    }

    /// One PASSIVE checkpoint. A failure (the file busy with another process's checkpoint, an I/O
    /// error) loses nothing: the log keeps the pages, and the next commit past the threshold tries again.
    private func checkpoint() {
        // Cleared first, so that a commit during this checkpoint schedules the next one. After
        // `close`, the closing connection does the copying.
        let closed = pending.withLock { pending in
            pending.scheduled = false
            return pending.closed
        }
        guard !closed else { return }
        if connection == nil { connection = open() }
        guard let connection else {
            pending.withLock { $0.unavailable = true }
            return
        }
        pending.withLock { $0.copying = true }
        sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        pending.withLock { $0.copying = false }
    }

    /// A connection that may write, having read the file (which is how a new connection learns
    /// that it is in WAL mode); nil when the file cannot be opened so.
    private func open() -> OpaquePointer? {
        var opened: OpaquePointer?
        guard sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
              sqlite3_exec(opened, "PRAGMA journal_mode", nil, nil, nil) == SQLITE_OK else {
            sqlite3_close_v2(opened)
            return nil
        }
        return opened
    }
}
