import ArgumentParser

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Lines for people.
    case text
    /// One JSON document for tools.
    case json
}

/// `--format` of `diff` and `analyze`: for people, for pull requests, for tools.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

/// `review --format`.
enum ReviewFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json, dot
}
