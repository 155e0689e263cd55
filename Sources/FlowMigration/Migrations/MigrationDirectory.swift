import Foundation

/// A migration directory read and validated as a whole: `1.json`, `2.json`, … `N.json` with no
/// gaps. Hidden files and files not ending in `.json` are ignored (the integrity sum lives there).
///
/// Selinon's runtime turns a gap, `01.json` or `notes.json` into endless rescheduling (defect
/// D-16); here any of them rejects the directory with a message naming each offending file.
public struct MigrationDirectory: Sendable {
    /// One migration file.
    public struct File: Sendable {
        /// The version the file brings a state to (N of `N.json`).
        public var version: Int
        /// The file's path in the directory.
        public var path: String
        /// The file's bytes as read.
        public var bytes: [UInt8]
        /// The file, read and checked.
        public var migration: Migration
    }

    /// The directory's path as given.
    public let path: String
    /// The migrations in version order: `files[k]` is version `k + 1`.
    public let files: [File]

    /// The newest version (0 when there are no migrations).
    public var latestVersion: Int { files.count }

    /// The migrations in version order.
    public var migrations: [Migration] { files.map(\.migration) }

    /// Where the next migration goes.
    public var nextFilePath: String { Self.filePath(version: latestVersion + 1, in: path) }

    /// The path of version `version` in `directory`.
    public static func filePath(version: Int, in directory: String) -> String {
        (directory as NSString).appendingPathComponent("\(version).json")
    }

    /// The version a migration file's name gives (`3.json` → 3), for canonical names only — from
    /// 1, without a sign or leading zeros, as ``filePath(version:in:)`` writes them; nil for any
    /// other name (`03.json`, `0.json`, `notes.json`, `3.JSON`).
    public static func version(ofFileName name: String) -> Int? {
        guard name.hasSuffix(".json"), case let stem = name.dropLast(5), let version = Int(stem), version > 0,
              String(version) == stem else { return nil }
        return version
    }

    /// Refuses a path where no directory can be, saying why: a symbolic link that loops, a file
    /// on the way, a directory on the way this user may not open. A path that simply does not
    /// exist yet passes (it can be created).
    /// - Throws: ``MigrationDirectoryError``.
    public static func refuseUnreachable(_ path: String) throws(MigrationDirectoryError) {
        var status = stat()
        let reason = stat(path, &status) == 0 ? 0 : errno
        switch reason {
        case ELOOP:
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory is a symbolic link that loops (it leads back to itself)",
                hint: "point the link at the directory, or give the directory's own path")])
        case ENOTDIR:
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory cannot exist: a part of its path is a file, not a directory",
                hint: "check the path given for the migration directory")])
        case EACCES:
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory cannot be reached: \(String(cString: strerror(reason)))",
                hint: "run as a user who may open the directories on its path")], isReadFailure: true)
        case ENOENT:
            // A symbolic link to nothing: a directory meant to be there (a mount, a checkout) is not.
            var linkStatus = stat()
            guard lstat(path, &linkStatus) == 0, linkStatus.st_mode & S_IFMT == S_IFLNK else { return }
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory is a symbolic link to \(target), which does not exist",
                hint: "create or mount the directory it points to, or give another path")], isMissing: true)
        default:
            return
        }
    }

    /// Reads every migration of `path`.
    /// - Parameter allowMissing: treat a directory that does not exist as empty (generating the
    ///   first migration creates it).
    /// - Throws: ``MigrationDirectoryError`` listing every problem found.
    public static func load(from path: String, allowMissing: Bool = false) throws(MigrationDirectoryError) -> MigrationDirectory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            try refuseUnreachable(path)
            if allowMissing { return MigrationDirectory(path: path, files: []) }
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory does not exist",
                hint: "check the path given for the migration directory")], isMissing: true)
        }
        guard isDirectory.boolValue else {
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "the migration directory is a file", hint: "give the path of a directory")])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            let denied = [EACCES, EPERM].contains(FileSystemReason.code(of: error) ?? 0)
            throw MigrationDirectoryError(path: path, problems: [MigrationFileError(
                file: path, message: "cannot list the migration directory: \(FileSystemReason.describe(error))",
                hint: denied ? "run as a user who may read and open the directory (workers must read it too), or fix its permissions"
                    : "check that the directory can be read (its file system, its disk), then run the command again")],
                isReadFailure: true)
        }
        var problems: [MigrationFileError] = []
        var byVersion: [Int: String] = [:]
        for name in names.sorted() where !name.hasPrefix(".") && name.lowercased().hasSuffix(".json") {
            let filePath = (path as NSString).appendingPathComponent(name)
            // `3.JSON` looks like a migration, but Selinon's workers read `*.json` only.
            guard name.hasSuffix(".json") else {
                problems.append(MigrationFileError(
                    file: filePath,
                    message: "'\(name)' is not read as a migration, by Selinon's workers nor by this tool: names end in .json, in lower case",
                    hint: "if it is a migration, rename it to \(name.dropLast(5)).json and check it with selinon-migrate verify; "
                        + "otherwise move it out of the directory"))
                continue
            }
            guard let version = Self.version(ofFileName: name) else {
                let stem = String(name.dropLast(5))
                let numeric = stem.allSatisfy { $0.isNumber || $0 == "+" || $0 == "-" } && !stem.isEmpty
                // `01.json` next to `1.json`: renaming it would replace a migration.
                let taken = Int(stem).map { "\($0).json" }.flatMap { names.contains($0) ? $0 : nil }
                problems.append(MigrationFileError(
                    file: filePath,
                    message: numeric ? "'\(name)' is not a canonical migration file name" : "'\(name)' is not a migration file",
                    hint: !numeric ? "move it out of the migration directory: Selinon's workers reschedule flows forever over it"
                        : taken.map { "migration files are named 1.json, 2.json, … without leading zeros or signs, and \($0) exists: "
                            + "remove \(name) unless it is to replace \($0) (a migration that may have been applied must not change)" }
                        ?? "migration files are named 1.json, 2.json, … without leading zeros or signs; rename it"))
                continue
            }
            byVersion[version] = filePath
        }
        let versions = byVersion.keys.sorted()
        if let problem = Self.gapProblem(versions, in: path) { problems.append(problem) }
        var files: [File] = []
        var readFailure = false
        for version in versions {
            guard let filePath = byVersion[version] else { continue }
            guard let data = FileManager.default.contents(atPath: filePath) else {
                let (problem, isReadFailure) = Self.unreadable(filePath)
                problems.append(problem)
                readFailure = readFailure || isReadFailure
                continue
            }
            let bytes = [UInt8](data)
            do {
                files.append(File(version: version, path: filePath, bytes: bytes,
                                  migration: try Migration(selinonJSON: bytes, file: filePath)))
            } catch {
                problems.append(error)
            }
        }
        if problems.isEmpty { problems = continuityProblems(files) }
        guard problems.isEmpty else { throw MigrationDirectoryError(path: path, problems: problems, isReadFailure: readFailure) }
        return MigrationDirectory(path: path, files: files)
    }

    /// The versions missing below the latest of `versions` (sorted), as one problem; long runs
    /// are named by their ends, so a stray `20261201.json` costs one line, not twenty million.
    static func gapProblem(_ versions: [Int], in path: String) -> MigrationFileError? {
        guard let latest = versions.last else { return nil }
        var gaps: [ClosedRange<Int>] = []
        var expected = 1
        for version in versions {
            if version > expected { gaps.append(expected...(version - 1)) }
            expected = version == Int.max ? version : version + 1
        }
        guard !gaps.isEmpty else { return nil }
        let count = gaps.reduce(0) { total, gap in total.addingReportingOverflow(gap.count).partialValue }
        let named = gaps.prefix(10).map { gap in
            gap.count == 1 ? "\(gap.lowerBound).json" : gap.count == 2 ? "\(gap.lowerBound).json, \(gap.upperBound).json"
                : "\(gap.lowerBound).json … \(gap.upperBound).json"
        }.joined(separator: ", ") + (gaps.count > 10 ? ", …" : "")
        let far = gaps.last.map { $0.count > 1_000 } ?? false
        return MigrationFileError(
            file: path, message: "\(count == 1 ? "migration" : "\(count) migrations") \(named) missing before \(latest).json",
            hint: "restore the missing files from version control; versions must run 1, 2, 3, … without gaps"
                + (far ? " (\(latest).json is numbered far beyond the others: if it is not a migration, move it out of the directory)" : ""))
    }

    /// Why a file named like a migration cannot be read: a directory, a link that leads nowhere
    /// (or in a loop), no permission; and whether reading it failed (permissions, I/O) rather
    /// than something being in the file's place.
    private static func unreadable(_ path: String) -> (MigrationFileError, isReadFailure: Bool) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            // A symbolic link whose target is gone (or loops): what is there is the link.
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path), code == ENOENT || code == ELOOP {
                return (MigrationFileError(file: path, message: "this is a symbolic link to \(target), which "
                                            + (code == ELOOP ? "leads into a loop of links" : "does not exist"),
                                           hint: "replace the link with the migration file (from version control)"), false)
            }
            return (MigrationFileError(file: path, message: "cannot read the file: \(String(cString: strerror(code)))",
                                       hint: "restore it from version control, or move it out of the migration directory"),
                    code == EACCES || code == EIO)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            return (MigrationFileError(file: path, message: "this is a directory, named like a migration file",
                                       hint: "move it out of the migration directory: names ending in .json are migrations there"), false)
        }
        let denied = access(path, R_OK) != 0
        let reason = denied ? String(cString: strerror(errno))
            : (status.st_mode & S_IFMT) == S_IFREG ? "reading it failed" : "not a regular file"
        // Moving a migration out would leave a gap: only a file that is none may go.
        let hint = denied || (status.st_mode & S_IFMT) == S_IFREG
            ? "run as a user who may read the migration directory's files (workers must read them too), or fix its permissions"
            : "replace it with the migration file (from version control); a file that is no migration goes out of the directory"
        return (MigrationFileError(file: path, message: "cannot read the file: \(reason)", hint: hint),
                denied || (status.st_mode & S_IFMT) == S_IFREG)
    }
}

/// A migration directory that cannot be used, with every problem in it.
public struct MigrationDirectoryError: Error, Sendable, CustomStringConvertible {
    /// The migration directory, as given.
    public var path: String
    /// Every problem found, each naming its file (and line, where it has one).
    public var problems: [MigrationFileError]
    /// Whether the directory could not be read at all (an I/O failure rather than bad content).
    public var isReadFailure: Bool
    /// Whether the directory is not there — nothing at its path, or a symbolic link to nothing:
    /// the migrations were not deployed (or the path is wrong), rather than broken.
    public var isMissing: Bool

    /// The error for the directory at `path`, with its `problems`.
    public init(path: String, problems: [MigrationFileError], isReadFailure: Bool = false, isMissing: Bool = false) {
        self.path = path
        self.problems = problems
        self.isReadFailure = isReadFailure
        self.isMissing = isMissing
    }

    /// Every problem as ``MigrationFileError/description`` gives it, one after the other.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension MigrationDirectoryError: LocalizedError {
    public var errorDescription: String? { description }
}
