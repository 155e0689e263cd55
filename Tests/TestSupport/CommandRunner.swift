import Foundation

/// Runs the built `selinon-migrate` binary and captures what it prints, as a user would see it.
public struct CommandRunner: Sendable {
    /// What one run printed and returned.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The binary under test.
    public let executable: URL

    public init() throws {
        executable = try Self.locate("selinon-migrate")
    }

    /// The directory SwiftPM builds products into, found next to the running test bundle.
    public static func locate(_ product: String) throws -> URL {
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        for directory in candidates {
            let url = directory.appendingPathComponent(product)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CommandRunnerError.productNotBuilt(product, searched: candidates.map(\.path))
    }

    /// Runs the binary with `arguments` in `directory`, with `environment` added to a minimal
    /// environment (`PATH`, `HOME`; `NO_COLOR` so output is plain). With `standardOutput`, the
    /// child writes there (a path such as `/dev/full`) instead of into the result.
    public func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
                    input: Data? = nil, standardOutput: String? = nil) throws -> Result {
        try launch(executable, arguments, in: directory, environment: environment, input: input, standardOutput: standardOutput)
    }

    /// Runs the binary with `arguments` through `sh -c script`, where the script runs it as
    /// `exec "$0" "$@"` — after a `ulimit`, say, or with a stream closed (`exec "$0" "$@" >&-`).
    public func run(_ arguments: [String], shellScript script: String, in directory: URL? = nil) throws -> Result {
        try launch(URL(fileURLWithPath: "/bin/sh"), ["-c", script, executable.path] + arguments, in: directory)
    }

    /// Whether ``runAsNobody(_:in:)`` can switch users: root with `setpriv`, as in CI. Tests of
    /// what permissions refuse are enabled on it (`@Test(.enabled(if: CommandRunner.canRunAsNobody))`).
    public static let canRunAsNobody = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// Runs the binary as the user `nobody` (uid 65534), for what permissions refuse; `nil`
    /// unless ``canRunAsNobody``.
    public func runAsNobody(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result? {
        guard Self.canRunAsNobody else { return nil }
        return try launch(URL(fileURLWithPath: "/usr/bin/setpriv"),
                          ["--reuid=65534", "--regid=65534", "--clear-groups", executable.path] + arguments, in: directory,
                          environment: environment)
    }

    private func launch(_ program: URL, _ arguments: [String], in directory: URL?, environment: [String: String] = [:],
                        input: Data? = nil, standardOutput: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var base = ["NO_COLOR": "1"]
        let inherited = ProcessInfo.processInfo.environment
        for key in ["PATH", "HOME", "TMPDIR"] { base[key] = inherited[key] }
        process.environment = base.merging(environment) { _, new in new }
        let output = Pipe(), error = Pipe(), standardInput = Pipe()
        if let standardOutput {
            process.standardOutput = FileHandle(forWritingAtPath: standardOutput)
            try output.fileHandleForWriting.close()
        } else {
            process.standardOutput = output
        }
        process.standardError = error
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outputData = Data(), errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            outputData = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errorData = error.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }
}

/// The binary under test was not found.
public enum CommandRunnerError: Error, CustomStringConvertible {
    case productNotBuilt(String, searched: [String])

    public var description: String {
        switch self {
        case .productNotBuilt(let product, let searched):
            return "\(product) is not built (looked in \(searched.joined(separator: ", "))); run swift build first"
        }
    }
}
