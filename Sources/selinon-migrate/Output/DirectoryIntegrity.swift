import ArgumentParser
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

/// Whether a migration directory is intact: its files against `migrations.sum`, git conflict
/// markers left by a merge, and the directory's own rules (names, gaps, well-formed files) —
/// every finding at once, each with the fix.
struct DirectoryIntegrity {
    /// What the rebase of the merge-conflict hint does, after its command: where the command
    /// named gives a choice of its own (during a merge), this is left out.
    static let rebaseEffect = ": it keeps that branch's migrations and regenerates this branch's after them"

    /// `text` (a hint, or a finding described) with the fix for migrations two branches both
    /// added made `fix` (the whole advice, for a state of git that says what to do) and, where
    /// a hint only names the command, `command`.
    static func withRebaseFix(_ text: String, fix: String, command: String) -> String {
        let placeholder = MigrationSum.placeholderRebaseCommand
        return text.replacingOccurrences(of: "keep this branch's migrations out of the merge: run \(placeholder)", with: fix)
            .replacingOccurrences(of: "run \(placeholder)\(rebaseEffect)", with: fix)
            .replacingOccurrences(of: placeholder, with: command)
    }

    /// The fix during a merge (MERGE_HEAD), which only the user can choose: whichever side's
    /// migrations may be deployed stay. `options` are the command's configuration options.
    static func mergeChoices(options: String) -> String {
        "selinon-migrate rebase --onto MERGE_HEAD\(options) when the branch being merged may be deployed (main merged into a feature "
            + "branch), or selinon-migrate rebase --onto HEAD --drop-merged\(options) when only this branch's migrations may be"
    }

    /// ``withRebaseFix(_:fix:command:)`` while a `git merge --squash` is under way: no
    /// MERGE_HEAD names the squashed branch, and `command` — `rebase --onto HEAD` — keeps HEAD's
    /// migrations and migrates the squashed change after them.
    static func duringSquash(_ text: String, command: String) -> String {
        withRebaseFix(text, fix: "run \(command): a git merge --squash is under way, and it keeps HEAD's migrations and migrates "
            + "the squashed change after them (then git add the migration directory)", command: command)
    }

    /// ``withRebaseFix(_:fix:command:)`` for conflict markers a commit recorded: `conflict`'s
    /// fix, with the command's configuration `options`.
    static func afterCommitted(_ conflict: CommittedConflict, _ text: String, options: String) -> String {
        withRebaseFix(text, fix: conflict.fix(options: options), command: "selinon-migrate rebase --onto \(conflict.parents.first?.id.short ?? "HEAD~1")" + options)
    }

    /// The line (from 1) where `text` has git's conflict markers (`<<<<<<<`), if it has them.
    static func conflictMarkerLine(in text: String) -> Int? {
        // "\r\n" is one Character in Swift: both line endings split (files checked out with eol=crlf).
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .firstIndex(where: { $0.hasPrefix("<<<<<<<") }).map { $0 + 1 }
    }

    /// The exit status for findings: 2 when a file or the directory could not be read (the
    /// tool could not check it), else 1.
    static func exitStatus(for findings: [Finding]) -> ExitCode {
        findings.contains { $0.kind == "unreadable" } ? ExitStatus.toolFailed : ExitStatus.inputFailed
    }

    /// One thing wrong with the directory.
    struct Finding: Encodable, Equatable {
        var kind: String
        var file: String
        var line: Int?
        /// With the line, where in it (migration files' content errors and JSON syntax errors).
        var column: Int? = nil
        var message: String
        var hint: String

        var description: String { described(as: "error") }

        /// The finding as a diagnostic of the given severity (`error`, `warning`).
        func described(as severity: String) -> String {
            "\(file)\(line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""): \(severity): \(message)" + (hint.isEmpty ? "" : "\n  hint: \(hint)")
        }
    }

    private(set) var findings: [Finding] = []

    /// Whether a finding stops the directory from being read at all (a merge conflict, a broken
    /// file or sum), rather than flagging one file.
    var isUnreadable: Bool {
        findings.contains { ["merge-conflict", "invalid", "malformed", "total-mismatch", "unreadable", "not-a-file"].contains($0.kind) }
    }
    /// Whether the directory has a `migrations.sum`.
    private(set) var hasSum = false

    /// Whether the directory has any `*.json` file that is not hidden (an empty directory needs no sum).
    private static func holdsMigrations(_ path: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).contains { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
    }

    /// Checks the directory at `path`; with `requireSum`, a missing sum is a finding (unless
    /// the directory holds no migration yet).
    init(path: String, requireSum: Bool) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            do {
                try MigrationDirectory.refuseUnreachable(path)
            } catch {
                findings += error.findings
                return
            }
            if requireSum {
                findings.append(Finding(kind: "invalid", file: path, line: nil, message: "the migration directory does not exist",
                                        hint: "check the path given for the migration directory"))
            }
            return
        }
        var conflicted = Set<String>()
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let file = (path as NSString).appendingPathComponent(name)
            guard let text = FileManager.default.contents(atPath: file).map({ String(decoding: $0, as: UTF8.self) }),
                  let line = Self.conflictMarkerLine(in: text) else { continue }
            conflicted.insert(file)
            findings.append(Finding(kind: "merge-conflict", file: file, line: line,
                                    message: "\(name) has a git merge conflict: two branches added migration \(name.dropLast(5))",
                                    hint: "run \(MigrationSum.placeholderRebaseCommand)\(Self.rebaseEffect)"))
        }
        do {
            if let sum = try MigrationSum.load(fromDirectory: path) {
                hasSum = true
                findings += sum.problems(inDirectory: path).filter { !conflicted.contains($0.file) }.map(Finding.init)
            } else if requireSum && isDirectory.boolValue && Self.holdsMigrations(path) {
                findings.append(Finding(kind: "missing-sum", file: (path as NSString).appendingPathComponent(MigrationSum.fileName), line: nil,
                                        message: "there is no \(MigrationSum.fileName): edits to the migrations cannot be detected",
                                        hint: "review the migrations, then run selinon-migrate rehash -m \(shellWord(path)) to start protecting them (generate keeps it up to date); "
                                            + "if a generate that wrote the first migration was interrupted, run it again instead: it writes the sum once it has "
                                            + "checked that the file is its own"))
            }
        } catch {
            hasSum = true
            findings.append(Finding(error))
        }
        // `3.JSON` is read by nobody (Selinon's workers take `*.json`), though it looks like a migration.
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        where !name.hasPrefix(".") && name.lowercased().hasSuffix(".json") && !name.hasSuffix(".json")
            && !findings.contains(where: { $0.message.contains("(there is \(name),") }) {
            let file = (path as NSString).appendingPathComponent(name)
            let renamed = (path as NSString).appendingPathComponent(String(name.dropLast(5)) + ".json")
            var existing = stat()
            let hint = lstat(renamed, &existing) == 0
                ? "\((renamed as NSString).lastPathComponent) exists (a migration that may have been applied must not change): move \(name) out of the directory"
                : "if it is a migration: mv \(shellWord(file)) \(shellWord(renamed)), then check it with verify; otherwise move it out of the directory"
            findings.append(Finding(kind: "misnamed", file: file, line: nil,
                                    message: "\(name) is not read as a migration, by Selinon's workers nor by this tool: names end in .json, in lower case",
                                    hint: hint))
        }
        if conflicted.isEmpty {
            do {
                _ = try MigrationDirectory.load(from: path)
            } catch {
                // A file the sum check already named as unreadable, or as misnamed, is not named twice.
                let named = Set(findings.filter { ["unreadable", "not-a-file", "misnamed"].contains($0.kind) }.map(\.file))
                findings += error.findings.filter { !named.contains($0.file) }
            }
        }
    }
}

extension MigrationWriteError {
    /// What is wrong with the migration directory at `directory`, as findings of the kinds
    /// ``DirectoryIntegrity`` names; `nil` when the file system failed while writing (nothing
    /// is wrong with the directory's contents).
    func findings(directory: String) -> [DirectoryIntegrity.Finding]? {
        typealias Finding = DirectoryIntegrity.Finding
        switch self {
        case .invalidDirectory(let error):
            return error.findings
        case .sum(let error):
            return [Finding(error)]
        case .sumMismatch(let problems):
            return problems.map(Finding.init)
        case .notADirectory(let path):
            let problem = Self.notADirectoryProblem(path)
            return [Finding(kind: "invalid", file: problem.file, line: nil, message: problem.message, hint: problem.hint)]
        case .sumMissing(let directory, let files):
            let problem = Self.sumMissingProblem(directory: directory, files: files)
            return [Finding(kind: "missing-sum", file: problem.file, line: nil, message: problem.message, hint: problem.hint)]
        case .io, .busy:
            return nil
        }
    }
}

extension MigrationDirectoryError {
    /// Each problem as a finding: `unreadable` when the directory or a file could not be read,
    /// else `invalid`.
    var findings: [DirectoryIntegrity.Finding] {
        problems.map {
            DirectoryIntegrity.Finding(kind: isReadFailure ? "unreadable" : "invalid", file: $0.file, line: $0.line, column: $0.column,
                                       message: $0.message, hint: $0.hint)
        }
    }
}

extension DirectoryIntegrity.Finding {
    /// A file that does not match `migrations.sum`, of the problem's kind.
    init(_ problem: MigrationSumProblem) {
        self.init(kind: problem.kind.rawValue, file: problem.file, line: nil, message: problem.message, hint: problem.hint)
    }

    /// A `migrations.sum` that cannot be read, of the error's kind.
    init(_ error: MigrationSumError) {
        self.init(kind: error.kind.rawValue, file: error.path, line: error.line, message: error.message, hint: error.hint)
    }
}

extension GitRepository {
    /// `text` (a hint, or a finding described) with the placeholder of the fix for migrations
    /// two branches both added made the command to run, where git's state says onto what: HEAD
    /// during a `git rebase` or `git revert` (it holds what is committed so far) or a `git merge
    /// --squash` (its migrations stay, the squashed change is migrated after them), MERGE_HEAD
    /// or HEAD during a merge (``DirectoryIntegrity/mergeChoices(options:)``); with none under way, either side of the commit that recorded conflict
    /// markers in `directory` (``CommittedConflict``). Unchanged otherwise. `options` are the
    /// command's configuration options (` -n … -f … -m …`).
    func withConcreteRebaseFix(_ text: String, directory: String, options: String) -> String {
        guard text.contains(MigrationSum.placeholderRebaseCommand) else { return text }
        if isSquashMerging { return DirectoryIntegrity.duringSquash(text, command: "selinon-migrate rebase --onto HEAD" + options) }
        if let committed = CommittedConflict.find(in: directory, repository: self) {
            return DirectoryIntegrity.afterCommitted(committed, text, options: options)
        }
        if isMerging {
            let choices = DirectoryIntegrity.mergeChoices(options: options)
            return DirectoryIntegrity.withRebaseFix(text, fix: "run " + choices, command: choices)
        }
        guard let onto = rebasedBranchHead != nil || isReverting ? "HEAD" : nil else { return text }
        return text.replacingOccurrences(of: MigrationSum.placeholderRebaseCommand, with: "selinon-migrate rebase --onto \(onto)" + options)
    }
}
