import FlowMigration
import Foundation

/// Writes the next numbered migration file into a migration directory, atomically: the bytes go
/// to a hidden temporary file in the same directory, are flushed to disk, and the file is then
/// linked under its final name — which fails rather than overwrites when another process wrote
/// that version first. A crash leaves either no new file or the complete one; `migrations.sum`
/// is replaced after it (a crash in between leaves the new file unlisted, which `verify` names
/// and ``finishInterruptedWrite(of:inDirectory:)`` — the same `generate` run again — fixes).
public struct MigrationWriter: Sendable {
    /// The lock of the directory written, when the caller holds it: leftover temporary files
    /// are then removed whatever their age (no other writer can be at work).
    private let lock: MigrationDirectoryLock?

    /// A writer; pass the ``MigrationDirectoryLock`` of the directory when you hold it.
    public init(holding lock: MigrationDirectoryLock? = nil) {
        self.lock = lock
    }

    /// Writes `migration` as version `latest + 1` of the directory at `path` (created when it
    /// does not exist), then its line in ``MigrationSum`` (`migrations.sum`, created for the
    /// whole directory when missing). The directory is validated first, against its sum too;
    /// nothing is written when it is invalid or a file does not match the sum, and directories
    /// this call created are removed again when it fails.
    /// - Throws: ``MigrationWriteError``.
    public func write(_ migration: Migration, toDirectory path: String) throws(MigrationWriteError) -> WrittenMigration {
        let created = Self.missingDirectories(on: path)
        do {
            return try writeNext(migration, toDirectory: path)
        } catch {
            // Deepest first; rmdir leaves a directory that is not empty (someone else's files) alone.
            for directory in created { rmdir(directory) }
            throw error
        }
    }

    /// The directories on `path` that do not exist yet, deepest first (`a/b/c`, `a/b`, `a` when
    /// none exists). None for a path with `..` in it: once the directories before it are made,
    /// `new/../old` names `old`, which may have been there all along.
    public static func missingDirectories(on path: String) -> [String] {
        guard !path.split(separator: "/").contains("..") else { return [] }
        var missing: [String] = []
        var current = path
        while current.count > 1, current.hasSuffix("/") { current.removeLast() }
        while !current.isEmpty, current != "/", current != ".", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = parentDirectory(of: current)
        }
        return missing
    }

    private func writeNext(_ migration: Migration, toDirectory path: String) throws(MigrationWriteError) -> WrittenMigration {
        let (directory, sum) = try validated(path, creating: true)
        Self.removeLeftoverTemporaryFiles(in: path, exclusive: lock != nil)
        let version = directory.latestVersion + 1
        let finalPath = MigrationDirectory.filePath(version: version, in: path)
        let temporaryPath = (path as NSString).appendingPathComponent(".\(version).json.\(ProcessInfo.processInfo.processIdentifier).tmp")
        let bytes = migration.selinonJSON()
        try DurableFile.write(bytes, to: temporaryPath, for: finalPath)
        defer { unlink(temporaryPath) }
        guard link(temporaryPath, finalPath) == 0 else {
            let code = errno
            let reason = code == EEXIST ? "\(version).json appeared while writing (another generate running?); run generate again"
                : String(cString: strerror(code))
            throw .io(path: finalPath, message: "cannot create the migration file: \(reason)", hint: code == EEXIST ? nil : FileSystemReason.writeHint(for: code))
        }
        DurableFile.syncDirectory(path)
        var updated = sum ?? MigrationSum(directory: directory)
        updated.entries.append(MigrationSum.Entry(name: "\(version).json", hash: MigrationSum.hash(bytes)))
        do {
            try updated.write(toDirectory: path)
        } catch {
            // Without its line in the sum the new file would make the directory invalid: take it back.
            unlink(finalPath)
            DurableFile.syncDirectory(path)
            throw error
        }
        return WrittenMigration(path: finalPath, version: version, bytes: bytes, repeatedVersion: Self.repeatedVersion(of: migration, in: directory))
    }
}

extension MigrationWriter {
    /// Finishes a ``write(_:toDirectory:)`` of `migration` that was killed after it created the
    /// directory's latest file and before it listed that file in `migrations.sum`: when that file
    /// holds `migration` (its flows and strategy; the caller has checked that its metadata names
    /// the same two configurations) and the sum lists every other file exactly (or, for a lone
    /// `1.json`, does not exist yet), the file's line is added. Anything else is left for
    /// `verify` to report. Leftover temporary files of killed writers are removed either way.
    /// - Returns: the name of the file added to the sum, or `nil` when there was nothing to finish.
    public func finishInterruptedWrite(of migration: Migration, inDirectory path: String) throws(MigrationWriteError) -> String? {
        Self.removeLeftoverTemporaryFiles(in: path, exclusive: lock != nil)
        guard let (name, finished) = interruptedWrite(of: migration, inDirectory: path) else { return nil }
        try finished.write(toDirectory: path)
        return name
    }

    /// What ``finishInterruptedWrite(of:inDirectory:)`` would list in the sum (the file's name),
    /// or `nil` when it would find nothing to finish; nothing is written or removed.
    public func wouldFinishInterruptedWrite(of migration: Migration, inDirectory path: String) -> String? {
        interruptedWrite(of: migration, inDirectory: path)?.name
    }

    /// The latest file's name and the sum that lists it too, when the directory is an
    /// interrupted write of `migration`.
    private func interruptedWrite(of migration: Migration, inDirectory path: String) -> (name: String, finished: MigrationSum)? {
        guard let directory = try? MigrationDirectory.load(from: path, allowMissing: false),
              let latest = directory.files.last, let sum = try? MigrationSum.load(fromDirectory: path) ?? MigrationSum(files: [])
        else { return nil }
        // The file as this run would write it, but for its metadata (the time it was written):
        // a file edited since is left for verify.
        guard latest.migration.flows == migration.flows, latest.migration.strategy == migration.strategy else { return nil }
        let name = "\(latest.version).json"
        let others = MigrationSum(directory: directory).entries.filter { $0.name != name }
        guard sum.entries == others else { return nil }
        var finished = sum
        finished.entries.append(MigrationSum.Entry(name: name, hash: MigrationSum.hash(latest.bytes)))
        return (name, finished)
    }

    /// Removes what killed writers left in a migration directory: `.N.json.PID.tmp` and
    /// `.migrations.sum.PID.tmp`; `exclusive`: the caller holds the directory's
    /// ``MigrationDirectoryLock``, so every such file of another process is left over, however young.
    public static func removeLeftoverTemporaryFiles(in path: String, exclusive: Bool = false) {
        LeftoverTemporaryFiles.remove(in: path, naming: .processID, exclusive: exclusive) { name in
            name == MigrationSum.fileName || (name.hasSuffix(".json") && Int(name.dropLast(5)).map { "\($0).json" == name && $0 > 0 } == true)
        }
    }

    /// The version ``write(_:toDirectory:)`` would give the next migration in the directory at
    /// `path` (1 when it does not exist yet), after the same checks; nothing is written.
    /// - Throws: ``MigrationWriteError``, as `write` would.
    public func nextVersion(inDirectory path: String) throws(MigrationWriteError) -> Int {
        try validated(path, creating: false).directory.latestVersion + 1
    }

    /// The newest migration of the directory at `path` that `migration`, written there next,
    /// would change flows exactly as (``WrittenMigration/repeatedVersion``); nothing is written.
    /// - Throws: ``MigrationWriteError``, as `write` would.
    public func repeatedVersion(of migration: Migration, inDirectory path: String) throws(MigrationWriteError) -> Int? {
        Self.repeatedVersion(of: migration, in: try validated(path, creating: false).directory)
    }

    /// The newest migration of `directory` whose effect `migration` repeats. Not only the latest:
    /// a file without `_meta` digests (Selinon's own) cannot tell `generate` the configurations it
    /// was generated between, so the same change generated again for an older file is found here.
    private static func repeatedVersion(of migration: Migration, in directory: MigrationDirectory) -> Int? {
        directory.files.last { migration.repeats($0.migration) }?.version
    }

    /// The directory at `path` and its sum, checked as a whole; created first when `creating`.
    private func validated(_ path: String, creating: Bool) throws(MigrationWriteError) -> (directory: MigrationDirectory, sum: MigrationSum?) {
        let directory: MigrationDirectory
        let sum: MigrationSum?
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .notADirectory(path)
        }
        do {
            if creating {
                try MigrationDirectory.refuseUnreachable(path)
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            sum = try MigrationSum.load(fromDirectory: path)
            directory = try MigrationDirectory.load(from: path, allowMissing: !creating)
        } catch let error as MigrationDirectoryError {
            throw .invalidDirectory(error)
        } catch let error as MigrationSumError {
            throw .sum(error)
        } catch {
            throw .io(path: path, message: "cannot create the migration directory: \(FileSystemReason.describe(error))",
                      hint: FileSystemReason.code(of: error).flatMap(FileSystemReason.writeHint(for:)))
        }
        if let problems = sum?.problems(inDirectory: path), !problems.isEmpty { throw .sumMismatch(problems) }
        if sum == nil && !directory.files.isEmpty { throw .sumMissing(directory: path, files: directory.files.count) }
        return (directory, sum)
    }
}

/// A migration file that was written.
public struct WrittenMigration: Sendable {
    public var path: String
    public var version: Int
    public var bytes: [UInt8]
    /// The newest earlier migration that changes states exactly as this one does ("the same
    /// migration twice" — usually generated twice by mistake), if any.
    public var repeatedVersion: Int?
}

/// Why a migration could not be written; nothing was written in any case.
public enum MigrationWriteError: Error, Sendable, CustomStringConvertible {
    /// The existing directory has gaps, odd names or broken files.
    case invalidDirectory(MigrationDirectoryError)
    /// `migrations.sum` cannot be read (a merge conflict, a hand edit).
    case sum(MigrationSumError)
    /// Migration files do not match `migrations.sum`.
    case sumMismatch([MigrationSumProblem])
    /// The migration directory's path names a file.
    case notADirectory(String)
    /// The directory holds migration files but no `migrations.sum` to check them against.
    case sumMissing(directory: String, files: Int)
    /// The file system refused; `hint` says what to do, when there is more to say than the reason.
    case io(path: String, message: String, hint: String? = nil)
    /// Another process holds the ``MigrationDirectoryLock`` of this directory.
    case busy(directory: String)

    /// A problem of the directory: the file it is about, what is wrong, what to do.
    public typealias DirectoryProblem = (file: String, message: String, hint: String)

    /// The problem ``notADirectory(_:)`` stands for.
    public static func notADirectoryProblem(_ path: String) -> DirectoryProblem {
        (path, "this is a file, not a migration directory", "give the directory with -m/--migration-dir")
    }

    /// The problem ``sumMissing(directory:files:)`` stands for.
    public static func sumMissingProblem(directory: String, files: Int) -> DirectoryProblem {
        ((directory as NSString).appendingPathComponent(MigrationSum.fileName),
         "missing, but the directory holds \(files) migration file\(files == 1 ? "" : "s") it should vouch for",
         "restore it from version control; or, for files from before selinon-migrate (Selinon's own), review them and run: "
            + "selinon-migrate rehash -m \(shellWord(directory))")
    }

    private static func described(_ problem: DirectoryProblem) -> String {
        "\(problem.file): error: \(problem.message)\n  hint: \(problem.hint)\nnothing was written"
    }

    /// Whether the file system failed (exit 2 in the CLI) rather than the directory's contents.
    public var isFileSystemFailure: Bool {
        switch self {
        case .io: return true
        case .sum(let error): return error.kind == .unreadable
        case .invalidDirectory(let error): return error.isReadFailure
        case .sumMismatch(let problems): return problems.contains { $0.kind == .unreadable }
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidDirectory(let error):
            return error.description + "\nnothing was written: fix the migration directory first"
        case .sum(let error):
            return error.description + "\nnothing was written"
        case .sumMismatch(let problems):
            return problems.map(\.description).joined(separator: "\n") + "\nnothing was written: the migration directory does not match \(MigrationSum.fileName)"
        case .notADirectory(let path):
            return Self.described(Self.notADirectoryProblem(path))
        case .sumMissing(let directory, let files):
            return Self.described(Self.sumMissingProblem(directory: directory, files: files))
        case .io(let path, let message, let hint):
            return "\(path): error: \(message)\n" + (hint.map { "  hint: \($0)\n" } ?? "") + "nothing was written"
        case .busy(let directory):
            return "\(directory): error: another selinon-migrate command (generate, rehash or rebase) is writing this migration "
                + "directory now\n  hint: let it finish, then run this command again: it reads the directory as that one leaves it\n"
                + "nothing was written"
        }
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension MigrationWriteError: LocalizedError {
    public var errorDescription: String? { description }
}
