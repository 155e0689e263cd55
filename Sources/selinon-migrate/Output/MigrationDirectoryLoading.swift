import FlowMigration

extension Terminal {
    /// Loads the migration directory at `path` for a command that needs a valid one: prints
    /// every problem and throws the exit status — 1 for bad content, 2 when it cannot be read.
    func loadMigrationDirectory(_ path: String, allowMissing: Bool = false) throws -> MigrationDirectory {
        do {
            return try MigrationDirectory.load(from: path, allowMissing: allowMissing)
        } catch {
            message(error.description)
            reportInvalidMigrationDirectory(error)
            throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }
    }

    /// With `--format json`, the failure as the command's one JSON document, as
    /// ``reportInvalidConfiguration(role:source:message:hint:diagnostics:)`` does for a
    /// configuration: `error` (`invalid-migration-directory`, or `unreadable-migration-directory`
    /// when a file could not be read), `migration_directory`, and each problem with its file,
    /// line, column (when known), message and hint.
    func reportInvalidMigrationDirectory(_ error: MigrationDirectoryError) {
        guard reportsInJSON else { return }
        outputJSON(.object([
            "error": .string(error.isReadFailure ? "unreadable-migration-directory" : "invalid-migration-directory"),
            "migration_directory": .string(error.path),
            "problems": .array(error.problems.map { problem in
                var entry: [String: JSONValue] = ["file": .string(problem.file), "message": .string(problem.message), "hint": .string(problem.hint)]
                if let line = problem.line { entry["line"] = .number(JSONNumber(line)) }
                if let column = problem.column { entry["column"] = .number(JSONNumber(column)) }
                return .object(entry)
            }),
        ]))
    }

    /// With `--format json`, a directory refused for its integrity findings (files that do not
    /// match `migrations.sum`, a missing sum) as the same document as an invalid one, each
    /// problem with its `kind` too.
    func reportRefusedMigrationDirectory(_ path: String, findings: [DirectoryIntegrity.Finding], unreadable: Bool) {
        guard reportsInJSON else { return }
        outputJSON(.object([
            "error": .string(unreadable ? "unreadable-migration-directory" : "invalid-migration-directory"),
            "migration_directory": .string(path),
            "problems": .array(findings.map(\.jsonValue)),
        ]))
    }
}

extension DirectoryIntegrity.Finding {
    /// The finding in JSON: `kind`, `file`, `line` and `column` when known, `message`, `hint`.
    var jsonValue: JSONValue {
        var entry: [String: JSONValue] = ["kind": .string(kind), "file": .string(file), "message": .string(message), "hint": .string(hint)]
        if let line { entry["line"] = .number(JSONNumber(line)) }
        if let column { entry["column"] = .number(JSONNumber(column)) }
        return .object(entry)
    }
}
