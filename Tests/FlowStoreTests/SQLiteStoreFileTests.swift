import FlowStore
import Foundation
import GRDB
import StoreTestSupport
import Testing
import TestSupport

/// What the SQLite store does with a file that is not (yet) one of its stores: it looks without
/// writing, and leaves every byte of a file it refuses as it was.
struct SQLiteStoreFileTests {
    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func anEmptyFileIsNoStoreForReadersAndStaysEmpty() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("", to: "empty.sqlite")
        let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: false) }
        #expect(error?.kind == .missingStore)
        #expect(try bytes(path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["empty.sqlite"], "no log or shared-memory file")
    }

    @Test func aDatabaseOfSomethingElseIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("app.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE users (name TEXT)") }
        try queue.close()
        let before = try bytes(path)
        for createIfMissing in [false, true] {
            let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: createIfMissing) }
            #expect(error?.message == "\(path) is a SQLite database of something else (tables: users); give the store a path of its own")
            #expect(error?.kind == .notAStore)
        }
        #expect(try bytes(path) == before)
    }

    /// A row whose id is not UTF-8 text — a blob put there by hand, which sorts after every text
    /// id, or text with a byte that is not UTF-8, which sorts among them — is named as a damaged
    /// row (with the SQL that finds it) and left alone, while the sweep migrates every other
    /// flow, before and after it, whatever the batch size — also where such rows fill a page.
    @Test(arguments: ["CAST(flow_id AS BLOB)", "CAST(CAST(flow_id AS BLOB) || x'ff' AS TEXT)"], [1, 3])
    func anIdThatIsNoUTF8TextIsNamedAndTheSweepGoesOn(_ unreadable: String, _ count: Int) async throws {
        try await TestStore.with(.sqlite) { test in
            let store = try await test.open()
            let flows = try InflightFlows.messages(count: 9).map { try NewFlow(message: $0) }
            try await store.insert(flows)
            let damaged = Set(flows.map(\.id).sorted().dropFirst(3).prefix(count))
            for id in damaged { try await test.execute("UPDATE flows SET flow_id = \(unreadable) WHERE flow_id = '\(id)'") }
            let migrator = try StoreContract.migrator()
            let report = try await MigrationSweep(store: store, migrator: migrator, batchSize: 2).run()
            let invalid = report.examples.values.flatMap { $0[.invalid] ?? [] }
            #expect(invalid.count == count && invalid.allSatisfy { $0.error?.contains("WHERE hex(flow_id) = ") == true }, "\(invalid)")
            for flow in flows where !damaged.contains(flow.id) {
                #expect(try await store.flow(id: flow.id)?.migrationVersion == migrator.migrator.chain.latestVersion, "\(flow.id)")
            }
            await store.close()
        }
    }

    /// SQLite keeps any value in the schema table: one that is no integer is named as found.
    @Test func aSchemaVersionThatIsNoNumberIsNamed() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("flows.sqlite")
        let store = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        await store.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "UPDATE selinon_migrate_schema SET version = 'abc'") }
        try queue.close()
        let error = await #expect(throws: StoreError.self) {
            let reopened = try SQLiteFlowStore(path: path, createIfMissing: false)
            defer { Task { await reopened.close() } }
            try await reopened.prepare(createIfMissing: false)
        }
        #expect(error?.kind == .damaged)
        #expect(error?.message.contains("has flows but schema version 'abc', which no selinon-migrate writes") == true, "\(error?.message ?? "")")
    }

    @Test func aDirectoryOrAFileInTheWayIsNamed() throws {
        let directory = try TemporaryDirectory()
        for createIfMissing in [false, true] {
            let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: directory.url.path, createIfMissing: createIfMissing) }
            #expect(error?.message == "the SQLite store \(directory.url.path) is a directory; give the store a file "
                + "(for example sqlite:\(directory.url.path)/flows.sqlite)")
        }
        let file = try directory.write("notes\n", to: "notes")
        let blocked = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: file + "/flows.sqlite", createIfMissing: true) }
        #expect(blocked?.message == "cannot create the SQLite store \(file)/flows.sqlite: \(file) is a file, not a directory; "
            + "check the path, or move that file out of the way")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "notes\n")
        // A device takes the writes and loses them, and SQLite would create /dev/null-journal.
        for createIfMissing in [false, true] {
            let device = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: "/dev/null", createIfMissing: createIfMissing) }
            #expect(device?.kind == .notAStore)
            #expect(device?.message == "the SQLite store /dev/null is not a regular file (a device, a pipe or a socket); give the store a file of its own")
        }
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
    }

    /// Two names of one file would give SQLite two write-ahead logs: a store with more than one
    /// hard link is refused, through either name, and left as it was.
    @Test func aStoreWithTwoHardLinksIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("flows.sqlite")
        try await SQLiteFlowStore(path: path, createIfMissing: true).close()
        let before = try bytes(path)
        try FileManager.default.linkItem(atPath: path, toPath: directory.path("again.sqlite"))
        for name in [path, directory.path("again.sqlite")] {
            let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: name, createIfMissing: false) }
            #expect(error?.kind == .notAStore)
            #expect(error?.message.hasPrefix("the SQLite store \(name) has 2 hard links: SQLite keeps its write-ahead log") == true,
                    "\(error?.message ?? "")")
        }
        #expect(try bytes(path) == before)
    }

    /// A write waits for another process's lock as long as the store's lock timeout, then reports
    /// the store busy with that timeout; a timeout SQLite cannot hold is refused as misuse.
    @Test func aWriteWaitsForAnotherProcesssLockAsLongAsTheLockTimeout() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("flows.sqlite")
        let store = try SQLiteFlowStore(path: path, createIfMissing: true, lockTimeout: .milliseconds(300))
        try await store.prepare(createIfMissing: true)
        // Another process's write, held open across this test's accesses.
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true
        let lock = try DatabaseQueue(path: path, configuration: holding)
        try lock.inDatabase { try $0.execute(sql: "BEGIN EXCLUSIVE") }
        let error = await #expect(throws: StoreError.self) {
            try await store.insert(try InflightFlows.messages(count: 1).map { try NewFlow(message: $0) })
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains("is locked: another process has held it for longer than the 0.3 s lock timeout") == true,
                "\(error?.message ?? "")")
        try lock.inDatabase { try $0.execute(sql: "ROLLBACK") }
        let flow = try InflightFlows.messages(count: 1).map { try NewFlow(message: $0) }
        try await store.insert(flow)
        #expect(try await store.flow(id: flow[0].id) != nil)
        await store.close()
        try lock.close()

        for timeout in [Duration.zero, .seconds(-1), .seconds(30 * 86_400)] {
            let misuse = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: false, lockTimeout: timeout) }
            #expect(misuse?.kind == .misuse && misuse?.message.hasSuffix("give one from 1 ms to 24 days") == true, "\(misuse?.message ?? "")")
        }
    }

    @Test func onlyTheStoresOwnDirectoryIsCreated() throws {
        let directory = try TemporaryDirectory()
        let deep = directory.path("typo/selinon/flows.sqlite")
        let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: deep, createIfMissing: true) }
        #expect(error?.kind == .missingStore)
        #expect(error?.message.contains("the directory \(directory.path("typo")) does not exist") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: directory.path("typo")))
        _ = try SQLiteFlowStore(path: directory.path(".selinon/flows.sqlite"), createIfMissing: true)
        #expect(FileManager.default.fileExists(atPath: directory.path(".selinon/flows.sqlite")))
    }

    @Test func aFileThatIsNotSQLiteIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(String(repeating: "not a database\n", count: 100), to: "notes.sqlite")
        let before = try bytes(path)
        let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: true) }
        #expect(error?.message == "\(path) is not a SQLite database; give the store a path of its own")
        #expect(error?.kind == .notAStore)
        #expect(try bytes(path) == before)
    }

    @Test func aNewerSchemaIsRefusedWithoutChangingAByte() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.sqlite")
        let store = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        await store.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "UPDATE selinon_migrate_schema SET version = \(StoreSchema.version + 1)") }
        try queue.close()
        let before = try bytes(path)
        let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: false) }
        #expect(error?.kind == .newerSchema)
        #expect(try bytes(path) == before)
    }

    @Test func aFileLeftWithAHotJournalIsRolledBackAndUsed() async throws {
        // A process killed while it created a store leaves the file and a hot rollback journal
        // (the store switches to WAL only after its first transaction). Made here by copying both
        // files while a transaction that spilled pages into the file is open.
        let directory = try TemporaryDirectory()
        let original = directory.path("original.sqlite"), path = directory.path("store.sqlite")
        let queue = try DatabaseQueue(path: original)
        try queue.inDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = 1")
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "CREATE TABLE half_written (payload BLOB)")
            for _ in 0..<200 { try db.execute(sql: "INSERT INTO half_written VALUES (zeroblob(2000))") }
            for suffix in ["", "-journal"] { try FileManager.default.copyItem(atPath: original + suffix, toPath: path + suffix) }
            try db.execute(sql: "ROLLBACK")
        }
        try queue.close()
        #expect(try bytes(path).count > 100_000, "the copy holds the spilled pages")
        #expect(try bytes(path + "-journal").count > 0)
        let store = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        #expect(try await store.statusCounts() == FlowCounts(counts: []))
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"), "rolled back, as every SQLite reader does")
        let tables = try await DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(!tables.contains("half_written"))
    }

    @Test func aTruncatedStoreIsNamedDamagedWhenItOpens() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store.sqlite")
        let store = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        try await store.insert(try InflightFlows.messages(count: 2_000).map { try NewFlow(message: $0) })
        await store.close()
        let size = try bytes(path).count
        #expect(size > 200_000)
        truncate(path, off_t(size / 4))
        let error = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: path, createIfMissing: false) }
        #expect(error?.kind == .damaged && error?.message.contains("is damaged") == true, "\(error?.message ?? "")")
    }

    /// A command that stops before storing anything removes the store it created (and the
    /// directory it made for it); a store that was there, or one that holds a flow, stays.
    /// A store path that is a symbolic link is the user's: a link that cannot be followed is named,
    /// and a store created through a link and removed again (it stored nothing) leaves the link.
    @Test func aSymbolicLinkToTheStoreIsNeverRemoved() async throws {
        let directory = try TemporaryDirectory()
        let unmounted = directory.path("unmounted.sqlite")
        try FileManager.default.createSymbolicLink(atPath: unmounted, withDestinationPath: directory.path("volume/flows.sqlite"))
        let missing = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: unmounted, createIfMissing: true) }
        #expect(missing?.kind == .missingStore && missing?.message.contains("is a symbolic link to \(directory.path("volume/flows.sqlite")), "
            + "whose directory \(directory.path("volume")) does not exist (a volume not mounted yet?)") == true, "\(missing?.message ?? "")")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: unmounted)) != nil, "the link stays")

        let loop = directory.path("loop.sqlite")
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: "loop.sqlite")
        for create in [true, false] {
            let looping = #expect(throws: StoreError.self) { try SQLiteFlowStore(path: loop, createIfMissing: create) }
            #expect(looping?.kind == .notAStore && looping?.message.contains("a symbolic link that leads back to itself") == true,
                    "\(looping?.message ?? "")")
        }
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: loop)) != nil, "the link stays")

        let linked = directory.path("linked.sqlite")
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: "target.sqlite")
        let store = try SQLiteFlowStore(path: linked, createIfMissing: true)
        try await store.prepare(createIfMissing: true)
        #expect(FileManager.default.fileExists(atPath: directory.path("target.sqlite")), "created through the link")
        #expect(await store.closeRemovingIfCreatedEmpty())
        #expect(!FileManager.default.fileExists(atPath: directory.path("target.sqlite")), "the file it created is removed")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: linked) == "target.sqlite", "the link stays")
    }

    @Test func onlyACreatedStoreThatHoldsNothingIsRemovedOnClose() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("own/flows.sqlite")
        let created = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await created.prepare(createIfMissing: true)
        // The directory made for the store keeps git from committing it.
        let ignored = try String(contentsOfFile: directory.path("own/.gitignore"), encoding: .utf8)
        #expect(ignored.split(separator: "\n").contains("*"), "\(ignored)")
        #expect(await created.closeRemovingIfCreatedEmpty())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty, "file, logs and its directory removed")

        let kept = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await kept.prepare(createIfMissing: true)
        try await kept.insert(try InflightFlows.messages(count: 1).map { try NewFlow(message: $0) })
        #expect(await !kept.closeRemovingIfCreatedEmpty(), "it holds a flow")
        await kept.close()
        #expect(FileManager.default.fileExists(atPath: path))

        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "DELETE FROM flows") }
        try queue.close()
        let reopened = try SQLiteFlowStore(path: path, createIfMissing: true)
        try await reopened.prepare(createIfMissing: true)
        #expect(await !reopened.closeRemovingIfCreatedEmpty(), "an empty store that was there is not this store's to remove")
        await reopened.close()
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
