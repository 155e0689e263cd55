import Foundation

/// The bytes of a configuration: one nodes file and its flow-definition files, wherever they
/// came from (disk, a git revision, memory).
public struct ConfigurationFiles: Sendable, Equatable {
    /// One file's path (as shown in diagnostics) and contents.
    public struct File: Sendable, Equatable {
        public var path: String
        public var contents: [UInt8]

        public init(path: String, contents: [UInt8]) {
            self.path = path
            self.contents = contents
        }
    }

    public var nodes: File
    /// Flow-definition files in reading order.
    public var flows: [File]
    /// What reading noticed without failing (a flow directory with no YAML files); the loader
    /// reports them with its own diagnostics.
    public var warnings: [ConfigDiagnostic]

    public init(nodes: File, flows: [File], warnings: [ConfigDiagnostic] = []) {
        self.nodes = nodes
        self.flows = flows
        self.warnings = warnings
    }
}

/// Where a configuration comes from. Implementations: ``FileSystemConfigurationSource``
/// (paths on disk), ``InMemoryConfigurationSource``, and the git sources of `GitHistory`.
public protocol ConfigurationSource: Sendable {
    /// A short human description, recorded in migration metadata ("working tree", "HEAD~1").
    var sourceDescription: String { get }

    /// Reads the files.
    /// - Throws: ``ConfigurationError`` with a diagnostic per file that cannot be read.
    func read() throws(ConfigurationError) -> ConfigurationFiles
}

/// A configuration already in memory (tests, generated configurations).
public struct InMemoryConfigurationSource: ConfigurationSource {
    public var files: ConfigurationFiles
    public var sourceDescription: String

    public init(_ files: ConfigurationFiles, description: String = "memory") {
        self.files = files
        self.sourceDescription = description
    }

    public func read() throws(ConfigurationError) -> ConfigurationFiles { files }
}

/// A configuration on disk, named the way `selinon-cli` names it: a nodes file and flow-definition
/// paths, where a directory stands for every `*.yml`/`*.yaml` file below it.
public struct FileSystemConfigurationSource: ConfigurationSource {
    public var nodesFile: String
    public var flowPaths: [String]
    /// Files larger than this are rejected before reading (default 64 MiB).
    public var maxFileBytes: Int

    public init(nodesFile: String, flowPaths: [String], maxFileBytes: Int = 64 << 20) {
        self.nodesFile = nodesFile
        self.flowPaths = flowPaths
        self.maxFileBytes = maxFileBytes
    }

    /// The nodes file and the flow paths as given: `nodes.yml + flows/`.
    public var sourceDescription: String { ([nodesFile] + flowPaths).joined(separator: " + ") }

    /// The flow files the paths stand for: files as given; for a directory, every `*.yml` and
    /// `*.yaml` below it whose name does not start with `.`, sorted by path (Selinon uses the
    /// file-system walk order, which is not stable).
    public func flowFiles() throws(ConfigurationError) -> [String] {
        try flowFilesAndWarnings().files
    }

    private func flowFilesAndWarnings() throws(ConfigurationError) -> (files: [String], warnings: [ConfigDiagnostic]) {
        var result: [String] = []
        var diagnostics: [ConfigDiagnostic] = []
        for path in flowPaths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(ConfigDiagnostic(.error, .fileNotFound, "flow definitions not found: no such file or directory",
                                                    at: .wholeFile(path), hint: "check the path given with --flow-definitions"))
                continue
            }
            guard isDirectory.boolValue else {
                result.append(path)
                continue
            }
            let (found, skipped) = Self.yamlFiles(under: path)
            for file in skipped {
                diagnostics.append(ConfigDiagnostic(.warning, .fileNotFound, "skipped: not a regular file (a broken symbolic link?)",
                                                    at: .wholeFile(file), hint: "fix or remove it"))
            }
            if found.isEmpty {
                diagnostics.append(ConfigDiagnostic(.warning, .fileNotFound, "the directory holds no *.yml or *.yaml files",
                                                    at: .wholeFile(path),
                                                    hint: "flow files end in .yml or .yaml (lower case), are not hidden, and are regular files or links to them"))
            }
            result += found
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ConfigurationError(diagnostics: diagnostics) }
        return (result, diagnostics)
    }

    /// The flow files below `directory`, and the paths named like one that are not regular
    /// files (broken links, sockets) and are skipped. Like `selinon-cli` (`os.walk` with
    /// `followlinks=True`), the walk enters hidden directories and follows links to
    /// directories — each directory once, so a link loop ends.
    static func yamlFiles(under directory: String) -> (files: [String], skipped: [String]) {
        var files: [String] = [], skipped: [String] = []
        var visited = Set<[UInt64]>()
        func walk(_ path: String) {
            var status = stat()
            guard stat(path, &status) == 0, visited.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names {
                let child = (path as NSString).appendingPathComponent(name)
                var childStatus = stat()
                let resolved = stat(child, &childStatus) == 0
                if resolved && (childStatus.st_mode & S_IFMT) == S_IFDIR {
                    walk(child)
                    continue
                }
                guard !name.hasPrefix("."), name.hasSuffix(".yml") || name.hasSuffix(".yaml") else { continue }
                if resolved && (childStatus.st_mode & S_IFMT) == S_IFREG {
                    files.append(child)
                } else {
                    skipped.append(child)
                }
            }
        }
        walk(directory)
        return (files.sorted(), skipped.sorted())
    }

    public func read() throws(ConfigurationError) -> ConfigurationFiles {
        var diagnostics: [ConfigDiagnostic] = []
        let nodes = readFile(nodesFile, role: "nodes file", hint: "check the path given with --nodes-definition", into: &diagnostics)
        var flows: [ConfigurationFiles.File] = []
        var warnings: [ConfigDiagnostic] = []
        do {
            let (paths, found) = try flowFilesAndWarnings()
            warnings = found
            for path in paths {
                if let file = readFile(path, role: "flow definitions", hint: "check the file's permissions", into: &diagnostics) {
                    flows.append(file)
                }
            }
        } catch {
            diagnostics += error.diagnostics
        }
        guard let nodes, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ConfigurationError(diagnostics: diagnostics + warnings)
        }
        return ConfigurationFiles(nodes: nodes, flows: flows, warnings: warnings)
    }

    private func readFile(_ path: String, role: String, hint: String, into diagnostics: inout [ConfigDiagnostic]) -> ConfigurationFiles.File? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else {
            diagnostics.append(ConfigDiagnostic(.error, .fileNotFound, "\(role) not found: no such file", at: .wholeFile(path), hint: hint))
            return nil
        }
        // What the path leads to (attributesOfItem does not follow a last symbolic link).
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            let what = (status.st_mode & S_IFMT) == S_IFDIR ? "a directory, not a file" : "not a regular file (a device, a pipe or a socket)"
            diagnostics.append(ConfigDiagnostic(.error, .fileNotFound, "the \(role) is \(what)", at: .wholeFile(path),
                                                hint: "name the YAML file itself"))
            return nil
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            diagnostics.append(ConfigDiagnostic(
                .error, .fileTooLarge, "the file is \(size) bytes, more than the limit of \(maxFileBytes) bytes",
                at: .wholeFile(path), hint: "raise the limit with --max-file-size if the file is really meant to be this large"))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            diagnostics.append(ConfigDiagnostic(.error, .fileUnreadable, "cannot read the \(role) (permission denied?)",
                                                at: .wholeFile(path), hint: hint))
            return nil
        }
        return ConfigurationFiles.File(path: path, contents: [UInt8](data))
    }
}

/// A configuration that cannot be used, with every diagnostic found.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = ConfigDiagnostic.sorted(diagnostics)
    }

    /// Whether a file exists but could not be read — the tool's failure (exit 2) rather than
    /// the input's (exit 1).
    public var isReadFailure: Bool {
        diagnostics.contains { $0.code == .fileUnreadable && $0.severity == .error }
    }

    public var description: String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return (diagnostics.map(\.description) + ["\(errors) error\(errors == 1 ? "" : "s")"]).joined(separator: "\n")
    }
}
