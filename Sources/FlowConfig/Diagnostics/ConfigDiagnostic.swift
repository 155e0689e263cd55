import Foundation

/// One finding about a Selinon configuration, reported like a compiler does:
/// `path:line:column: error: message` followed by a hint saying what to do.
///
/// Loading collects every diagnostic of a configuration in one pass instead of stopping at the
/// first; ``ConfigurationLoader`` returns them sorted by file and line.
public struct ConfigDiagnostic: Error, Sendable, Hashable, CustomStringConvertible, Codable {
    /// Whether the finding makes the configuration unusable.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// A stable identifier of the kind of finding, for tools and tests (`--format json`).
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        // Files and YAML.
        case fileNotFound = "file-not-found"
        case fileUnreadable = "file-unreadable"
        case fileTooLarge = "file-too-large"
        case yamlSyntax = "yaml-syntax"
        case yamlDuplicateKey = "yaml-duplicate-key"
        /// Two mappings of one merge list give a key different values (PyYAML versions disagree).
        case yamlMergeConflict = "yaml-merge-conflict"
        case yamlLimit = "yaml-limit"
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
        case wrongType = "wrong-type"
        case missingKey = "missing-key"
        case unknownKey = "unknown-key"
        case invalidValue = "invalid-value"
        case invalidName = "invalid-name"
        case yamlBoolean = "yaml-1.1-boolean"
        // Names and references.
        case duplicateName = "duplicate-name"
        case unknownNode = "unknown-node"
        case unknownStorage = "unknown-storage"
        case flowNotDefined = "flow-not-defined"
        case flowNotListed = "flow-not-listed"
        case flowDefinedTwice = "flow-defined-twice"
        case environmentVariable = "environment-variable"
        // Conditions.
        case unknownPredicate = "unknown-predicate"
        case predicateArguments = "predicate-arguments"
        case predicateNode = "predicate-node"
        case invalidCondition = "invalid-condition"
        // Flow structure (Selinon's consistency check).
        case flowStructure = "flow-structure"
        case failureDefinition = "failure-definition"
        case propagation = "propagation"
        case selectiveRun = "selective-run"
        case foreachDefinition = "foreach"
        case unusedDefinition = "unused-definition"
        case subflowCycle = "subflow-cycle"
        case workerStartup = "breaks-worker-start-up"
        case selinonQuirk = "selinon-quirk"
    }

    public var severity: Severity
    public var code: Code
    /// What is wrong, in one sentence.
    public var message: String
    /// Where.
    public var location: FileLocation
    /// The next thing the user should do; may be empty when the message says it all.
    public var hint: String

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

    /// `text` safe to print on one line of a terminal or a CI log: control characters, line
    /// and paragraph separators and direction overrides as `\u{…}` escapes, and at most `limit`
    /// characters (the first two thirds and the last third, around a note of what was left
    /// out). `keepingLineBreaks`: line breaks and tabs stay (for text of several lines).
    public static func printable(_ text: String, limit: Int = 1_000, keepingLineBreaks: Bool = false) -> String {
        func escaped(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x0A, 0x09: return !keepingLineBreaks
            case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: return true
            default: return false
            }
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
