import FlowMigration
import Foundation
import MigrationGenerator
import Testing
import TestSupport

struct MigrationSumTests {
    static let first = Migration(flows: ["ingest": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore)
    static let second = Migration(flows: ["ingest": EdgeMigration(translation: [0: 1, 1: 0])], strategy: .retry)

    /// A directory with two generated migrations.
    static func directory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        _ = try MigrationWriter().write(first, toDirectory: directory.path("m"))
        _ = try MigrationWriter().write(second, toDirectory: directory.path("m"))
        return directory
    }

    @Test func theWriterKeepsTheSumAndTheFirstLineHashesTheList() throws {
        let directory = try Self.directory()
        let text = try String(contentsOfFile: directory.path("m/migrations.sum"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("1.json sha256:") && lines[2].hasPrefix("2.json sha256:"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.path("m/2.json")))
        #expect(lines[2] == "2.json " + MigrationSum.hash([UInt8](bytes)))
        #expect(lines[0] == MigrationSum.hash(Array((lines[1] + "\n" + lines[2] + "\n").utf8)))
        let sum = try #require(try MigrationSum.load(fromDirectory: directory.path("m")))
        #expect(sum.problems(inDirectory: directory.path("m")).isEmpty)
        #expect(sum.text == text)
    }

    /// A rewritten sum keeps the permissions of the one it replaces, and a sum that is a symbolic
    /// link stays one (the file it names is rewritten); new files get what the umask leaves.
    @Test func theSumKeepsItsPermissionsAndItsLink() throws {
        let directory = try TemporaryDirectory()
        _ = try MigrationWriter().write(Self.first, toDirectory: directory.path("m"))
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        // The process's umask, read without changing it (tests run side by side).
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let mask = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
            .flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) })
        #expect(try mode(directory.path("m/1.json")) == 0o666 & ~mask)
        #expect(try mode(directory.path("m/migrations.sum")) == 0o666 & ~mask)
        chmod(directory.path("m/migrations.sum"), 0o600)
        _ = try MigrationWriter().write(Self.second, toDirectory: directory.path("m"))
        #expect(try mode(directory.path("m/migrations.sum")) == 0o600)

        // A link to a file in the directory is followed: the file is rewritten, the link stays.
        try FileManager.default.createDirectory(atPath: directory.path("m/sums"), withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: directory.path("m/migrations.sum"), toPath: directory.path("m/sums/kept.sum"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("m/migrations.sum"), withDestinationPath: "sums/kept.sum")
        let sum = try #require(try MigrationSum.load(fromDirectory: directory.path("m")))
        try sum.write(toDirectory: directory.path("m"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.path("m/migrations.sum")) == "sums/kept.sum")
        #expect(try String(contentsOfFile: directory.path("m/sums/kept.sum"), encoding: .utf8) == sum.text)
        #expect(try mode(directory.path("m/sums/kept.sum")) == 0o600)

        // A link out of the directory (a cloned repository's, to any file of the user's) is refused.
        try "a file of the user's\n".write(toFile: directory.path("victim.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: directory.path("m/migrations.sum"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("m/migrations.sum"), withDestinationPath: "../victim.txt")
        let refused = #expect(throws: MigrationWriteError.self) { try sum.write(toDirectory: directory.path("m")) }
        #expect(refused?.description.contains("migrations.sum is a symbolic link to \(directory.path("m"))/../victim.txt, outside the "
            + "migration directory: nothing is written there") == true, "\(refused?.description ?? "")")
        #expect(try String(contentsOfFile: directory.path("victim.txt"), encoding: .utf8) == "a file of the user's\n")
    }

    @Test func editedRemovedUnlistedAndRenumberedFilesAreNamed() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        let sum = try #require(try MigrationSum.load(fromDirectory: path))
        var edited = try String(contentsOfFile: "\(path)/1.json", encoding: .utf8)
        edited = edited.replacingOccurrences(of: "\"IGNORE\"", with: "\"FAIL\"")
        try edited.write(toFile: "\(path)/1.json", atomically: true, encoding: .utf8)
        #expect(sum.problems(inDirectory: path).map(\.kind) == [.edited])
        // Restored from git where there is git; this directory is in none (a temporary one).
        let hint = try #require(sum.problems(inDirectory: path).first?.hint)
        #expect(hint.hasPrefix("restore it as generated (from the copy it came from: the directory is in no git repository) and put "
            + "the change in a new migration"), "\(hint)")
        try FileManager.default.createDirectory(atPath: directory.path(".git"), withIntermediateDirectories: false)
        #expect(sum.problems(inDirectory: path).first?.hint.hasPrefix("restore it as generated (git checkout HEAD -- ") == true)
        try FileManager.default.removeItem(atPath: directory.path(".git"))

        try FileManager.default.moveItem(atPath: "\(path)/2.json", toPath: "\(path)/3.json")
        let kinds = sum.problems(inDirectory: path).map { "\($0.kind.rawValue) \(($0.file as NSString).lastPathComponent)" }
        #expect(kinds == ["edited 1.json", "missing 2.json", "renumbered 3.json"])

        try "{}".write(toFile: "\(path)/4.json", atomically: true, encoding: .utf8)
        #expect(sum.problems(inDirectory: path).last.map { "\($0.kind) \($0.message)" } == "unlisted 4.json is not in migrations.sum: added by hand, from another branch, or by a generate that was interrupted")

        // A file renamed with another case is no migration to anyone: the missing one names it.
        try FileManager.default.moveItem(atPath: "\(path)/3.json", toPath: "\(path)/2.JSON")
        let missing = try #require(sum.problems(inDirectory: path).first { $0.kind == .missing })
        #expect(missing.message == "2.json is listed in migrations.sum but missing (there is 2.JSON, which is not read as a migration: names end in .json, in lower case)")
        #expect(missing.hint == "rename it: mv \(path)/2.JSON \(path)/2.json")
    }

    @Test func aListedFileThatCannotBeReadIsNotCalledMissing() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        let sum = try #require(try MigrationSum.load(fromDirectory: path))
        try FileManager.default.removeItem(atPath: "\(path)/2.json")
        try FileManager.default.createDirectory(atPath: "\(path)/2.json", withIntermediateDirectories: false)
        let problem = try #require(sum.problems(inDirectory: path).first)
        #expect(problem.kind == .notAFile, "the directory's content, not a failure to read it (exit 1, not 2)")
        #expect(problem.message == "2.json cannot be read: it is a directory")
        // (A file this user may not read: GenerateCommandTests, run as another user.)
    }

    @Test func hintsNameTheDirectoryAsOneShellWordAndALeadingZeroIsRenamedNotRehashed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mig dir")
        _ = try MigrationWriter().write(Self.first, toDirectory: path)
        let sum = try #require(try MigrationSum.load(fromDirectory: path))
        try "{}".write(toFile: "\(path)/2.json", atomically: true, encoding: .utf8)
        #expect(sum.problems(inDirectory: path).map(\.hint) == [
            "if a generate was interrupted, run it again: it lists the file once it has checked that it is its own; if it was generated "
                + "and reviewed here, run selinon-migrate rehash -m '\(path)'; after a merge, run selinon-migrate rebase --onto <the branch you "
                + "merged> -n NODES -f FLOWS",
        ])
        try FileManager.default.moveItem(atPath: "\(path)/2.json", toPath: "\(path)/02.json")
        let unnamed = try #require(sum.problems(inDirectory: path).first)
        #expect(unnamed.message == "02.json is not in migrations.sum, and not named as a migration")
        #expect(unnamed.hint == "rename it to its number (mv '\(path)/02.json' '\(path)/2.json') if that is what it is, then run selinon-migrate rehash -m '\(path)'")
    }

    /// A sum text listing `names` (any hashes: the entries are checked before the first line).
    static func sumText(_ names: [String]) -> String {
        let hash = "sha256:" + String(repeating: "0", count: 64)
        return ([hash] + names.map { "\($0) \(hash)" }).joined(separator: "\n") + "\n"
    }

    @Test(arguments: [
        ("<<<<<<< HEAD\nsha256:aa\n=======\nsha256:bb\n>>>>>>> main\n", MigrationSumError.Kind.mergeConflict, 1),
        ("not a hash\n", .malformed, 1),
        ("sha256:" + String(repeating: "0", count: 64) + "\n1.json md5:1\n", .malformed, 2),
        ("sha256:" + String(repeating: "0", count: 64) + "\n", .totalMismatch, 1),
        // A second line for one file (the first would win), lines out of order, a name that is no migration's.
        (MigrationSumTests.sumText(["1.json", "2.json", "2.json"]), .malformed, 4),
        (MigrationSumTests.sumText(["2.json", "1.json"]), .malformed, 3),
        (MigrationSumTests.sumText([".4.json"]), .malformed, 2),
        // Both sides of a merge kept: a second list, the two-branches case.
        (MigrationSumTests.sumText(["1.json", "2.json"]) + MigrationSumTests.sumText(["1.json", "2.json"]), .mergeConflict, 4),
    ])
    func aBrokenSumIsRejectedWithItsLine(_ text: String, _ kind: MigrationSumError.Kind, _ line: Int) {
        let error = #expect(throws: MigrationSumError.self) { try MigrationSum(parsing: text, path: "m/migrations.sum") }
        #expect(error?.kind == kind)
        #expect(error?.line == line)
        #expect(error?.description.hasPrefix("m/migrations.sum:\(line): error:") == true)
    }

    @Test func theWriterRefusesADirectoryThatDoesNotMatchItsSum() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        try "{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\"}".write(toFile: "\(path)/2.json", atomically: true, encoding: .utf8)
        let sumBefore = try String(contentsOfFile: "\(path)/migrations.sum", encoding: .utf8)
        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(Self.first, toDirectory: path) }
        #expect(error?.description.contains("2.json was changed after it was generated") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(path)/3.json"))
        #expect(try String(contentsOfFile: "\(path)/migrations.sum", encoding: .utf8) == sumBefore)
    }

    @Test func aDirectoryWithFilesButNoSumIsRefusedUntilRehashed() throws {
        let directory = try Self.directory()
        // A name the shell would split: the command in the hint is quoted.
        let path = directory.path("m; x")
        try FileManager.default.moveItem(atPath: directory.path("m"), toPath: path)
        try FileManager.default.removeItem(atPath: "\(path)/migrations.sum")
        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(Self.first, toDirectory: path) }
        #expect(error?.description.hasPrefix("\(path)/migrations.sum: error: missing, but the directory holds 2 migration files") == true)
        #expect(error?.description.contains("selinon-migrate rehash -m '\(path)'") == true, "\(error?.description ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == ["1.json", "2.json"], "nothing written")

        // What rehash does: a sum for the reviewed files; then the writer goes on.
        try MigrationSum(directory: try MigrationDirectory.load(from: path)).write(toDirectory: path)
        _ = try MigrationWriter().write(Self.first, toDirectory: path)
        let sum = try #require(try MigrationSum.load(fromDirectory: path))
        #expect(sum.entries.map(\.name) == ["1.json", "2.json", "3.json"])
    }

    @Test func lineEndingsDoNotCount() throws {
        // A Windows checkout (core.autocrlf) turns every LF of the files and the sum into CRLF.
        let directory = try Self.directory()
        let path = directory.path("m")
        let lfSum = try #require(try MigrationSum.load(fromDirectory: path))
        for name in ["1.json", "2.json", "migrations.sum"] {
            let text = try String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
        }
        let crlfSum = try #require(try MigrationSum.load(fromDirectory: path))
        #expect(crlfSum == lfSum)
        #expect(crlfSum.problems(inDirectory: path).isEmpty)
        #expect(MigrationSum.hash(Array("a\r\nb\r\n".utf8)) == MigrationSum.hash(Array("a\nb\n".utf8)))
        #expect(MigrationSum.hash(Array("a\rb".utf8)) != MigrationSum.hash(Array("ab".utf8)), "a lone CR counts")
        // A CRLF file that was also edited is still caught.
        let edited = try String(contentsOfFile: "\(path)/1.json", encoding: .utf8).replacingOccurrences(of: "IGNORE", with: "FAIL")
        try edited.write(toFile: "\(path)/1.json", atomically: true, encoding: .utf8)
        #expect(crlfSum.problems(inDirectory: path).map(\.kind) == [.edited])
    }

    /// What editors and merge tools leave — blanks at the ends of lines, blank lines at the end —
    /// is not an edit of the sum; a blank line inside the list still is.
    @Test func trailingBlanksDoNotCount() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        let text = try String(contentsOfFile: "\(path)/migrations.sum", encoding: .utf8)
        let sum = try MigrationSum(parsing: text, path: "m/migrations.sum")
        let padded = text.split(separator: "\n").map { $0 + " \t" }.joined(separator: "\r\n") + "\n\n \n\r\n"
        #expect(try MigrationSum(parsing: padded, path: "m/migrations.sum") == sum)
        let lines = text.split(separator: "\n")
        let gap = ([lines[0], lines[1], ""] + lines.dropFirst(2)).joined(separator: "\n") + "\n"
        let error = #expect(throws: MigrationSumError.self) { try MigrationSum(parsing: gap, path: "m/migrations.sum") }
        #expect(error?.line == 3 && error?.kind == .malformed)
    }

    /// A sum that is a symbolic link to `../m2/migrations.sum` leads out of `m`, though `m2`'s
    /// name starts with `m`'s: the directory is compared by whole path components. Generating
    /// into `m` is refused, and the neighbour's sum is left as it was.
    @Test func aLinkIntoANeighbourWhoseNameStartsWithTheDirectorysIsOutside() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        try FileManager.default.createDirectory(atPath: directory.path("m2"), withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: "\(path)/migrations.sum", toPath: directory.path("m2/migrations.sum"))
        try FileManager.default.createSymbolicLink(atPath: "\(path)/migrations.sum", withDestinationPath: "../m2/migrations.sum")
        let neighbour = try String(contentsOfFile: directory.path("m2/migrations.sum"), encoding: .utf8)
        // The link is followed to read the sum: it is m's, and it matches m's files.
        #expect(try MigrationSum.load(fromDirectory: path)?.problems(inDirectory: path).isEmpty == true)

        let error = #expect(throws: MigrationWriteError.self) { try MigrationWriter().write(Self.first, toDirectory: path) }
        #expect(error?.description.contains("migrations.sum is a symbolic link to \(path)/../m2/migrations.sum, outside the "
            + "migration directory: nothing is written there") == true, "\(error?.description ?? "")")
        #expect(try String(contentsOfFile: directory.path("m2/migrations.sum"), encoding: .utf8) == neighbour)
    }

    /// `0.json` is no migration's name (versions start at 1): a sum listing it is malformed at
    /// its line, even when its first line hashes the list correctly.
    @Test func aSumListingVersionZeroIsMalformed() throws {
        let bytes = Array("{\"migration\": {}, \"tainted_flow_strategy\": \"IGNORE\"}\n".utf8)
        // Its first line hashes the list below it, as the writer computes it.
        let text = MigrationSum(files: [("0.json", bytes), ("1.json", bytes)]).text
        let error = #expect(throws: MigrationSumError.self) { try MigrationSum(parsing: text, path: "m/migrations.sum") }
        #expect(error?.kind == .malformed)
        #expect(error?.line == 2)
        #expect(error?.description.hasPrefix("m/migrations.sum:2: error: '0.json' is not a migration file name (1.json, 2.json, …)") == true,
                "\(error?.description ?? "")")
    }

    /// An unlisted copy of a listed file that is still there under its own number is unlisted,
    /// not "renumbered": renumbering is said only of a listed file whose number is gone.
    @Test func anUnlistedCopyOfAFileStillThereIsUnlistedNotRenumbered() throws {
        let directory = try Self.directory()
        let path = directory.path("m")
        let sum = try #require(try MigrationSum.load(fromDirectory: path))
        try FileManager.default.copyItem(atPath: "\(path)/1.json", toPath: "\(path)/3.json")
        let problems = sum.problems(inDirectory: path)
        #expect(problems.map { "\($0.kind.rawValue) \(($0.file as NSString).lastPathComponent)" } == ["unlisted 3.json"])
        #expect(problems.first?.message == "3.json is not in migrations.sum: added by hand, from another branch, or by a generate that was interrupted")
    }

    /// The set-group-ID bit (and the other bits above the permissions) of a sum survives its
    /// rewrite, as its permissions do.
    @Test func theSumKeepsItsSetGroupIDBit() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("m")
        _ = try MigrationWriter().write(Self.first, toDirectory: path)
        // All twelve mode bits (FileManager's posixPermissions may leave out those above 0o777).
        func mode(_ path: String) -> mode_t {
            var status = stat()
            return stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
        }
        chmod("\(path)/migrations.sum", 0o2644)
        // A file the user owns, in a group of the user's: the bit sticks.
        try #require(mode("\(path)/migrations.sum") == 0o2644)
        _ = try MigrationWriter().write(Self.second, toDirectory: path)
        #expect(try MigrationSum.load(fromDirectory: path)?.entries.map(\.name) == ["1.json", "2.json"], "the sum was rewritten")
        #expect(mode("\(path)/migrations.sum") == 0o2644)
    }
}

/// Words of the commands hints print, pasted into a shell as they are.
struct ShellWordTests {
    @Test func wordsAreQuotedOnlyWhenTheyMustBe() {
        #expect(shellWord("migrations/1.json") == "migrations/1.json")
        #expect(shellWord("db migrations;(x)") == "'db migrations;(x)'")
        #expect(shellWord("it's") == "'it'\\''s'")
        #expect(shellWord("-m") == "'./-m'")
    }

    /// Git reads a leading `:` of a path as pathspec magic: such a path is named from `./`.
    @Test func gitPathsNeverStartWithPathspecMagic() {
        #expect(gitPathWord(":mig/1.json") == "./:mig/1.json")
        #expect(gitPathWord("mig/:1.json") == "mig/:1.json")
        #expect(gitPathWord(":m ig") == "'./:m ig'")
        #expect(gitPathWord("-mig") == "'./-mig'")
    }
}
