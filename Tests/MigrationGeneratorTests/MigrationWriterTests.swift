import FlowMigration
import Foundation
@testable import MigrationGenerator
import Testing
import TestSupport

struct MigrationWriterTests {
    static let migration = Migration(flows: ["ingest": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore)

    private func contents(_ directory: TemporaryDirectory, _ name: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path(name)).sorted()
    }

    /// The lock is on the directory that holds the migration directory (its nearest existing
    /// ancestor while it has none), held until released: one holder at a time.
    @Test func oneHolderOfADirectorysLockAtATime() throws {
        let directory = try TemporaryDirectory()
        var first: MigrationDirectoryLock? = try MigrationDirectoryLock(for: directory.path("m"))
        for other in ["m/", "not/yet/there", "sibling"] {
            let refused = #expect(throws: MigrationWriteError.self) { try MigrationDirectoryLock(for: directory.path(other)) }
            #expect(refused?.description == "\(directory.path(other)): error: another selinon-migrate command (generate, rehash or "
                + "rebase) is writing this migration directory now\n  hint: let it finish, then run this command again: it reads the "
                + "directory as that one leaves it\nnothing was written")
        }
        withExtendedLifetime(first) {}
        first = nil
        let second = try MigrationDirectoryLock(for: directory.path("m"))
        // Another parent is another lock.
        try FileManager.default.createDirectory(atPath: directory.path("a"), withIntermediateDirectories: true)
        _ = try MigrationDirectoryLock(for: directory.path("a/m"))
        withExtendedLifetime(second) {}
    }

    @Test func writesTheNextVersionAndCreatesTheDirectory() throws {
        let directory = try TemporaryDirectory()
        let first = try MigrationWriter().write(Self.migration, toDirectory: directory.path("deep/migrations"))
        #expect(first.version == 1)
        #expect(first.path == directory.path("deep/migrations/1.json"))
        #expect(first.repeatedVersion == nil)
        var second = Self.migration
        second.strategy = .fail
        let written = try MigrationWriter().write(second, toDirectory: directory.path("deep/migrations"))
        #expect(written.version == 2)
        #expect(written.repeatedVersion == 1, "same flow changes as 1.json")
        #expect(try contents(directory, "deep/migrations") == ["1.json", "2.json", "migrations.sum"], "no temporary file left behind")
        let reread = try MigrationDirectory.load(from: directory.path("deep/migrations"))
        #expect(reread.migrations.map(\.strategy) == [.ignore, .fail])
        #expect(reread.files[1].bytes == written.bytes)
        // Another change, then the first again: the repeat named is the latest file that has it.
        let other = Migration(flows: ["ingest": EdgeMigration(translation: [0: 1, 1: 0])], strategy: .ignore)
        #expect(try MigrationWriter().write(other, toDirectory: directory.path("deep/migrations")).repeatedVersion == nil)
        #expect(try MigrationWriter().write(Self.migration, toDirectory: directory.path("deep/migrations")).repeatedVersion == 2)
    }

    @Test func writesNothingIntoAnInvalidDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.write("{\"migration\": {}, \"tainted_flow_strategy\": \"IGNORE\"}", to: "m/2.json")
        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(Self.migration, toDirectory: directory.path("m")) }
        #expect(error?.description.contains("migration 1.json missing before 2.json") == true)
        #expect(error?.description.hasSuffix("nothing was written: fix the migration directory first") == true)
        #expect(try contents(directory, "m") == ["2.json"])
    }

    /// "Nothing was written" holds for directories too: those the failed write created are gone.
    @Test func aFailedWriteRemovesTheDirectoriesItCreated() throws {
        let directory = try TemporaryDirectory()
        try directory.write("kept", to: "old/file")
        // The parents are created, then the last name is too long for the file system.
        let path = directory.path("old/new/parent/" + String(repeating: "m", count: 300))
        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(Self.migration, toDirectory: path) }
        #expect(error?.isFileSystemFailure == true)
        #expect(error?.description.hasSuffix("nothing was written") == true, "\(error?.description ?? "")")
        #expect(try contents(directory, "old") == ["file"], "the directories it created are removed, the one that was there kept")
    }

    /// Links planted at the temporary names (`.N.json.PID.tmp`, `.migrations.sum.PID.tmp` — a
    /// cloned repository can hold them for any id) are removed, never written through: the file
    /// outside stays as it was, and the migration and the sum are files of their own.
    @Test func linksPlantedAtTheTemporaryNamesAreNotFollowed() throws {
        let directory = try TemporaryDirectory()
        try directory.write("precious", to: "outside/victim")
        try FileManager.default.createDirectory(atPath: directory.path("m"), withIntermediateDirectories: false)
        let processID = ProcessInfo.processInfo.processIdentifier
        for name in [".1.json.\(processID).tmp", ".migrations.sum.\(processID).tmp"] {
            try FileManager.default.createSymbolicLink(atPath: directory.path("m/\(name)"), withDestinationPath: directory.path("outside/victim"))
        }
        _ = try MigrationWriter().write(Self.migration, toDirectory: directory.path("m"))
        #expect(try String(contentsOfFile: directory.path("outside/victim"), encoding: .utf8) == "precious")
        for name in ["1.json", "migrations.sum"] {
            let type = try FileManager.default.attributesOfItem(atPath: directory.path("m/\(name)"))[.type] as? FileAttributeType
            #expect(type == .typeRegular, "\(name) is a file of its own")
        }
        #expect(try contents(directory, "m") == ["1.json", "migrations.sum"])
    }

    /// When the sum cannot be updated after the new file was linked in place — here it is a
    /// symbolic link out of the directory, readable but refused for writing — the new file is
    /// taken back: the directory is as it was, and still matches its sum.
    @Test func aSumThatCannotBeUpdatedTakesTheNewFileBack() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("m")
        _ = try MigrationWriter().write(Self.migration, toDirectory: path)
        try FileManager.default.createDirectory(atPath: directory.path("sums"), withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: "\(path)/migrations.sum", toPath: directory.path("sums/migrations.sum"))
        try FileManager.default.createSymbolicLink(atPath: "\(path)/migrations.sum", withDestinationPath: "../sums/migrations.sum")
        let sumBefore = try String(contentsOfFile: directory.path("sums/migrations.sum"), encoding: .utf8)

        var second = Self.migration
        second.strategy = .retry
        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(second, toDirectory: path) }
        #expect(error?.description.contains("outside the migration directory: nothing is written there") == true, "\(error?.description ?? "")")
        #expect(!FileManager.default.fileExists(atPath: "\(path)/2.json"), "2.json is taken back")
        #expect(try contents(directory, "m") == ["1.json", "migrations.sum"], "no temporary file left behind either")
        #expect(try String(contentsOfFile: directory.path("sums/migrations.sum"), encoding: .utf8) == sumBefore)
        #expect(try MigrationSum.load(fromDirectory: path)?.problems(inDirectory: path).isEmpty == true)
    }

    /// A temporary file is left over only when no process of its id runs: one of a live process
    /// (this one) stays however old it is; one of a process that has exited goes once it is old.
    @Test func leftoverTemporaryFilesOfALiveProcessAreKept() throws {
        let directory = try TemporaryDirectory()
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let live = ".out.json.\(getpid()).123.tmp", dead = ".out.json.\(exited.processIdentifier).456.tmp"
        let hourAgo = Date(timeIntervalSinceNow: -3600)
        for name in [live, dead] {
            try directory.write("partial output", to: name)
            try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: directory.path(name))
        }
        LeftoverTemporaryFiles.remove(of: "out.json", in: directory.url.path, naming: .processIDAndNumber)
        #expect(FileManager.default.fileExists(atPath: directory.path(live)), "this process still writes it")
        #expect(!FileManager.default.fileExists(atPath: directory.path(dead)), "its writer has exited")
    }

    @Test func theMissingDirectoriesOfAPathAreFoundDeepestFirst() throws {
        let directory = try TemporaryDirectory()
        try directory.write("kept", to: "old/file")
        #expect(MigrationWriter.missingDirectories(on: directory.path("old/a/b/")) == [directory.path("old/a/b"), directory.path("old/a")])
        #expect(MigrationWriter.missingDirectories(on: directory.path("old")).isEmpty)
        // Once `new` is made, `new/../old` is `old`, which was there: nothing to take back.
        #expect(MigrationWriter.missingDirectories(on: directory.path("new/../old")).isEmpty)
        for relative in ["m", "m/", "./m", "m/n"] {
            let missing = MigrationWriter.missingDirectories(on: relative)
            #expect(missing.last == (relative.hasPrefix("./") ? "./m" : "m"), "\(relative): \(missing)")
        }
    }

    @Test func neverRewritesAnExistingVersion() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("m")
        _ = try MigrationWriter().write(Self.migration, toDirectory: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: directory.path("m/1.json")))
        var changed = Self.migration
        changed.strategy = .retry
        _ = try MigrationWriter().write(changed, toDirectory: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("m/1.json"))) == original, "1.json is never rewritten")
        #expect(try MigrationDirectory.load(from: path).files.last?.migration.strategy == .retry)
    }
}
