import FlowMigration
import MigrationGenerator

extension Terminal {
    /// Takes the ``MigrationDirectoryLock`` of `path` for a command that writes the directory,
    /// held until the process ends; when another command holds it, says so and throws exit 1.
    func lockMigrationDirectory(_ path: String) throws -> MigrationDirectoryLock {
        do throws(MigrationWriteError) {
            return try MigrationDirectoryLock(for: path)
        } catch {
            message(error.description)
            throw ExitStatus.inputFailed
        }
    }

    /// Loads the migration directory at `path` for a command that needs a valid one: prints
    /// every problem and throws the exit status — 1 for bad content, 2 when it cannot be read.
    func loadMigrationDirectory(_ path: String, allowMissing: Bool = false) throws -> MigrationDirectory {
        try refuseMigrationDirectorySetAside(path)
        do {
            return try MigrationDirectory.load(from: path, allowMissing: allowMissing)
        } catch {
            message(error.description)
            reportInvalidMigrationDirectory(error)
            throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }
    }

    /// For a command that only reads the migrations (`review`, `analyze`, `status -m`): warns
    /// about each file that does not match `migrations.sum` (or a missing sum), since what it
    /// shows is then not what was generated, and returns those findings for its JSON
    /// (`migration_directory_problems`). Invalid files are not among them: loading reported those.
    func warnAboutIntegrity(of directory: String) -> [DirectoryIntegrity.Finding] {
        let findings = DirectoryIntegrity(path: directory, requireSum: true).findings.filter { $0.kind != "invalid" }
        for finding in findings { message(finding.described(as: "warning")) }
        return findings
    }

    /// With `--format json`, the failure as the command's one JSON document, as
    /// ``reportInvalidConfiguration(role:source:message:hint:diagnostics:)`` does for a
    /// configuration: `error` (`invalid-migration-directory`, or `unreadable-migration-directory`
    /// when a file could not be read), `migration_directory`, and each problem with its file,
    /// line, column (when known), message and hint.
    func reportInvalidMigrationDirectory(_ error: MigrationDirectoryError) {
        reportMigrationDirectory(error.path, unreadable: error.isReadFailure, problems: error.problems.map { problem in
            Self.problemJSON(kind: nil, file: problem.file, line: problem.line, column: problem.column, message: problem.message,
                             hint: problem.hint)
        })
    }

    /// With `--format json`, a directory refused for its integrity findings (files that do not
    /// match `migrations.sum`, a missing sum) as the same document as an invalid one, each
    /// problem with its `kind` too.
    func reportRefusedMigrationDirectory(_ path: String, findings: [DirectoryIntegrity.Finding], unreadable: Bool) {
        reportMigrationDirectory(path, unreadable: unreadable, problems: findings.map(\.jsonValue))
    }

    private func reportMigrationDirectory(_ path: String, unreadable: Bool, problems: [JSONValue]) {
        guard reportsInJSON else { return }
        outputJSON(.object([
            "error": .string(unreadable ? "unreadable-migration-directory" : "invalid-migration-directory"),
            "migration_directory": .string(path),
            "problems": .array(problems),
        ]))
    }

    /// One problem of a migration directory in JSON: `kind` (when given), `file`, `line` and
    /// `column` when known, `message`, `hint`.
    static func problemJSON(kind: String?, file: String, line: Int?, column: Int?, message: String, hint: String) -> JSONValue {
        var entry: [String: JSONValue] = ["file": .string(file), "message": .string(message), "hint": .string(hint)]
        if let kind { entry["kind"] = .string(kind) }
        if let line { entry["line"] = .number(JSONNumber(line)) }
        if let column { entry["column"] = .number(JSONNumber(column)) }
        return .object(entry)
    }
}

extension DirectoryIntegrity.Finding {
    /// The finding in JSON, as ``Terminal/problemJSON(kind:file:line:column:message:hint:)`` writes problems.
    var jsonValue: JSONValue {
        Terminal.problemJSON(kind: kind, file: file, line: line, column: column, message: message, hint: hint)
    }
}
