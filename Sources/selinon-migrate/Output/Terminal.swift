import Foundation
import FlowConfig
import FlowMigration
import Synchronization

/// Writes to standard output and standard error; colours diagnostics only on a terminal that
/// is not `TERM=dumb`, and only when `NO_COLOR` is unset or empty (as no-color.org asks).
struct Terminal {
    let usesColor: Bool
    /// The command prints its report as JSON (`--format json`): when it stops because a
    /// configuration is invalid, that failure is printed as one JSON document too, so standard
    /// output is never empty where a tool expects the command's verdict.
    let reportsInJSON: Bool

    init(environment: [String: String] = ProcessInfo.processInfo.environment, reportsInJSON: Bool = false) {
        usesColor = (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
            && isatty(FileHandle.standardError.fileDescriptor) == 1
        self.reportsInJSON = reportsInJSON
    }

    /// Writes a result line to standard output, with control characters shown as escapes, as
    /// messages are: also a CI log or a file read with `less -R` or `cat` acts on escape
    /// sequences.
    func output(_ text: String, ifLost note: String? = nil) {
        Self.writeOutput(Array((Self.printable(text) + "\n").utf8), ifLost: note)
    }

    /// Writes `value` as pretty JSON to standard output, ending in one line break.
    func outputJSON(_ value: JSONValue) {
        Self.writeOutput(JSONWriter.pretty(value))
    }

    /// Writes a JSON document (its control characters escaped by JSON itself) to standard
    /// output as it is, ending in one line break: escapes of ``printable(_:)`` would make it
    /// invalid JSON.
    func outputJSON(text: String, ifLost note: String? = nil) {
        Self.writeOutput(Array((text + "\n").utf8), ifLost: note)
    }

    /// `text` with the characters that would act on a terminal instead of showing — escape
    /// sequences, carriage returns, backspaces, NUL, C1 controls, line separators and direction
    /// overrides — as `\u{…}` escapes, as diagnostics show them; line breaks and tabs stay.
    /// Messages repeat text from inputs (flow names, ids, bytes of a stream), which could
    /// otherwise retitle or clear the operator's terminal or hide report lines.
    static func printable(_ text: String) -> String {
        ConfigDiagnostic.printable(text, limit: .max, keepingLineBreaks: true)
    }

    /// Writes bytes to standard output. When it cannot be written (a full disk, a closed pipe),
    /// the result is lost: says so on standard error — with `note` (what was done all the same,
    /// say a file written) — and exits with status 2.
    static func writeOutput(_ bytes: [UInt8], ifLost note: String? = nil) {
        let addition = note.map { "; \($0)" } ?? ""
        if ClosedStandardStreams.output {
            writeMessage("error: cannot write to standard output: \(ClosedStandardStreams.outputReason)\(addition)\n")
            InterruptCleanup.removeAll()
            exit(ExitStatus.toolFailed.rawValue)
        }
        do {
            try FileHandle.standardOutput.write(contentsOf: bytes)
        } catch {
            InterruptCleanup.endIfClosedPipe(error)
            writeMessage("error: cannot write to standard output: \(OutputSink.reason(error))\(addition)\n")
            InterruptCleanup.removeAll()
            exit(ExitStatus.toolFailed.rawValue)
        }
    }

    /// Writes a message for people to standard error, control characters shown as escapes.
    func message(_ text: String) {
        Self.writeMessage(Self.printable(text) + "\n")
    }

    /// Writes to standard error; a message that cannot be written is dropped (there is nowhere
    /// left to report it), and the command goes on.
    static func writeMessage(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Array(text.utf8))
    }

    /// Warnings printed so far, by ``warningKey(_:)``, with the file (as shown) each was printed
    /// for: a configuration read at several revisions (`generate`, `check`, `verify --git`)
    /// says each of its warnings once, not once per revision.
    private static let printedWarnings = Mutex<[String: String]>([:])

    /// What makes two warnings the same across revisions: code, message, and file without the
    /// revision's prefix (`1a2b3c4d5e6f:config/nodes.yml`, `:config/nodes.yml` for the index).
    static func warningKey(_ diagnostic: ConfigDiagnostic) -> String {
        var file = Substring(diagnostic.location.file)
        if let colon = file.firstIndex(of: ":"), file[..<colon].allSatisfy(\.isHexDigit), [0, 12].contains(file.distance(from: file.startIndex, to: colon)) {
            file = file[file.index(after: colon)...]
        }
        return "\(diagnostic.code.rawValue)\u{0}\(diagnostic.message)\u{0}\(file)"
    }

    /// What makes a warning of an old configuration the same as one of the new configuration
    /// it is compared with: as ``warningKey(_:)``, but the file known by its name alone — the old
    /// files given with -N/-F lie elsewhere (`v1/nodes.yml`, `v2/nodes.yml`).
    static func comparisonKey(_ diagnostic: ConfigDiagnostic) -> String {
        "\(diagnostic.code.rawValue)\u{0}\(diagnostic.message)\u{0}\((diagnostic.location.file as NSString).lastPathComponent)"
    }

    /// Writes a diagnostic, `path:line:column: error: message` and its hint, to standard error.
    /// A warning already printed for the same file at another revision is not printed again.
    func report(_ diagnostic: ConfigDiagnostic) {
        if diagnostic.severity == .warning {
            let key = Self.warningKey(diagnostic), file = diagnostic.location.file
            let printedElsewhere = Self.printedWarnings.withLock { printed -> Bool in
                if let earlier = printed[key] { return earlier != file }
                printed[key] = file
                return false
            }
            if printedElsewhere { return }
        }
        var text = Self.printable(diagnostic.description)
        if usesColor {
            let label = "\(diagnostic.severity.rawValue):"
            let colored = diagnostic.severity == .error ? "\u{1B}[1;31m\(label)\u{1B}[0m" : "\u{1B}[1;33m\(label)\u{1B}[0m"
            if let range = text.range(of: label) { text.replaceSubrange(range, with: colored) }
        }
        Self.writeMessage(text + "\n")
    }
}
