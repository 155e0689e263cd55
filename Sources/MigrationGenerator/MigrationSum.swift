import Crypto
import FlowMigration
import Foundation

/// `migrations.sum`: the SHA-256 of every migration file, one line each, under a first line
/// that hashes the whole list. Any edit, removal, renumbering or hand-added file shows as a
/// mismatch; and two branches that each add a migration both change the first line, so merging
/// them is always a git conflict on this file instead of a silent duplicate. Selinon's workers
/// ignore it (they read only `*.json`).
///
/// ```text
/// sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
/// 1.json sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
/// 2.json sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9
/// ```
///
/// Line endings do not count: a file checked out with CRLF line endings (git's `core.autocrlf`,
/// the default of Git for Windows) has the hash of its LF original, and the sum file itself may
/// have either, so the sum is the same on every platform. Nor do blanks at the end of the sum's
/// lines and blank lines at its end.
public struct MigrationSum: Sendable, Equatable {
    /// The file's name inside the migration directory.
    public static let fileName = "migrations.sum"
    /// The fix for migrations two branches both added, as hints give it where they cannot know the
    /// branch or the configuration's paths; commands that know them put the real command in its place.
    public static let placeholderRebaseCommand = "selinon-migrate rebase --onto <the branch you merged> -n NODES -f FLOWS"

    /// One migration file and its hash.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var hash: String

        public init(name: String, hash: String) {
            self.name = name
            self.hash = hash
        }
    }

    /// The files in version order.
    public var entries: [Entry]

    /// The sum of `files` (name and bytes), in version order.
    public init(files: [(name: String, bytes: [UInt8])]) {
        entries = files.map { Entry(name: $0.name, hash: Self.hash($0.bytes)) }
    }

    /// The sum of a loaded directory.
    public init(directory: MigrationDirectory) {
        self.init(files: directory.files.map { ("\($0.version).json", $0.bytes) })
    }

    /// The first line: the hash of the entry lines.
    public var total: String {
        Self.hash(Array(entryLines.utf8))
    }

    /// The file's text.
    public var text: String {
        total + "\n" + entryLines
    }

    private var entryLines: String {
        entries.map { "\($0.name) \($0.hash)\n" }.joined()
    }

    /// `sha256:` and 64 hexadecimal digits, of `bytes` with every CRLF read as LF.
    public static func hash(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        var start = 0
        // Hashed in runs between the CRs that end a CRLF, so an LF file is hashed in one piece.
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") {
            hasher.update(data: bytes[start..<index])
            start = index + 1
        }
        hasher.update(data: bytes[start...])
        return "sha256:" + hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    // MARK: - Reading and writing

    /// Reads `text` (the contents of `path`).
    /// - Throws: ``MigrationSumError`` naming the line; a git merge conflict is recognised.
    public init(parsing text: String, path: String) throws(MigrationSumError) {
        // "\r\n" is one Character in Swift: both line endings split. Blanks an editor or a merge
        // tool leaves — at the end of a line, blank lines at the end — do not count either.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map { line in
            String(line[..<(line.lastIndex { $0 != " " && $0 != "\t" && $0 != "\r" }.map(line.index(after:)) ?? line.startIndex)])
        }
        while lines.last == "" { lines.removeLast() }
        if let conflict = lines.firstIndex(where: { $0.hasPrefix("<<<<<<<") || $0.hasPrefix(">>>>>>>") || $0 == "=======" }) {
            throw MigrationSumError(path: path, line: conflict + 1, kind: .mergeConflict,
                                    message: "\(Self.fileName) has a git merge conflict: two branches added migrations")
        }
        guard let first = lines.first, Self.isHash(first) else {
            throw MigrationSumError(path: path, line: 1, kind: .malformed, message: "the first line must be the sha256: hash of the list")
        }
        var entries: [Entry] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            // A second first line: both sides' sums kept when a merge conflict on it was resolved
            // (or git's union merge): the same two-branches case as the conflict itself.
            if Self.isHash(line) {
                throw MigrationSumError(path: path, line: offset + 2, kind: .mergeConflict,
                                        message: "\(Self.fileName) holds a second list from this line: two branches' sums were joined "
                                            + "(a merge conflict resolved by keeping both sides): two branches added migrations")
            }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].hasSuffix(".json"), Self.isHash(String(parts[1])) else {
                throw MigrationSumError(path: path, line: offset + 2, kind: .malformed, message: "expected 'N.json sha256:…', found '\(line)'")
            }
            // The list is generated: one line per migration, in version order.
            let name = String(parts[0])
            guard let version = MigrationDirectory.version(ofFileName: name) else {
                throw MigrationSumError(path: path, line: offset + 2, kind: .malformed, message: "'\(name)' is not a migration file name (1.json, 2.json, …)")
            }
            if let previous = entries.last, let previousVersion = Int(previous.name.dropLast(5)), previousVersion >= version {
                throw MigrationSumError(path: path, line: offset + 2, kind: .malformed, message: previousVersion == version
                    ? "\(name) is listed twice" : "\(name) is listed after \(previous.name): the list is in version order")
            }
            entries.append(Entry(name: name, hash: String(parts[1])))
        }
        self.entries = entries
        if total != first {
            throw MigrationSumError(path: path, line: 1, kind: .totalMismatch,
                                    message: "the first line does not match the list below it: \(Self.fileName) was edited by hand or merged wrongly")
        }
    }

    private static func isHash(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.count == 71 && text.dropFirst(7).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The sum file of the directory at `directory`, or `nil` when it has none.
    public static func load(fromDirectory directory: String) throws(MigrationSumError) -> MigrationSum? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            throw MigrationSumError(path: path, line: nil, kind: .notAFile, message: "this is a directory; the sum is a file")
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            let kind = status.st_mode & S_IFMT == S_IFIFO ? "a named pipe" : status.st_mode & S_IFMT == S_IFSOCK ? "a socket" : "a device"
            throw MigrationSumError(path: path, line: nil, kind: .notAFile, message: "this is \(kind); the sum is a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.isReadableFile(atPath: path) ? "" : ": permission denied"
            throw MigrationSumError(path: path, line: nil, kind: .unreadable, message: "cannot read the file" + why)
        }
        return try MigrationSum(parsing: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Writes the sum into `directory` atomically (a temporary file renamed over the old one,
    /// which keeps the old one's permissions). A symbolic link is followed when the file it names
    /// is in the directory (or below it): that file is replaced, the link stays. A link out of the
    /// directory is refused — a cloned repository could point it at any file of the user's.
    public func write(toDirectory directory: String) throws(MigrationWriteError) {
        let named = (directory as NSString).appendingPathComponent(Self.fileName)
        let path = Self.linkTarget(of: named)
        if path != named, !Self.isInside(path, directory: directory) {
            throw .io(path: named, message: "\(Self.fileName) is a symbolic link to \(path), outside the migration directory: "
                + "nothing is written there", hint: "replace the link with a file of its own: rm \(shellWord(named)), then run "
                + "selinon-migrate rehash -m \(shellWord(directory)) after reviewing the migrations")
        }
        let temporary = (parentDirectory(of: path) as NSString)
            .appendingPathComponent(".\(Self.fileName).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try DurableFile.write(Array(text.utf8), to: temporary, for: path)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: path, message: code == EISDIR ? "\(Self.fileName) is a directory: move it out of the way (the sum is a file)"
                : "cannot replace \(Self.fileName): \(String(cString: strerror(code)))", hint: code == EISDIR ? nil : FileSystemReason.writeHint(for: code))
        }
        let parent = parentDirectory(of: path)
        DurableFile.syncDirectory(parent.isEmpty ? "." : parent)
    }

    /// Whether `path` (a file that may not exist yet) is in `directory` or below it, both with
    /// their symbolic links resolved.
    private static func isInside(_ path: String, directory: String) -> Bool {
        func resolved(_ path: String) -> String? {
            guard let real = realpath(path.isEmpty ? "." : path, nil) else { return nil }
            defer { free(real) }
            return String(cString: real)
        }
        guard let root = resolved(directory), let parent = resolved(parentDirectory(of: path)) else { return false }
        return parent == root || parent.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// The file a symbolic link at `path` leads to (also through further links), else `path`.
    private static func linkTarget(of path: String) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/") ? destination
                : (parentDirectory(of: current) as NSString).appendingPathComponent(destination)
        }
        return path
    }

    // MARK: - Checking a directory

    /// Whether `directory` (which may not exist) is in a git working tree: a `.git` in it or in
    /// a directory above it.
    private static func isInGitWorkingTree(_ directory: String) -> Bool {
        var path = URL(fileURLWithPath: directory).standardizedFileURL.path
        while true {
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(".git")) { return true }
            let parent = parentDirectory(of: path)
            if parent.isEmpty || parent == path { return false }
            path = parent
        }
    }

    /// What differs between this sum and the migration files (`N.json`) in `directory`, listed
    /// without validating them otherwise (so a gap or a broken file is still named here).
    public func problems(inDirectory directory: String) -> [MigrationSumProblem] {
        guard let files = Self.migrationFiles(in: directory) else {
            return [MigrationSumProblem(kind: .unreadable, file: directory, message: "cannot list the migration directory",
                                        hint: "run as a user who may read and open the directory (workers must read it too)")]
        }
        var problems: [MigrationSumProblem] = []
        // Hints that restore a file from git, where there is git to restore it from (looked up
        // once, when a hint needs it).
        var gitWorkingTree: Bool?
        func inGit() -> Bool {
            if let gitWorkingTree { return gitWorkingTree }
            let found = Self.isInGitWorkingTree(directory)
            gitWorkingTree = found
            return found
        }
        let listed = Dictionary(entries.map { ($0.name, $0.hash) }, uniquingKeysWith: { first, _ in first })
        let nameOfHash = Dictionary(entries.map { ($0.hash, $0.name) }, uniquingKeysWith: { first, _ in first })
        for name in Set(entries.map(\.name)).union(files.keys).sorted(by: Self.versionOrder) {
            let path = (directory as NSString).appendingPathComponent(name)
            switch (listed[name], files[name]) {
            case (_?, nil) where access(path, F_OK) == 0:
                // There, but not to be read by this user (or not a file).
                var status = stat()
                let kind = stat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
                let reason = kind == S_IFDIR ? "it is a directory"
                    : kind != 0 && kind != S_IFREG ? "it is not a regular file"
                    : String(cString: strerror(access(path, R_OK) == 0 ? EIO : errno))
                // Something else in a migration's place is the directory's content, not a failure to read it.
                problems.append(MigrationSumProblem(kind: kind != 0 && kind != S_IFREG ? .notAFile : .unreadable, file: path,
                                                    message: "\(name) cannot be read: \(reason)",
                                                    hint: kind != 0 && kind != S_IFREG ? "a migration is a file: move this out of the way and restore the file"
                                                        : "run as a user who may read the migration directory's files (workers must read them too)"))
            case (_?, nil):
                // A file whose name differs only in case (`3.JSON`) is not read by Selinon's workers (nor by us): say so.
                let lookAlike = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .first { $0 != name && $0.lowercased() == name.lowercased() }
                problems.append(MigrationSumProblem(kind: .missing, file: path, message: "\(name) is listed in \(Self.fileName) but missing"
                                                        + (lookAlike.map { " (there is \($0), which is not read as a migration: names end in .json, in lower case)" } ?? ""),
                                                    hint: lookAlike.map { "rename it: mv \(shellWord((directory as NSString).appendingPathComponent($0))) \(shellWord(path))" }
                                                        ?? (inGit() ? "restore it (git checkout HEAD -- \(gitPathWord(path)), or from the commit that still has it): "
                                                            : "restore it from the copy it came from (the directory is in no git repository): ")
                                                        + "a migration that may have been applied must not disappear; if it was never committed nor "
                                                        + "deployed and was deleted on purpose: selinon-migrate rehash -m \(shellWord(directory))"))
            case (nil, let bytes?):
                let hash = Self.hash(bytes)
                if let original = nameOfHash[hash], files[original] == nil {
                    problems.append(MigrationSumProblem(kind: .renumbered, file: path, message: "\(name) is \(original) renumbered",
                                                        hint: "give it back its number: a migration's number decides which states it applies to"))
                } else if let version = Int(name.dropLast(5)), version >= 1, "\(version).json" != name {
                    // `01.json`: not a migration name (the directory says so); rehashing cannot fix that.
                    let canonical = (directory as NSString).appendingPathComponent("\(version).json")
                    problems.append(MigrationSumProblem(kind: .unlisted, file: path, message: "\(name) is not in \(Self.fileName), and not named as a migration",
                                                        hint: files["\(version).json"] != nil
                                                            ? "\(version).json exists: remove \(name) unless it is to replace \(version).json (a migration that may have been applied must not change)"
                                                            : "rename it to its number (mv \(shellWord(path)) \(shellWord(canonical))) "
                                                            + "if that is what it is, then run selinon-migrate rehash -m \(shellWord(directory))"))
                } else if Int(name.dropLast(5)) == nil {
                    // `notes.json`: no migration at all, and rehashing cannot make it one.
                    problems.append(MigrationSumProblem(kind: .unlisted, file: path, message: "\(name) is not in \(Self.fileName), and not named as a migration",
                                                        hint: "move it out of the migration directory: only migrations (1.json, 2.json, …) belong there"))
                } else {
                    problems.append(MigrationSumProblem(kind: .unlisted, file: path, message: "\(name) is not in \(Self.fileName): added by hand, "
                                                            + "from another branch, or by a generate that was interrupted",
                                                        hint: "if a generate was interrupted, run it again: it lists the file once it has checked "
                                                            + "that it is its own; if it was generated and reviewed here, run selinon-migrate rehash -m "
                                                            + "\(shellWord(directory)); after a merge, run \(Self.placeholderRebaseCommand)"))
                }
            case (let hash?, let bytes?) where Self.hash(bytes) != hash:
                problems.append(MigrationSumProblem(kind: .edited, file: path, message: "\(name) was changed after it was generated (its SHA-256 differs from \(Self.fileName))",
                                                    hint: "restore it as generated "
                                                        + (inGit() ? "(git checkout HEAD -- \(gitPathWord(path)) while the edit is not committed; once it is, from the "
                                                            + "commit before the edit: git log -- \(gitPathWord(path)))"
                                                            : "(from the copy it came from: the directory is in no git repository)")
                                                        + " and put the change in a new migration; after a deliberate, reviewed edit: "
                                                        + "selinon-migrate rehash -m \(shellWord(directory))"))
            default:
                break
            }
        }
        return problems
    }

    /// The names of the `*.json` files of `directory`.
    public static func migrationFileNames(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") && $0.hasSuffix(".json") }.sorted(by: versionOrder)
    }

    /// The `N.json` files of `directory`, by name: `nil` when the directory is there but cannot
    /// be listed, empty when it is missing.
    static func migrationFiles(in directory: String) -> [String: [UInt8]]? {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return FileManager.default.fileExists(atPath: directory) ? nil : [:]
        }
        var files: [String: [UInt8]] = [:]
        for name in names where !name.hasPrefix(".") && name.hasSuffix(".json") {
            if let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) { files[name] = [UInt8](data) }
        }
        return files
    }

    /// `2.json` before `10.json`; other names after, by name.
    static func versionOrder(_ left: String, _ right: String) -> Bool {
        switch (Int(left.dropLast(5)), Int(right.dropLast(5))) {
        case (let a?, let b?): return a < b
        case (_?, nil): return true
        case (nil, _?): return false
        default: return left < right
        }
    }
}

/// A migration file that does not match `migrations.sum`.
public struct MigrationSumProblem: Sendable, Equatable, CustomStringConvertible {
    /// How the file differs from the sum.
    public enum Kind: String, Sendable {
        /// Listed, but the file is gone.
        case missing
        /// Listed and there, but it cannot be read (permissions, an I/O error).
        case unreadable
        /// Listed, and something that is not a file is in its place (a directory, a pipe).
        case notAFile = "not-a-file"
        /// The file's bytes changed.
        case edited
        /// A file the sum does not list.
        case unlisted
        /// A listed file under another number.
        case renumbered
    }

    public var kind: Kind
    public var file: String
    public var message: String
    public var hint: String

    public var description: String { "\(file): error: \(message)\n  hint: \(hint)" }
}

/// `migrations.sum` cannot be read.
public struct MigrationSumError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the sum cannot be used.
    public enum Kind: String, Sendable {
        /// There, but this user cannot read it (permissions, an I/O error).
        case unreadable
        /// Something that is not a file (a directory) is in its place: the directory's content, not a failure to read.
        case notAFile = "not-a-file"
        case malformed
        /// Git conflict markers: two branches added migrations.
        case mergeConflict = "merge-conflict"
        /// The first line does not hash the list.
        case totalMismatch = "total-mismatch"
    }

    public var path: String
    public var line: Int?
    public var kind: Kind
    public var message: String

    /// What to do about it.
    public var hint: String {
        switch kind {
        case .mergeConflict:
            return "keep this branch's migrations out of the merge: run \(MigrationSum.placeholderRebaseCommand)"
        case .totalMismatch, .malformed:
            return "restore it from version control; after a deliberate, reviewed change to the migrations: selinon-migrate rehash"
        case .unreadable:
            return "make it a readable file: restore it from version control, or (after reviewing the migrations) "
                + "remove it and run selinon-migrate rehash"
        case .notAFile:
            return "the sum is a file: move this out of the way, then restore the file from version control, or (after "
                + "reviewing the migrations) run selinon-migrate rehash"
        }
    }

    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): error: \(message)\n  hint: \(hint)"
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension MigrationSumError: LocalizedError {
    public var errorDescription: String? { description }
}
