import Foundation

/// A real git repository in a temporary directory, driven by the `git` command (tests only —
/// the product reads git through libgit2).
public final class GitFixture: Sendable {
    public let directory: TemporaryDirectory
    public var root: URL { directory.url }

    public init() throws {
        directory = try TemporaryDirectory(prefix: "selinon-migrate-git")
        try git("init", "-q", "-b", "main")
    }

    /// Runs `git` in the repository; returns its standard output without the trailing newline.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try run(arguments)
    }

    /// Runs `git` with `arguments` (in `subdirectory`, with `environment` added).
    @discardableResult
    public func run(_ arguments: [String], in subdirectory: String? = nil, environment extra: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = subdirectory.map { root.appendingPathComponent($0) } ?? root
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in ["GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
                             "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
                             "GIT_CONFIG_NOSYSTEM": "1", "HOME": root.path].merging(extra, uniquingKeysWith: { $1 }) {
            environment[key] = value
        }
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitFixtureError.failed(arguments, String(decoding: errorData, as: UTF8.self))
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Writes files (path → contents; `nil` deletes) and commits them all; returns the new commit id.
    @discardableResult
    public func commit(_ message: String, _ files: [String: String?], date: String = "2026-01-01T00:00:00Z") throws -> String {
        for (path, contents) in files {
            if let contents {
                try directory.write(contents, to: path)
            } else {
                try FileManager.default.removeItem(at: root.appendingPathComponent(path))
            }
        }
        try git("add", "-A")
        let process = ["commit", "-q", "--allow-empty", "-m", message, "--date", date]
        try run(process)
        return try git("rev-parse", "HEAD")
    }

    public func path(_ relative: String) -> String { directory.path(relative) }
}

public enum GitFixtureError: Error, CustomStringConvertible {
    case failed([String], String)

    public var description: String {
        switch self {
        case .failed(let arguments, let message): return "git \(arguments.joined(separator: " ")) failed: \(message)"
        }
    }
}
