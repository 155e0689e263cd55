import FlowMigration
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The embedded store: one SQLite file in WAL mode through GRDB — nothing to install. Several
/// processes may use the file at once (SQLite serialises writers; each write is one transaction).
public final class SQLiteFlowStore: FlowStateStore {
    private let pool: DatabasePool
    private let checkpointer: SQLiteCheckpointer
    /// The database file.
    public let path: String
    /// Opened for reading only (`status`, `export`): a log it may not copy as it closes is left
    /// to a writer without a warning.
    private let readOnly: Bool
    /// Whether opening this store created its directory as well as its file; nil when the file
    /// was there. What ``closeRemovingIfCreatedEmpty()`` may remove.
    private let createdDirectory: Bool?
    /// How long a connection waits for another process's lock before the store reports itself busy.
    private let lockTimeout: TimeInterval
    /// Set by `close`: what is asked afterwards is refused as ``StoreError/Kind/misuse``.
    private let isClosed = Mutex(false)
    /// Set by the first write this store committed: from then on, a store it created holds
    /// something an error must not speak of as lost.
    private let hasCommitted = Mutex(false)

    /// Opens the database at `path`; creates it when `createIfMissing`, and its directory (one
    /// level, as `.selinon/`: a directory above it that is missing is more likely a typo).
    /// - Parameters:
    ///   - readOnly: open it for reading only (`status`, `export`, dry runs): no write lock is
    ///     ever taken, so a reader runs next to a writer that holds it, however long.
    ///   - lockTimeout: how long to wait for a lock another process holds (a dispatcher's
    ///     write) before giving up with ``StoreError/Kind-swift.enum/unavailable``: from a
    ///     millisecond to 24 days; by default ``defaultLockTimeout``.
    public init(path: String, createIfMissing: Bool, readOnly: Bool = false,
                lockTimeout: Duration = SQLiteFlowStore.defaultLockTimeout) throws(StoreError) {
        guard let lockMilliseconds = Self.milliseconds(lockTimeout) else {
            throw StoreError(.misuse, "lockTimeout is \(lockTimeout): give one from 1 ms to \(Int32.max / 86_400_000) days")
        }
        self.path = path
        self.readOnly = readOnly
        let lockSeconds = TimeInterval(lockMilliseconds) / 1_000
        self.lockTimeout = lockSeconds
        let checkpointer = SQLiteCheckpointer(path: path, lockTimeoutMilliseconds: lockMilliseconds)
        self.checkpointer = checkpointer
        var status = stat()
        var createdDirectory: Bool?
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                // SQLite finds its -wal and -shm files by the name it was given: two names of one
                // file would give two logs, and writers through both corrupt it.
                if status.st_nlink > 1 {
                    throw StoreError(.notAStore, "the SQLite store \(path) has \(status.st_nlink) hard links: SQLite keeps its write-ahead log "
                        + "next to the name it is given, so processes using two names of one file would corrupt it; "
                        + "keep one name (remove the other links, or use a symbolic link)")
                }
            case S_IFDIR:
                throw StoreError(.notAStore, "the SQLite store \(path) is a directory; give the store a file (for example sqlite:\(path)/flows.sqlite)")
            default:
                // /dev/null would take the writes and lose them, and SQLite would put its journal next to it.
                throw StoreError(.notAStore, "the SQLite store \(path) is not a regular file (a device, a pipe or a socket); "
                    + "give the store a file of its own")
            }
            // Even a read-only look creates the -shm and -wal files of a WAL database, which would
            // then be left behind with this user's permissions: check the rights first. The
            // directory need not be writable when both are there already and may be written —
            // nor anything but readable for a reader while a writer has the store open: SQLite
            // then reads the writer's log through read-only -wal and -shm files.
            let directory = parentDirectory(of: path)
            if access(path, R_OK) != 0 {
                throw StoreError(.unavailable, "cannot read the SQLite store at \(path): \(String(cString: strerror(errno))); "
                    + "run as a user who may read \(readOnly ? "it" : "and write it")")
            }
            let logFilesWritable = ["-wal", "-shm"].allSatisfy { access(path + $0, R_OK | W_OK) == 0 }
            let readsLiveLog = readOnly && ["-wal", "-shm"].allSatisfy { access(path + $0, R_OK) == 0 }
            // A log left by another user's process (a dispatcher, a killed run as root): SQLite
            // must write it, and would only say "attempt to write a readonly database" at the first write.
            if !readsLiveLog, let foreign = ["-wal", "-shm"].first(where: { suffix in
                var status = stat()
                return stat(path + suffix, &status) == 0 && access(path + suffix, W_OK) != 0 && errno == EACCES
            }) {
                var status = stat()
                _ = stat(path + foreign, &status)
                let owner = getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "user \(status.st_uid)"
                throw StoreError(.unavailable, "cannot open the SQLite store at \(path): \(path)\(foreign) belongs to \(owner) and may not be "
                    + "written by this user (a process of \(owner) left it, and may still use the store) — SQLite writes it to use the store, "
                    + "even to read it: run as \(owner), or let this user write \(path)-wal and \(path)-shm (chown or chmod them)")
            }
            if !readsLiveLog && (access(path, W_OK) != 0 || (!logFilesWritable && access(directory.isEmpty ? "." : directory, W_OK | X_OK) != 0)) {
                let readOnlyFileSystem = errno == EROFS
                throw Self.permissionError(path, reason: String(cString: strerror(readOnlyFileSystem ? EROFS : EACCES)),
                                           readOnlyFileSystem: readOnlyFileSystem, writing: !readOnly)
            }
            try Self.inspect(path, createIfMissing: createIfMissing, lockTimeout: lockSeconds)
        } else if let problem = Self.brokenLink(path, statError: errno) {
            throw problem
        } else if createIfMissing {
            createdDirectory = try Self.makeOwnDirectory(of: path)
            let directory = parentDirectory(of: path)
            let shown = directory.isEmpty ? "." : directory
            if access(shown, W_OK | X_OK) != 0 {
                throw StoreError(.unavailable, errno == EROFS
                    ? "cannot create the SQLite store at \(path): the directory \(shown) is on a read-only file system; give the store a path on a writable one"
                    : "cannot create the SQLite store at \(path): the directory \(shown) is not writable (\(String(cString: strerror(errno)))); "
                        + "run as a user who may write it, or give the store another path")
            }
        } else {
            throw StoreSchema.missingStoreError("sqlite:\(path)")
        }
        do {
            var configuration = Self.configuration(lockTimeout: lockTimeout)
            // GRDB's writer would make sure a write-ahead log exists, which takes the write lock.
            configuration.readonly = readOnly
            configuration.prepareDatabase { db in
                if !db.configuration.readonly { checkpointer.observeCommits(of: db) }
            }
            pool = try Self.openPool(path: path, configuration: configuration, lockTimeout: lockSeconds)
        } catch {
            // A store that could not even open (a full disk) leaves nothing of itself behind.
            if let createdDirectory { Self.removeNewStore(path, directoryToo: createdDirectory) }
            throw Self.openFailure(path, error, existed: createdDirectory == nil, lockTimeout: lockSeconds)
        }
        self.createdDirectory = createdDirectory
    }

    /// A store path that is a symbolic link the store cannot be reached through — a loop, or a
    /// link to a file whose directory does not exist (a volume not mounted yet) — as an error
    /// that says so; `nil` for anything else. (`statError`: why `stat` of the path failed.)
    private static func brokenLink(_ path: String, statError: Int32) -> StoreError? {
        if statError == ELOOP {
            return StoreError(.notAStore, "the SQLite store \(path) is a symbolic link that leads back to itself (a loop); fix the link")
        }
        var status = stat()
        guard statError == ENOENT, lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK,
              let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return nil }
        let resolved = target.hasPrefix("/") ? target : (parentDirectory(of: path).isEmpty ? target
            : (parentDirectory(of: path) as NSString).appendingPathComponent(target))
        let directory = parentDirectory(of: resolved)
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return nil }
        return StoreError(.missingStore, "the SQLite store \(path) is a symbolic link to \(target), whose directory \(directory) does not "
            + "exist (a volume not mounted yet?); nothing was created: mount it, or fix the link")
    }

    /// Removes the files of a store this process created and the directory it made for it. A
    /// store path that is a symbolic link is the user's: the file created through it goes, the
    /// link stays (SQLite keeps the logs next to the name it is given, the link's).
    private static func removeNewStore(_ path: String, directoryToo: Bool) {
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
            if let target = realpath(path, nil) {
                unlink(target)
                free(target)
            }
        } else {
            unlink(path)
        }
        for suffix in ["-wal", "-shm", "-journal"] { unlink(path + suffix) }
        if directoryToo {
            unlink((parentDirectory(of: path) as NSString).appendingPathComponent(".gitignore"))
            rmdir(parentDirectory(of: path))  // only when empty
        }
    }

    /// Whether opening this store created its file (and perhaps its directory).
    package var createdItsFile: Bool { createdDirectory != nil }

    /// When opening this store created its file and it holds no flow and no event (a command
    /// stopped before storing anything, or the schema was never written), closes it and removes
    /// the file, its logs and the directory made for it: a command that failed at once leaves no
    /// empty store, which would pass for a real one (`status`: "0 flows") where a mistyped path
    /// should be an error. A store another process stored a flow in meanwhile is kept.
    /// - Returns: whether the store was closed and removed; when not, it is still open.
    package func closeRemovingIfCreatedEmpty() async -> Bool {
        guard let createdDirectory, let empty = try? await read({ db in
            try ["flows", "migration_events"].allSatisfy { table in
                try !db.tableExists(table) || Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") == 0
            }
        }), empty else { return false }
        isClosed.withLock { $0 = true }
        try? pool.close()
        _ = checkpointer.close()
        Self.removeNewStore(path, directoryToo: createdDirectory)
        return true
    }

    /// Opens the pool, trying again while another process holds the lock that switching a new
    /// file to WAL mode needs: SQLite answers `PRAGMA journal_mode = WAL` busy at once, without
    /// waiting as other statements do, so two commands that create (or first open) one store at
    /// the same moment would otherwise fail for no reason — nor when the other one closes the
    /// store just as this one opens it. Gives up after `lockTimeout` seconds.
    private static func openPool(path: String, configuration: Configuration, lockTimeout: TimeInterval) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(lockTimeout)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(useconds_t.random(in: 10_000...50_000))
            } catch let error as NSError where error.domain == NSCocoaErrorDomain && error.code == CocoaError.fileReadNoSuchFile.rawValue
                        && Date() < deadline {
                // GRDB reads the size of the -wal file it has just seen: another process closing
                // the store as the last one removes it in between.
                usleep(useconds_t.random(in: 10_000...50_000))
            }
        }
    }

    /// Creates the store's own directory when it is missing — one level, as `.selinon/`: a
    /// missing directory above it is more likely a typo — and names a file in its way. The new
    /// directory gets a `.gitignore` that ignores all of it: the default store lands in the
    /// current directory, often a repository's, where `git add -A` would commit the database.
    /// - Returns: whether it created the directory.
    private static func makeOwnDirectory(of path: String) throws(StoreError) -> Bool {
        let directory = parentDirectory(of: path)
        guard !directory.isEmpty else { return false }
        func isDirectory() -> Bool? {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) ? isDirectory.boolValue : nil
        }
        switch isDirectory() {
        case true?: return false
        case false?: throw StoreError(.notAStore, "cannot create the SQLite store \(path): \(directory) is a file, not a directory; "
            + "check the path, or move that file out of the way")
        case nil: break
        }
        let above = parentDirectory(of: directory)
        if !above.isEmpty && !FileManager.default.fileExists(atPath: above) {
            throw StoreError(.missingStore, "cannot create the SQLite store \(path): the directory \(above) does not exist "
                + "(only the store's own directory is created); check the path, or create \(above) first")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            // Best effort: a store without it works all the same.
            try? Data("# Created by selinon-migrate with the flow store: in-flight flows are state, not source.\n*\n".utf8)
                .write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(".gitignore")))
            return true
        } catch where isDirectory() == true {
            // Another process made it meanwhile.
            return false
        } catch {
            throw StoreError(.unavailable, "cannot create the directory \(directory) for the SQLite store: \(FileSystemReason.describe(error))"
                + (FileSystemReason.code(of: error).flatMap(FileSystemReason.writeHint(for:)).map { "; \($0)" } ?? ""))
        }
    }

    /// The store at `path` cannot be used by this user, and what SQLite needs. A copy serves a
    /// reader (`writing` false); a command that writes must change the store the dispatchers use.
    private static func permissionError(_ path: String, reason: String, readOnlyFileSystem: Bool = false, writing: Bool = true) -> StoreError {
        let directory = parentDirectory(of: path)
        let fix = switch (readOnlyFileSystem, writing) {
        case (true, false):
            "copy the store (with its -wal file, if any) to a writable file system and use the copy"
        case (true, true):
            "this command changes the store, so it must be writable where it is (a migrated copy would leave the store the "
                + "dispatchers use unmigrated): remount the file system read-write, or run where the store is writable"
        case (false, _):
            "run as a user who may write the file and its directory (\(directory.isEmpty ? "." : directory))"
        }
        return StoreError(.unavailable, "cannot open the SQLite store at \(path): \(reason) — the store is in WAL mode, so even "
            + "reading it writes \(path)-shm and \(path)-wal next to it: " + fix)
    }

    /// Why the store at `path` could not be opened; a permission problem says what SQLite needs.
    /// - Parameters:
    ///   - existed: whether the file was there before (not created by this open).
    /// (Nothing of this run was written yet: a store that is locked says so.)
    private static func openFailure(_ path: String, _ error: any Error, existed: Bool = true,
                                    lockTimeout: TimeInterval) -> StoreError {
        if let error = error as? StoreError { return error }
        // (A full disk first: "unable to open database file" then means no room was left for the
        // file or its logs, not a permission problem, which the checks before opening would have found.)
        if let known = damagedOrBusy(path, error, committedBefore: existed, wroteNothing: true, lockTimeout: lockTimeout) { return known }
        if let error = error as? DatabaseError, [.SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM].contains(error.resultCode) {
            return permissionError(path, reason: error.message ?? "\(error.resultCode)")
        }
        return StoreError(.unavailable, "cannot open the SQLite store at \(path): \(error)")
    }

    /// Whether the file at `path`, which SQLite does not take for a database, still looks like
    /// one that was damaged: SQLite's log files are next to it, or its length is whole pages of
    /// the page size its header gives (bytes 16–17, which survive an overwritten magic string).
    static func looksLikeDamagedDatabase(_ path: String) -> Bool {
        if ["-wal", "-shm"].contains(where: { FileManager.default.fileExists(atPath: path + $0) }) { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 100), header.count == 100,
              let size = try? handle.seekToEnd() else { return false }
        let field = Int(header[header.startIndex + 16]) << 8 | Int(header[header.startIndex + 17])
        let pageSize = field == 1 ? 65_536 : field
        guard pageSize >= 512, pageSize <= 65_536, pageSize & (pageSize - 1) == 0 else { return false }
        return size >= UInt64(pageSize) && size % UInt64(pageSize) == 0
    }

    /// A damaged file, or a lock another process held past the busy timeout, in words.
    /// - Parameters:
    ///   - committedBefore: whether the store may hold what earlier runs committed (not one this
    ///     run created).
    ///   - wroteNothing: nothing of this run was committed — the store is open read-only
    ///     (status, export, a dry run), still opening, or has not committed yet.
    private static func damagedOrBusy(_ path: String, _ error: any Error, committedBefore: Bool = true, wroteNothing: Bool = false,
                                      lockTimeout: TimeInterval) -> StoreError? {
        guard let error = error as? DatabaseError else { return nil }
        if [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            return StoreError(.damaged, "the SQLite store \(path) is damaged (\(error.message ?? "database disk image is malformed")): "
                + "restore it from a backup — with no process using the store, remove \(path)-wal and \(path)-shm too, or SQLite "
                + "replays the damaged log onto the backup; running again will not repair it")
        }
        // A full disk: SQLITE_FULL when a write needs room, a bare I/O error when even the -shm
        // file a reader maps cannot be made, "unable to open" when not even the file can.
        if error.resultCode == .SQLITE_FULL
            || ([.SQLITE_IOERR, .SQLITE_CANTOPEN].contains(error.resultCode) && hasNoFreeSpace(near: path)) {
            return StoreError(.unavailable, "the file system holding the SQLite store \(path) is full (SQLite: \(error.message ?? "\(error.resultCode)")): "
                + (committedBefore ? "what was committed stays; " : "") + "free space there — SQLite needs room for \(path)-wal and \(path)-shm even to read "
                + "the store — then run again")
        }
        // A write past the process's file-size limit fails with EFBIG, which SQLite reports as a bare I/O error.
        if error.resultCode == .SQLITE_IOERR, let limit = fileSizeLimit() {
            return StoreError(.unavailable, "the SQLite store \(path) could not be written (SQLite: \(error.message ?? "disk I/O error")), and "
                + "this process may write no file larger than \(limit) bytes (ulimit -f): a file of the store may have reached it. "
                + (committedBefore ? "What was committed stays; " : "") + "raise the limit (ulimit -f unlimited) and run again")
        }
        if [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
            return StoreError(.unavailable, "the SQLite store \(path) is locked: another process has held it for longer than the "
                + "\(lockTimeout == lockTimeout.rounded() ? "\(Int(lockTimeout))" : "\(lockTimeout)") s lock timeout (a long write, a transaction left open, or exclusive locking mode; lsof run on the file "
                + "names the processes that have it open); "
                + (wroteNothing ? "nothing was written: run again when that process is done"
                    : "what this run committed before stays, and running again when that process is done continues")
                + " (--store-timeout waits longer)")
        }
        return nil
    }

    /// Whether the file system of `path`'s directory has no block left for this user. (A file
    /// system of no blocks at all — /proc, sysfs, some FUSE ones — is not full: it takes no files.)
    private static func hasNoFreeSpace(near path: String) -> Bool {
        var status = statvfs()
        let directory = parentDirectory(of: path)
        return statvfs(directory.isEmpty ? "." : directory, &status) == 0 && status.f_bavail == 0 && status.f_blocks > 0
    }

    /// The largest file this process may write, in bytes, when it is limited (`ulimit -f`).
    private static func fileSizeLimit() -> UInt64? {
        var limit = rlimit()
        #if os(Linux)
        let resource = Int32(RLIMIT_FSIZE.rawValue)
        let unlimited = rlim_t.max  // RLIM_INFINITY, all bits set, does not import into Swift here
        #else
        let resource = RLIMIT_FSIZE
        let unlimited = RLIM_INFINITY
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != unlimited else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// Looks at an existing file (reading only) before the store opens it as a pool (which would
    /// switch it to WAL mode): refuses a file that is not SQLite, a database of something else,
    /// and a newer schema, and — for readers — a file with no store in it yet, all unchanged.
    ///
    /// Reading a WAL database makes SQLite create its `-shm` and `-wal` files; only a connection
    /// that may write removes them when it closes as the last one. So the look is taken through
    /// such a connection (it writes nothing) when there is no `-wal` yet, and a refused file is
    /// left with nothing new next to it. With a `-wal` (in use, or left by a crash), a read-only
    /// connection: closing a writable one would checkpoint that log into the file. A hot
    /// `-journal` (a rollback-mode file whose writer was killed — a store killed while it was
    /// being created, before it switched to WAL) is rolled back by that first read, as every
    /// SQLite reader does; a read-only connection could not read the file at all. The look waits
    /// for other processes' locks as long as the store does (one closing its store holds the
    /// file for a moment while it checkpoints).
    private static func inspect(_ path: String, createIfMissing: Bool, lockTimeout: TimeInterval) throws(StoreError) {
        let location = "sqlite:\(path)"
        let tables: [String]
        var schemaVersion: Int?
        var columns: [String: Set<String>] = [:]
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(lockTimeout)
            configuration.readonly = FileManager.default.fileExists(atPath: path + "-wal")
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            (tables, schemaVersion, columns) = try queue.read { db in
                let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                let version = names.contains("selinon_migrate_schema") ? try Self.schemaVersion(db, location: location) : nil
                var columns: [String: Set<String>] = [:]
                for table in ["flows", "migration_events"] where names.contains(table) {
                    columns[table] = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]))
                }
                return (names, version, columns)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            // A file shaped like a database (its log next to it, or whole pages of the size its
            // header gives) whose first bytes were overwritten is a damaged store, to restore —
            // a new path would start an empty one.
            if Self.looksLikeDamagedDatabase(path), let damaged = damagedOrBusy(path, error, wroteNothing: true, lockTimeout: lockTimeout) { throw damaged }
            throw StoreError(.notAStore, "\(path) is not a SQLite database; give the store a path of its own")
        } catch {
            throw openFailure(path, error, lockTimeout: lockTimeout)
        }
        if let schemaVersion, schemaVersion > StoreSchema.version { throw StoreSchema.newerSchemaError(schemaVersion, location: location) }
        if !tables.contains("selinon_migrate_schema") {
            // A store's tables without the one that says their version: dropped by hand — unless
            // their columns are not a store's (another application's tables of the same names).
            if tables.contains("flows") && tables.contains("migration_events") {
                throw StoreSchema.foreignTablesError(location: location, found: columns) ?? StoreSchema.missingVersionError(location)
            }
            if !tables.isEmpty {
                throw StoreError(.notAStore, "\(path) is a SQLite database of something else (tables: \(tables.prefix(5).joined(separator: ", ")))"
                    + "; give the store a path of its own")
            }
            if !createIfMissing { throw StoreSchema.missingStoreError(location) }
        }
    }

    /// The writer's page cache, in KiB. Sweeps write every row once but revisit the flows' key
    /// index and the tail of the event log in every batch; with SQLite's default 2 MiB those
    /// pages are read again after each checkpoint. Readers keep SQLite's default.
    public static let writerCacheKiB = 64 * 1024

    /// How long a connection waits for another process's lock, unless the store is opened with
    /// another `lockTimeout`: long enough for a dispatcher's write, short enough that a process
    /// that holds the store for good is reported within a deploy step.
    public static let defaultLockTimeout: Duration = .seconds(30)

    /// `duration` in whole milliseconds (rounded up), when SQLite's busy timeout can hold it: from
    /// 1 ms to `Int32.max` ms; nil otherwise.
    private static func milliseconds(_ duration: Duration) -> Int32? {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0, seconds < Int64(Int32.max) / 1_000 else { return nil }
        let milliseconds = seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return (1...Int64(Int32.max)).contains(milliseconds) ? Int32(milliseconds) : nil
    }

    /// The connection settings of every SQLite store: WAL (GRDB's default for a pool), a busy
    /// timeout of `lockTimeout` for concurrent writers, and ``writerCacheKiB`` for the writer. (A
    /// store also moves its writer's checkpoints to a connection of their own; see `SQLiteCheckpointer`.)
    /// A `lockTimeout` outside SQLite's range (1 ms to 24 days) is taken as the nearest end of it.
    public static func configuration(lockTimeout: Duration = defaultLockTimeout) -> Configuration {
        var configuration = Configuration()
        let milliseconds = milliseconds(lockTimeout) ?? (lockTimeout < .milliseconds(1) ? 1 : Int32.max)
        configuration.busyMode = .timeout(TimeInterval(milliseconds) / 1_000)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -\(writerCacheKiB)")
            }
            db.add(function: isUTF8Function)
        }
        return configuration
    }

    /// The highest schema version in `selinon_migrate_schema` (`nil` when it has no row); a
    /// value that is no integer (SQLite keeps whatever is written) is named as found, not read
    /// as 0.
    private static func schemaVersion(_ db: Database, location: String) throws -> Int? {
        guard try db.columns(in: "selinon_migrate_schema").contains(where: { $0.name == "version" }) else {
            throw StoreError(.notAStore, "\(location.dropFirst("sqlite:".count)) is a SQLite database of something else (its table "
                + "selinon_migrate_schema has no column version); give the store a path of its own")
        }
        var highest: Int?
        for row in try Row.fetchAll(db, sql: "SELECT version, typeof(version) AS type, quote(version) AS quoted FROM selinon_migrate_schema") {
            guard row["type"] as String == "integer" else {
                throw StoreSchema.missingVersionError(location, found: row["quoted"] as String)
            }
            highest = max(highest ?? Int.min, row["version"] as Int)
        }
        return highest
    }

    /// Looks first in a read transaction, so that a store that is ready is used without taking
    /// the write lock (`status` and `export` run while another process writes); creates the
    /// schema in a write transaction only when it must.
    public func prepare(createIfMissing: Bool) async throws(StoreError) {
        let location = "sqlite:\(path)"
        @Sendable func needsWriting(_ db: Database) throws -> Bool {
            let hasSchema = try db.tableExists("selinon_migrate_schema")
            let version = hasSchema ? try Self.schemaVersion(db, location: location) : nil
            if hasSchema && (version ?? 0) <= StoreSchema.version {
                // (A newer tool's schema is said to be one.) A column dropped by hand would fail the
                // first write only (a dry run would pass).
                var found: [String: Set<String>] = [:]
                for (table, _) in StoreSchema.columns where try db.tableExists(table) {
                    found[table] = Set(try db.columns(in: table).map(\.name))
                }
                if let missing = StoreSchema.missingColumnError(location: location, found: found) { throw missing }
                // Without its key a flow could be stored twice, and import's ON CONFLICT (flow_id) fails.
                if found["flows"] != nil, try !Self.flowIDIsKey(db) {
                    throw StoreError(.damaged, "the table 'flows' of \(location) was changed outside selinon-migrate: flow_id is no longer "
                        + "its primary key, so a flow may be stored twice; keep one row of each id that is (SELECT flow_id FROM flows "
                        + "GROUP BY flow_id HAVING COUNT(*) > 1), then CREATE UNIQUE INDEX flows_flow_id ON flows (flow_id) and run again")
                }
            }
            return try StoreSchema.needsWriting(location: location, hasSchemaTable: hasSchema, hasFlowsTable: db.tableExists("flows"),
                                                hasEventsTable: db.tableExists("migration_events"), version: version,
                                                createIfMissing: createIfMissing, eventsTableSQL: Self.createEventsTable)
        }
        guard try await read(needsWriting) else { return }
        try await write { db in
            guard try needsWriting(db) else { return }
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS selinon_migrate_schema (version INTEGER NOT NULL)")
            let found = try Self.schemaVersion(db, location: location) ?? 0
            if found < 1 {
                try db.execute(sql: """
                    CREATE TABLE flows (
                        flow_id TEXT PRIMARY KEY NOT NULL,
                        flow_name TEXT NOT NULL,
                        message TEXT NOT NULL,
                        migration_version INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    \(Self.createEventsTable);
                    INSERT INTO selinon_migrate_schema (version) VALUES (1);
                    """)
            }
        }
    }

    /// The statement that creates the event log (also the way back when it was dropped by hand).
    private static let createEventsTable = StoreSchema.createEventsTable(id: "INTEGER", time: "REAL")

    /// Whether `flows` still has `flow_id` as its key: a unique index on that column alone, with
    /// its own collation and no condition (what its PRIMARY KEY makes, or a unique index put back).
    private static func flowIDIsKey(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM pragma_index_list('flows') AS l WHERE l."unique" = 1 AND l.partial = 0
                AND (SELECT COUNT(*) FROM pragma_index_info(l.name)) = 1
                AND (SELECT name FROM pragma_index_info(l.name)) = 'flow_id'
                AND (SELECT coll FROM pragma_index_xinfo(l.name) WHERE key = 1) = 'BINARY')
            """) ?? false
    }

    @discardableResult
    public func insert(_ flows: [NewFlow], existing: ExistingFlows) async throws(StoreError) -> Int {
        try NewFlow.checkInsertable(flows)
        let now = Date().timeIntervalSince1970
        return try await write { db in
            let insert = try SQLiteRows("""
                INSERT INTO flows (flow_id, flow_name, message, migration_version, status, revision, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (flow_id) DO NOTHING
                """, in: db)
            var skipped = 0
            for flow in flows {
                let added = try insert.execute { binder in
                    try binder.text(1, flow.id)
                    try binder.text(2, flow.flowName)
                    try binder.bytes(3, flow.message)
                    try binder.integer(4, flow.migrationVersion)
                    try binder.text(5, flow.status.rawValue)
                    try binder.real(6, now)
                    try binder.real(7, now)
                }
                guard added == 0 else { continue }
                let stored = try Self.flows(db, "WHERE flow_id = ?") { try $0.text(1, flow.id) }.first
                try flow.checkSkippable(besides: stored, existing: existing)
                skipped += 1
            }
            return skipped
        }
    }

    public func flow(id: String) async throws(StoreError) -> StoredFlow? {
        try await read { db in
            try Self.flows(db, "WHERE flow_id = ?") { try $0.text(1, id) }.first
        }
    }

    public func save(_ update: FlowUpdate) async throws(StoreError) -> Int? {
        try await write { db in
            try Self.apply(update, with: try Self.updateStatement(in: db)) ? update.expectedRevision + 1 : nil
        }
    }

    public func remove(id: String, expectedRevision: Int) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM flows WHERE flow_id = ? AND revision = ?", arguments: [id, expectedRevision])
            return db.changesCount == 1
        }
    }

    public func pending(belowVersion version: Int, after cursor: String?, limit: Int) async throws(StoreError) -> PendingFlows {
        try StoreError.checkSize(limit, "limit")
        let (flows, damaged, lastID) = try await read { db in
            var flows: [StoredFlow] = [], damaged: [DamagedFlowRow] = [], lastID: String?
            // Paged by the ids' bytes. An id of text that is not UTF-8 reads back repaired, so no
            // page can start after it: it is named where the rows after it are read in the same
            // page — ahead of the page's first readable row, or between two — and one at the end
            // of a page is left for the next, which starts before it.
            var after = Array((cursor ?? "").utf8)
            var unreadableSinceLast: [DamagedFlowRow] = []
            let statement = try SQLiteRows(Self.flowColumns + """
                WHERE (migration_version < ? AND status <> 'failed' OR \(Self.damagedRow)) AND typeof(flow_id) = 'text' \
                AND flow_id > ? ORDER BY flow_id LIMIT ?
                """, in: db)
            while true {
                var read = 0
                try statement.query(binding: {
                    try $0.integer(1, version)
                    try $0.bytes(2, after)
                    try $0.integer(3, limit)
                }) { row in
                    read += 1
                    after = row.bytes(0)
                    do {
                        flows.append(try Self.storedFlow(row))
                    } catch let error as EditedRow where error.column == "flow_id" {
                        if lastID == nil { damaged.append(self.damagedRow(error, row)) } else { unreadableSinceLast.append(self.damagedRow(error, row)) }
                        return
                    } catch let error as EditedRow {
                        damaged.append(self.damagedRow(error, row))
                    }
                    damaged += unreadableSinceLast
                    unreadableSinceLast = []
                    lastID = row.text(0)
                }
                // A full page of such ids alone: read on past them, to a row a page can start after.
                guard lastID == nil && read == limit else { break }
            }
            // Ids that are not text at all sort apart from text (numbers before, blobs after): they
            // come with the first page, named, and left alone like any row changed by hand.
            if cursor == nil {
                try SQLiteRows(Self.flowColumns + "WHERE typeof(flow_id) <> 'text' ORDER BY flow_id", in: db).query(binding: { _ in }) { row in
                    do {
                        flows.append(try Self.storedFlow(row))
                    } catch let error as EditedRow {
                        damaged.append(self.damagedRow(error, row))
                    }
                }
            }
            return (flows, damaged, lastID)
        }
        return PendingFlows(flows: flows, damaged: damaged, lastID: lastID)
    }

    /// The SQL condition of a row that ``storedFlow(_:)`` refuses (but for an id of text that is
    /// not UTF-8): a column holding another type than the tool writes there, an unknown status,
    /// a version or revision out of range, a blank message.
    private static let damagedRow = """
        typeof(flow_id) <> 'text' OR typeof(flow_name) <> 'text' OR typeof(migration_version) <> 'integer' \
        OR typeof(status) <> 'text' OR status NOT IN (\(FlowStatus.expected)) OR typeof(revision) <> 'integer' \
        OR typeof(updated_at) NOT IN ('real', 'integer') OR \(FlowColumns.outOfRange) OR typeof(message) <> 'text' \
        OR \(FlowColumns.blankMessage(trim: "trim", whiteSpace: "' ' || char(9) || char(10) || char(13)"))
        """

    /// ``damagedRow`` or a text id that is not UTF-8 — a row `pending` stops at rather than
    /// returning it — for the counts, which must name every row a sweep cannot migrate.
    private static let damagedRowOrUnreadableID =
        "\(damagedRow) OR (typeof(flow_id) = 'text' AND NOT selinon_migrate_is_utf8(CAST(flow_id AS BLOB)))"

    /// `selinon_migrate_is_utf8(bytes)`: whether a blob is UTF-8 text (SQL has no such test); any
    /// other value is.
    private static var isUTF8Function: DatabaseFunction {
        DatabaseFunction("selinon_migrate_is_utf8", argumentCount: 1, pure: true) { values in
            guard case .blob(let bytes) = values[0].storage else { return true }
            return String(validating: bytes, as: UTF8.self) != nil
        }
    }

    /// The damaged row `edited` names, read from `row`.
    private func damagedRow(_ edited: EditedRow, _ row: SQLiteRows.RowReader) -> DamagedFlowRow {
        DamagedFlowRow(flowID: edited.flowID, flowName: row.type(1) == SQLITE_TEXT ? row.text(1) : nil,
                       migrationVersion: row.type(3) == SQLITE_INTEGER ? row.integer(3) : nil,
                       problem: edited.problem, error: edited.storeError(store: "sqlite:" + path))
    }

    public func commit(_ updates: [FlowUpdate], events: [MigrationEvent]) async throws(StoreError) -> [String] {
        try await write { db in
            var conflicts: [String] = []
            let statement = try Self.updateStatement(in: db)
            for update in updates where try !Self.apply(update, with: statement) {
                conflicts.append(update.id)
            }
            let skipped = Set(conflicts)
            let insert = try SQLiteRows("""
                INSERT INTO migration_events (flow_id, from_version, to_version, outcome, strategy, taints, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, in: db)
            for event in events where !skipped.contains(event.flowID) {
                try insert.execute { binder in
                    try binder.text(1, event.flowID)
                    try binder.integer(2, event.fromVersion)
                    try binder.integer(3, event.toVersion)
                    try binder.text(4, event.outcome)
                    if let strategy = event.strategy { try binder.text(5, strategy) } else { try binder.null(5) }
                    try binder.bytes(6, event.taints)
                    try binder.real(7, event.recordedAt.timeIntervalSince1970)
                }
            }
            return conflicts
        }
    }

    public func flows(aboveVersion version: Int, limit: Int) async throws(StoreError) -> [StoredFlow] {
        try StoreError.checkSize(limit, "limit")
        return try await read { db in
            try Self.flows(db, "WHERE migration_version > ? ORDER BY flow_id LIMIT ?") {
                try $0.integer(1, version)
                try $0.integer(2, limit)
            }
        }
    }

    /// Pages of a GRDB snapshot: a connection of its own whose read transaction stays open until
    /// the last page (the log is not checkpointed past it meanwhile).
    public nonisolated(nonsending) func forEachFlow(pageSize: Int, _ page: @escaping ([StoredFlow]) async throws -> Void) async throws {
        try StoreError.checkSize(pageSize, "pageSize")
        try checkOpen()
        let snapshot: DatabaseSnapshot
        do {
            snapshot = try pool.makeSnapshot()
        } catch {
            throw storeError(error)
        }
        defer { try? snapshot.close() }
        var cursor = ""
        while true {
            let after = cursor
            let flows: [StoredFlow]
            do {
                flows = try await snapshot.read { db in
                    try Self.flows(db, "WHERE flow_id > ? ORDER BY flow_id LIMIT ?") {
                        try $0.text(1, after)
                        try $0.integer(2, pageSize)
                    }
                }
            } catch {
                throw storeError(error)
            }
            guard let last = flows.last else { return }
            try await page(flows)
            cursor = last.id
        }
    }

    public func statusCounts() async throws(StoreError) -> FlowCounts {
        try await read { db in try self.statusCounts(db) }
    }

    /// GRDB reads in a transaction, whose snapshot its first read fixes.
    public func statusCountsSnapshot() async throws(StoreError) -> Task<FlowCounts, any Error> {
        try await SnapshotCounting.start { snapshotFixed in
            try await self.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT 1 FROM flows LIMIT 1")
                snapshotFixed()
                return try self.statusCounts(db)
            }
        }
    }

    /// The counts leave out exactly the rows `pending` returns as damaged or stops at, so that a
    /// sweep counts each row once.
    private func statusCounts(_ db: Database) throws -> FlowCounts {
        var counts: [StatusCount] = []
        try SQLiteRows("""
            SELECT flow_name, migration_version, status, COUNT(*) FROM flows WHERE NOT (\(Self.damagedRowOrUnreadableID))
            GROUP BY flow_name, migration_version, status ORDER BY flow_name, migration_version, status
            """, in: db).query(binding: { _ in }) { row in
            // The condition leaves only known statuses.
            guard let status = FlowStatus(rawValue: row.text(2)) else { return }
            counts.append(StatusCount(flowName: row.text(0), migrationVersion: row.integer(1), status: status, count: row.integer(3)))
        }
        var perFlowName: [String: Int] = [:]
        try SQLiteRows("SELECT flow_name, COUNT(*) FROM flows WHERE \(Self.damagedRowOrUnreadableID) GROUP BY flow_name", in: db)
            .query(binding: { _ in }) { row in
                let name = row.type(0) == SQLITE_TEXT ? row.text(0) : DamagedFlowRow.unreadableFlowName
                perFlowName[name, default: 0] += row.integer(1)
            }
        var damaged: [DamagedFlowRow] = []
        if !perFlowName.isEmpty {
            try SQLiteRows(Self.flowColumns + "WHERE \(Self.damagedRowOrUnreadableID) ORDER BY flow_id LIMIT \(FlowCounts.listedDamagedRows)", in: db)
                .query(binding: { _ in }) { row in
                    do {
                        _ = try Self.storedFlow(row)
                    } catch let error as EditedRow {
                        damaged.append(damagedRow(error, row))
                    }
                }
        }
        return FlowCounts(counts: counts, damaged: damaged, damagedPerFlowName: perFlowName)
    }

    public func events(flowID: String) async throws(StoreError) -> [MigrationEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM migration_events WHERE flow_id = ? ORDER BY id", arguments: [flowID]).map { row in
                // Decoded with `try`: a value changed by hand is an error, not a trap.
                try MigrationEvent(flowID: row.decode(forColumn: "flow_id"), fromVersion: row.decode(forColumn: "from_version"),
                                   toVersion: row.decode(forColumn: "to_version"), outcome: row.decode(forColumn: "outcome"),
                                   strategy: row.decode(forColumn: "strategy"),
                                   taints: Array((row.decode(String.self, forColumn: "taints")).utf8),
                                   recordedAt: Date(timeIntervalSince1970: row.decode(forColumn: "recorded_at")))
            }
        }
    }

    public func close() async {
        _ = await closeReportingLog()
    }

    /// Closes the store like ``close()``, and says so when the write-ahead log could not be
    /// copied into the database file (a full disk): nothing is lost, as SQLite reads the log with
    /// the file, but until a later open copies it the file alone is not the whole store.
    /// - Returns: a warning for people, or `nil` when the log was copied (or another process
    ///   still has the store open, and copies it when it closes).
    package func closeReportingLog() async -> String? {
        isClosed.withLock { $0 = true }
        // Calls already running end as they would have (new ones are refused): the barrier
        // waits for every read and write in progress.
        _ = try? await pool.barrierWriteWithoutTransaction { _ in }
        try? pool.close()
        guard let (code, problem) = checkpointer.close() else { return nil }
        // A reader that may not write the file leaves the copy to a writer (a dispatcher, apply).
        if readOnly && (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN) { return nil }
        return "the SQLite store's write-ahead log could not be copied into \(path) as the store closed (\(problem)); nothing is "
            + "lost, it is in \(path)-wal: keep the two files together (do not delete \(path)-wal, do not copy \(path) alone), and "
            + "once there is room open the store again (selinon-migrate status with this --store will do), which copies it"
    }

    // MARK: - Helpers

    private static func updateStatement(in db: Database) throws -> SQLiteRows {
        try SQLiteRows("""
            UPDATE flows SET message = ?, migration_version = ?, status = ?, revision = revision + 1, updated_at = ?
            WHERE flow_id = ? AND revision = ?
            """, in: db)
    }

    /// The compare-and-swap write of one flow; false when its revision moved on.
    private static func apply(_ update: FlowUpdate, with statement: SQLiteRows) throws -> Bool {
        try statement.execute { binder in
            try binder.bytes(1, update.message)
            try binder.integer(2, update.migrationVersion)
            try binder.text(3, update.status.rawValue)
            try binder.real(4, update.updatedAt.timeIntervalSince1970)
            try binder.text(5, update.id)
            try binder.integer(6, update.expectedRevision)
        } == 1
    }

    /// The flows `clause` (after `FROM flows`) selects.
    private static let flowColumns = "SELECT flow_id, flow_name, message, migration_version, status, revision, updated_at FROM flows "

    private static func flows(_ db: Database, _ clause: String, binding bind: (SQLiteRows.Binder) throws -> Void) throws -> [StoredFlow] {
        var flows: [StoredFlow] = []
        try SQLiteRows(flowColumns + clause, in: db).query(binding: bind) { row in flows.append(try storedFlow(row)) }
        return flows
    }

    /// The flow of a `flowColumns` row. SQLite keeps a value of any type in any column, so a row
    /// changed by hand is refused here, naming it, rather than read as zeros (a text revision
    /// would never match in a compare-and-swap) or an unknown status read as `running`.
    private static func storedFlow(_ row: SQLiteRows.RowReader) throws -> StoredFlow {
        let id = row.text(0)
        // An id that is not UTF-8 text would come back repaired, and paging by id (`flow_id > ?`)
        // would start again before it forever.
        let idBytes = row.bytes(0)
        // Made only for a row that is refused: most rows are not.
        func hex() -> String { idBytes.map { String(format: "%02X", $0) }.joined() }
        guard row.type(0) == SQLITE_TEXT, String(validating: idBytes, as: UTF8.self) != nil else {
            throw EditedRow(flowID: id, column: "flow_id", value: row.type(0) == SQLITE_TEXT ? "X'\(hex())' (not UTF-8 text)" : row.quoted(0),
                            expected: "text", selector: "hex(flow_id) = '\(hex())'")
        }
        func selector() -> String? { PrintableText.hasInvisibleCharacters(id) ? "hex(flow_id) = '\(hex())'" : nil }
        func expect(_ column: Int32, _ type: Int32, _ name: String, _ expected: String) throws {
            let found = row.type(column)
            guard found != type, !(type == SQLITE_FLOAT && found == SQLITE_INTEGER) else { return }
            throw EditedRow(flowID: id, column: name, value: row.quoted(column), expected: expected, selector: selector())
        }
        try expect(1, SQLITE_TEXT, "flow_name", "text")
        try expect(3, SQLITE_INTEGER, "migration_version", FlowColumns.expectedVersion)
        try expect(5, SQLITE_INTEGER, "revision", FlowColumns.expectedRevision)
        try expect(6, SQLITE_FLOAT, "updated_at", "a time (seconds since 1970)")
        guard row.type(4) == SQLITE_TEXT, let status = FlowStatus(rawValue: row.text(4)) else {
            throw EditedRow(flowID: id, column: "status", value: row.quoted(4), expected: FlowStatus.expected, selector: selector())
        }
        if let problem = FlowColumns.problem(version: row.integer(3), revision: row.integer(5)) {
            throw EditedRow(flowID: id, column: problem.column, value: problem.value, expected: problem.expected, selector: selector())
        }
        let message = row.bytes(2)
        guard row.type(2) == SQLITE_TEXT, !FlowColumns.isBlank(message) else {
            throw EditedRow(flowID: id, column: "message", value: row.quoted(2), expected: FlowColumns.expectedMessage, selector: selector())
        }
        return StoredFlow(id: id, flowName: row.text(1), message: message, migrationVersion: row.integer(3), status: status,
                          revision: row.integer(5), updatedAt: Date(timeIntervalSince1970: row.real(6)))
    }

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        try checkOpen()
        do {
            return try await pool.read(body)
        } catch {
            throw storeError(error)
        }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        try checkOpen()
        do {
            let result = try await pool.write(body)
            hasCommitted.withLock { $0 = true }
            return result
        } catch {
            throw storeError(error)
        }
    }

    private func checkOpen() throws(StoreError) {
        if isClosed.withLock({ $0 }) { throw StoreError.closed("sqlite:" + path) }
    }

    /// What a GRDB error means for the caller (a ``StoreError`` from inside passes through).
    private func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        // A call that started as the store closed, and reached the database after it had gone
        // (SQLite's "misuse": a closed connection); any other failure is reported as it is.
        if isClosed.withLock({ $0 }), (error as? DatabaseError)?.resultCode == .SQLITE_MISUSE { return StoreError.closed("sqlite:" + path) }
        if let error = error as? EditedRow { return error.storeError(store: "sqlite:" + path) }
        if let known = Self.damagedOrBusy(path, error, committedBefore: createdDirectory == nil || hasCommitted.withLock { $0 },
                                          wroteNothing: readOnly || !hasCommitted.withLock { $0 },
                                          lockTimeout: lockTimeout) {
            return known
        }
        return StoreError(.database, "SQLite store \(path): \(error)")
    }
}
