import ArgumentParser

/// An option value read whatever its case (`--format JSON`, `--fail-on RETRY`), as strategies
/// (`-t retry`) are.
protocol CaseInsensitiveArgument: ExpressibleByArgument, RawRepresentable where RawValue == String {}

extension CaseInsensitiveArgument {
    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// How a command prints its result.
enum OutputFormat: String, CaseInsensitiveArgument, CaseIterable {
    /// Lines for people.
    case text
    /// One JSON document for tools.
    case json
}

/// `--format` of `diff` and `analyze`: for people, for pull requests, for tools.
enum ReportFormat: String, CaseInsensitiveArgument, CaseIterable {
    case text, markdown, json
}

/// `review --format`.
enum ReviewFormat: String, CaseInsensitiveArgument, CaseIterable {
    case text, markdown, json, dot

    /// The file `--output-dir` gets the review in (DOT writes one file per flow instead).
    var documentFile: String? {
        switch self {
        case .text: return "review.txt"
        case .markdown: return "review.md"
        case .json: return "review.json"
        case .dot: return nil
        }
    }
}
