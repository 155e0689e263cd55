import Foundation

/// One finding about a Selinon configuration, reported like a compiler does:
/// `path:line:column: error: message` followed by a hint saying what to do.
///
/// Loading collects every diagnostic of a configuration in one pass instead of stopping at the
/// first; ``ConfigurationLoader`` returns them sorted by file and line.
public struct ConfigDiagnostic: Error, Sendable, Hashable, CustomStringConvertible, Codable {
    /// Whether the finding makes the configuration unusable.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// `warning`: reported, the configuration still loads; `error`: the configuration cannot be used.
        case warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// A stable identifier of the kind of finding, for tools and tests (`--format json`).
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        // Files and YAML.
        /// A file or directory of the configuration is not there (or is a broken link); as a warning, a
        /// flow directory without `*.yml` or `*.yaml` files.
        case fileNotFound = "file-not-found"
        /// A file exists but cannot be read (permissions, an I/O error): the tool's failure, not the input's.
        case fileUnreadable = "file-unreadable"
        /// A file is larger than the size limit (`--max-file-size`).
        case fileTooLarge = "file-too-large"
        /// The file is not valid YAML.
        case yamlSyntax = "yaml-syntax"
        /// A mapping gives one key twice; the later value replaces the earlier (a warning).
        case yamlDuplicateKey = "yaml-duplicate-key"
        /// Two mappings of one merge list give a key different values (PyYAML versions disagree).
        case yamlMergeConflict = "yaml-merge-conflict"
        /// The YAML nests too deeply, or its aliases expand it past the limit (an alias bomb).
        case yamlLimit = "yaml-limit"
        /// The nodes file or a flow file is empty (or holds only null).
        case emptyFile = "empty-file"
        /// The file is UTF-16 or UTF-32, which Selinon (reading UTF-8) cannot load.
        case notUTF8 = "not-utf-8"
        /// The file is a Git LFS pointer, not the configuration it stands for.
        case gitLFSPointer = "git-lfs-pointer"
        /// `.gitattributes` gives the file a clean/smudge filter, which git runs and we cannot.
        case gitFilter = "git-filter"
        /// The index holds a file in an unresolved merge conflict.
        case gitConflict = "git-conflict"
        /// A symbolic link git holds leads out of the repository, or into a loop: git has no
        /// file behind it at that revision.
        case gitLink = "git-link"
        /// A path of the configuration is a git submodule: its files are in another repository,
        /// at every revision.
        case gitSubmodule = "git-submodule"
        // Shapes and keys.
        /// A key holds the wrong type of value: a list for a name, a mapping for a list, ….
        case wrongType = "wrong-type"
        /// A required key is missing (a flow definition's `name`, `flow-definitions`, …).
        case missingKey = "missing-key"
        /// A key Selinon does not read (a typo, usually); the hint suggests the closest known key.
        case unknownKey = "unknown-key"
        /// A value of the right type that Selinon does not accept (`eager_failures: true`, …).
        case invalidValue = "invalid-value"
        /// A task or flow name that does not match Selinon's pattern (a letter or `_`, then letters,
        /// digits and `_`).
        case invalidName = "invalid-name"
        /// A value YAML 1.1 reads as a boolean where a string was meant (`no`, `off`, …), as Selinon's
        /// PyYAML does.
        case yamlBoolean = "yaml-1.1-boolean"
        // Names and references.
        /// A storage, task or flow defined (or listed) twice, or a name that is both a task and a flow.
        case duplicateName = "duplicate-name"
        /// A node name that is neither a task nor a flow (in a selective run's `tasks`, one that is not
        /// a task).
        case unknownNode = "unknown-node"
        /// A task or `trace` names a storage that `storages` does not define.
        case unknownStorage = "unknown-storage"
        /// A flow listed in the nodes file's `flows` has no definition.
        case flowNotDefined = "flow-not-defined"
        /// A flow is defined but not listed in the nodes file's `flows`.
        case flowNotListed = "flow-not-listed"
        /// A flow is defined twice, or a flow file or directory is given twice.
        case flowDefinedTwice = "flow-defined-twice"
        /// A `{VAR}` placeholder (a queue name, `migration_dir`) names a variable that is not set, or
        /// Selinon's second expansion of the default queue fails.
        case environmentVariable = "environment-variable"
        // Conditions.
        /// A condition names a predicate that `selinon.predicates` lacks or that cannot be used; as a
        /// warning, a custom `predicates_module` whose predicates cannot be checked.
        case unknownPredicate = "unknown-predicate"
        /// A predicate's `args` do not fit its parameters (missing, unknown, reserved), or hold a value
        /// of a type that makes the predicate always false, always true or raise (a warning).
        case predicateArguments = "predicate-arguments"
        /// A predicate names a node that is not a source of its edge, or reads a task result it cannot
        /// have (in a failure condition, or without a node).
        case predicateNode = "predicate-node"
        /// A condition outside Selinon's grammar: not a mapping, empty, or with none of `name`, `and`,
        /// `or`, `not`.
        case invalidCondition = "invalid-condition"
        // Flow structure (Selinon's consistency check).
        /// A flow Selinon's consistency check refuses (no starting edge, a task nothing starts, a
        /// `nowait` or eager-failure node that cannot work, …), or a structure it runs surprisingly.
        case flowStructure = "flow-structure"
        /// A `failures` entry Selinon refuses: no `nodes` or `fallback`, a node named twice, a node that
        /// falls back to itself or that the flow never starts, ….
        case failureDefinition = "failure-definition"
        /// A `propagate_*` option names what it cannot: not a flow, a sub-flow the flow does not start
        /// or depend on, one that two options cover.
        case propagation = "propagation"
        /// A `selective` run Selinon refuses: no `tasks`, an edge without exactly one destination (a
        /// flow), a mapping shared with another run, ….
        case selectiveRun = "selective-run"
        /// A `foreach` without `function` or `import`, or one that propagates results to a node that
        /// cannot take them.
        case foreachDefinition = "foreach"
        /// A task no flow runs, or a storage no task uses (a warning).
        case unusedDefinition = "unused-definition"
        /// A flow starts itself through its sub-flows (a warning).
        case subflowCycle = "subflow-cycle"
        /// A value that passes Selinon's validation but keeps its workers from starting (or from
        /// evaluating a condition): a name Python cannot import, `fallback: true`, ….
        case workerStartup = "breaks-worker-start-up"
        /// Something Selinon 1.4 does other than the configuration seems to mean (a warning).
        case selinonQuirk = "selinon-quirk"
    }

    /// Whether the finding makes the configuration unusable (`error`) or is only reported.
    public var severity: Severity
    /// The kind of finding, by its stable identifier.
    public var code: Code
    /// What is wrong, in one sentence.
    public var message: String
    /// Where.
    public var location: FileLocation
    /// The next thing the user should do; may be empty when the message says it all.
    public var hint: String

    /// A finding of `code` at `location`; `hint` says what to do, or is empty.
    public init(_ severity: Severity, _ code: Code, _ message: String, at location: FileLocation, hint: String = "") {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
    }

    /// `path:line:column: error: message`, then `  hint: …` on a second line when there is one.
    /// Text from the configuration can hold anything: control characters (a terminal escape, a
    /// line break that would fake another diagnostic) and invisible direction overrides are
    /// shown as `\u{…}` escapes, and a message or hint longer than 1,000 characters is cut in
    /// the middle.
    public var description: String {
        let head = "\(Self.printable(location.description, limit: .max)): \(severity.rawValue): \(Self.printable(message))"
        return hint.isEmpty ? head : head + "\n  hint: " + Self.printable(hint)
    }

    /// Whether `scalar` acts on a terminal or hides itself instead of showing: C0 and C1
    /// controls and DEL (escape sequences, carriage returns, backspaces), the Unicode line and
    /// paragraph separators, the marks, embeddings, overrides and isolates of bidirectional text
    /// (which show a name reversed, or the rest of its line out of order), and the zero-width
    /// characters — spaces, joiners, the word joiner and invisible operators, the byte-order
    /// mark — that make two different names look the same.
    package static func actsOrHides(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// `text` safe to print on one line of a terminal or a CI log: the characters
    /// ``actsOrHides(_:)`` names as `\u{…}` escapes, and at most `limit` characters (the first
    /// two thirds and the last third, around a note of what was left out). `keepingLineBreaks`:
    /// line breaks and tabs stay (for text of several lines).
    public static func printable(_ text: String, limit: Int = 1_000, keepingLineBreaks: Bool = false) -> String {
        func escaped(_ scalar: Unicode.Scalar) -> Bool {
            keepingLineBreaks && (scalar == "\n" || scalar == "\t") ? false : actsOrHides(scalar)
        }
        if limit == .max && !text.unicodeScalars.contains(where: escaped) { return text }
        func append(_ scalars: some Sequence<Unicode.Scalar>, to result: inout String) {
            for scalar in scalars {
                if escaped(scalar) {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        var result = ""
        let scalars = text.unicodeScalars
        let total = limit == .max ? 0 : scalars.count
        guard total > limit else {
            append(scalars, to: &result)
            return result
        }
        // The middle is cut, not the end: a long value quoted in a message is usually followed by
        // what is wrong with it.
        let tail = limit / 3
        append(scalars.prefix(limit - tail), to: &result)
        result += "… (\(total - limit) character\(total - limit == 1 ? "" : "s") left out) …"
        append(scalars.suffix(tail), to: &result)
        return result
    }

    /// Diagnostics in reading order: by file, line, column, then errors before warnings; a
    /// diagnostic repeated exactly (one aliased node reached many times, one file given as both
    /// the nodes file and a flow file) once.
    public static func sorted(_ diagnostics: [ConfigDiagnostic]) -> [ConfigDiagnostic] {
        var seen = Set<ConfigDiagnostic>()
        return diagnostics.enumerated().sorted { lhs, rhs in
            if lhs.element.location != rhs.element.location { return lhs.element.location < rhs.element.location }
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity > rhs.element.severity }
            return lhs.offset < rhs.offset
        }.map(\.element).filter { seen.insert($0).inserted }
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension ConfigDiagnostic: LocalizedError {
    public var errorDescription: String? { description }
}
