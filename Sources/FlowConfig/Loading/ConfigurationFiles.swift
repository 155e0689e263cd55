import Foundation

/// The bytes of a configuration: one nodes file and its flow-definition files, wherever they
/// came from (disk, a git revision, memory).
public struct ConfigurationFiles: Sendable, Equatable {
    /// One file's path (as shown in diagnostics) and contents.
    public struct File: Sendable, Equatable {
        /// The path diagnostics name the file by: as given for a file on disk; for a git source,
        /// `<commit>:path` (`:path` for the index).
        public var path: String
        /// The file's bytes, as read (YAML, expected to be UTF-8).
        public var contents: [UInt8]

        /// The file at `path` holding `contents`.
        public init(path: String, contents: [UInt8]) {
            self.path = path
            self.contents = contents
        }
    }

    /// The nodes file: `tasks`, `flows`, `storages` and `global`.
    public var nodes: File
    /// Flow-definition files in reading order.
    public var flows: [File]
    /// What reading noticed without failing (a flow directory with no YAML files); the loader
    /// reports them with its own diagnostics.
    public var warnings: [ConfigDiagnostic]
    /// The size limit the source already held every file to (`--max-file-size`), when it
    /// checked one; the loader's parser then accepts files up to it.
    public var maxFileBytes: Int?

    /// The files of a configuration; `warnings` and `maxFileBytes` as the source found and checked them.
    public init(nodes: File, flows: [File], warnings: [ConfigDiagnostic] = [], maxFileBytes: Int? = nil) {
        self.nodes = nodes
        self.flows = flows
        self.warnings = warnings
        self.maxFileBytes = maxFileBytes
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
    /// The files ``read()`` returns.
    public var files: ConfigurationFiles
    /// How migration metadata names the source (`memory` unless given).
    public var sourceDescription: String

    /// A source of `files`, named `description` in migration metadata.
    public init(_ files: ConfigurationFiles, description: String = "memory") {
        self.files = files
        self.sourceDescription = description
    }

    public func read() throws(ConfigurationError) -> ConfigurationFiles { files }
}

/// A configuration on disk, named the way `selinon-cli` names it: a nodes file and flow-definition
/// paths, where a directory stands for every `*.yml`/`*.yaml` file below it.
public struct FileSystemConfigurationSource: ConfigurationSource {
    /// Path of the nodes file.
    public var nodesFile: String
    /// Flow-definition files and directories, in the order given; a directory stands for every
    /// `*.yml`/`*.yaml` file below it.
    public var flowPaths: [String]
    /// Files larger than this are rejected before reading (default 64 MiB).
    public var maxFileBytes: Int

    /// The nodes file and the flow definitions (files, or directories of `*.yml`/`*.yaml`), each
    /// file at most `maxFileBytes` long.
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
        var givenDirectories: [FileIdentity: String] = [:]
        for path in flowPaths {
            var status = stat()
            guard stat(path, &status) == 0 else {
                let code = errno
                let message = code == ENOENT || code == ENOTDIR
                    ? "flow definitions not found: " + (Self.isLink(path) ? "a broken symbolic link" : "no such file or directory")
                    : "cannot read the flow definitions: \(Self.reason(code))"
                diagnostics.append(ConfigDiagnostic(.error, code == EACCES || code == EIO ? .fileUnreadable : .fileNotFound, message,
                                                    at: .wholeFile(path), hint: "check the path given for the flow definitions (-f, or -F for an old configuration)"))
                continue
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                result.append(path)
                continue
            }
            if let first = givenDirectories[FileIdentity(status)] {
                diagnostics.append(ConfigDiagnostic(.error, .flowDefinedTwice, "this directory is given twice (also as \(first)): its flows would be defined twice",
                                                    at: .wholeFile(path), hint: "give each flow file or directory once with --flow-definitions"))
                continue
            }
            givenDirectories[FileIdentity(status)] = path
            let walk = Self.yamlFiles(under: path)
            // selinon-cli opens every such name and stops (or, at a pipe, waits): workers would not start.
            for (file, reason, hint, code) in walk.unopenable {
                diagnostics.append(ConfigDiagnostic(.error, code, reason, at: .wholeFile(file), hint: hint))
            }
            for (directory, reason) in walk.reachedTwice {
                diagnostics.append(ConfigDiagnostic(.error, .flowDefinedTwice, reason, at: .wholeFile(directory),
                                                    hint: "remove the link (workers would not start: \"Multiple definitions of flow\")"))
            }
            for (directory, reason) in walk.unreadable {
                diagnostics.append(ConfigDiagnostic(.error, .fileUnreadable, "cannot list the flow directory: \(reason)",
                                                    at: .wholeFile(directory),
                                                    hint: "make it readable, or move it out of the flow directory (selinon-cli skips it without a word, "
                                                        + "so workers that cannot read it lack its flows)"))
            }
            if walk.files.isEmpty && walk.unreadable.isEmpty {
                diagnostics.append(ConfigDiagnostic(.warning, .fileNotFound, "the directory holds no *.yml or *.yaml files",
                                                    at: .wholeFile(path),
                                                    hint: "flow files end in .yml or .yaml (lower case), are not hidden, and are regular files or links to them"))
            }
            result += walk.files
        }
        // A file reached twice (given twice, or given and inside a given directory).
        var firstPaths: [FileIdentity: String] = [:]
        result = result.filter { file in
            var status = stat()
            guard stat(file, &status) == 0 else { return true }
            guard let first = firstPaths[FileIdentity(status)] else {
                firstPaths[FileIdentity(status)] = file
                return true
            }
            diagnostics.append(ConfigDiagnostic(.error, .flowDefinedTwice, "this flow file is read twice (also as \(first)): its flows would be defined twice",
                                                at: .wholeFile(file), hint: "give each flow file or directory once with --flow-definitions"))
            return false
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ConfigurationError(diagnostics: diagnostics) }
        return (result, diagnostics)
    }

    /// A file or directory as the file system knows it, whatever path leads to it.
    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    /// The flow files below `directory`; the paths named like one that cannot be read as one,
    /// with why (broken links, link loops, pipes, sockets, names that are not UTF-8); the
    /// directories that cannot be listed, with the system's reason; and the directories reached
    /// twice, with why that matters. Like `selinon-cli` (`os.walk` with `followlinks=True`), the
    /// walk enters hidden directories and follows links to directories. Unlike it, the walk
    /// enters each directory once: selinon-cli reads a directory reached by two paths twice — its
    /// flows then are defined twice — and walks a link back to a directory above until the path
    /// grows too long; such a directory is named unless it holds no flow file and is no loop.
    static func yamlFiles(under directory: String)
        -> (files: [String], unopenable: [(path: String, reason: String, hint: String, code: ConfigDiagnostic.Code)], unreadable: [(path: String, reason: String)],
            reachedTwice: [(path: String, reason: String)]) {
        var files: [String] = []
        var unopenable: [(path: String, reason: String, hint: String, code: ConfigDiagnostic.Code)] = [], unreadable: [(path: String, reason: String)] = []
        var reachedTwice: [(path: String, reason: String)] = []
        var visited: [[UInt64]: String] = [:]
        var ancestors = Set<[UInt64]>()
        func walk(_ path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return }
            let identity = [UInt64(status.st_dev), UInt64(status.st_ino)]
            if let first = visited[identity] {
                if ancestors.contains(identity) {
                    reachedTwice.append((path, "a link back to \(first), which holds it: selinon-cli walks this loop again and again, "
                                         + "reading the flow files in it each time, so their flows are defined many times"))
                } else if files.contains(where: { $0.hasPrefix(first + "/") }) {
                    // Named at the link (the path that is one), whichever the listing gave first.
                    let (link, other) = Self.isLink(path) || !Self.isLink(first) ? (path, first) : (first, path)
                    reachedTwice.append((link, "the same directory as \(other): selinon-cli reads the flow files in it twice, "
                                         + "so their flows are defined twice"))
                }
                return
            }
            visited[identity] = path
            ancestors.insert(identity)
            defer { ancestors.remove(identity) }
            let names: [String]
            switch Self.names(in: path) {
            case .failure(let failure):
                unreadable.append((path, String(cString: strerror(failure.code.rawValue))))
                return
            case .success(let listing):
                names = listing.names
                // Selinon's workers (Python) open such names; this process could only open another name.
                for other in listing.notUTF8 {
                    let child = (path as NSString).appendingPathComponent(other.shown)
                    if other.isDirectory {
                        unopenable.append((child, "a directory whose name is not valid UTF-8, so selinon-migrate cannot read the flow "
                                           + "files below it (Selinon's workers read them)", "rename it", .fileUnreadable))
                    } else if !other.shown.hasPrefix("."), other.shown.hasSuffix(".yml") || other.shown.hasSuffix(".yaml") {
                        unopenable.append((child, "its name is not valid UTF-8, so selinon-migrate cannot open it (Selinon's workers read it)",
                                           "rename it", .fileUnreadable))
                    }
                }
            }
            for name in names {
                let child = (path as NSString).appendingPathComponent(name)
                var childStatus = stat()
                let resolved = stat(child, &childStatus) == 0
                let failure = errno
                if resolved && (childStatus.st_mode & S_IFMT) == S_IFDIR {
                    walk(child)
                    continue
                }
                guard !name.hasPrefix("."), name.hasSuffix(".yml") || name.hasSuffix(".yaml") else { continue }
                if !resolved {
                    unopenable.append((child, (failure == ELOOP ? "a symbolic link loop" : "a broken symbolic link") + Self.notAFlowFile,
                                       "fix or remove it", .fileNotFound))
                } else if (childStatus.st_mode & S_IFMT) == S_IFREG {
                    files.append(child)
                } else {
                    unopenable.append((child, Self.kind(of: childStatus.st_mode) + Self.notAFlowFile, "fix or remove it", .fileNotFound))
                }
            }
        }
        walk(directory)
        return (files.sorted(), unopenable.sorted { $0.path < $1.path }, unreadable.sorted { $0.path < $1.path },
                reachedTwice.sorted { $0.path < $1.path })
    }

    /// The names in a directory as the file system holds them: those that are UTF-8, and the
    /// others, each shown with `\xHH` for every byte that is not, and whether it is a directory
    /// (following links) — known only here, where its bytes are. (Foundation's listing writes
    /// U+FFFD for such bytes: a name that opens nothing, or another file.)
    static func names(in path: String) -> Result<(names: [String], notUTF8: [(shown: String, isDirectory: Bool)]), POSIXError> {
        guard let directory = opendir(path) else { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        defer { closedir(directory) }
        var names: [String] = [], others: [(shown: String, isDirectory: Bool)] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard bytes != Array(".".utf8), bytes != Array("..".utf8) else { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                names.append(name)
                continue
            }
            var status = stat()
            let isDirectory = (bytes + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { fstatat(dirfd(directory), $0.baseAddress!, &status, 0) == 0 }
            } && (status.st_mode & S_IFMT) == S_IFDIR
            others.append((escapingInvalidUTF8(bytes), isDirectory))
        }
        return .success((names, others))
    }

    /// `bytes` as text, each byte that is not part of a UTF-8 character written `\xHH`.
    package static func escapingInvalidUTF8(_ bytes: [UInt8]) -> String {
        var text = "", start = 0
        while start < bytes.count {
            // The longest UTF-8 character (1–4 bytes) that starts here, else the byte escaped.
            if let length = (1...4).first(where: { start + $0 <= bytes.count && String(validating: bytes[start..<start + $0], as: UTF8.self) != nil }) {
                text += String(decoding: bytes[start..<start + length], as: UTF8.self)
                start += length
            } else {
                text += "\\x" + String(bytes[start], radix: 16, uppercase: true)  // (0x80 or above: two digits)
                start += 1
            }
        }
        return text
    }

    /// Why a name in a flow directory that is not a file breaks Selinon.
    private static let notAFlowFile = ", not a file: selinon-cli reads every *.yml and *.yaml name below the directory, "
        + "so workers would fail to start on it"

    /// What a file that is not a regular file or a directory is, in words.
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a named pipe"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a regular file"
        }
    }

    /// Whether `path` itself is a symbolic link.
    static func isLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
    }

    /// The system's words for `code`, for loops in words of their own.
    static func reason(_ code: Int32) -> String {
        code == ELOOP ? "a symbolic link loop" : String(cString: strerror(code))
    }

    /// The hint for a file this user may not read.
    private static let permissionHint = "run as a user who may read it (workers must read it too), or fix its permissions"

    public func read() throws(ConfigurationError) -> ConfigurationFiles {
        var diagnostics: [ConfigDiagnostic] = []
        let nodes = readFile(nodesFile, role: "nodes file", hint: "check the path given for the nodes file (-n, or -N for an old configuration)", into: &diagnostics)
        var flows: [ConfigurationFiles.File] = []
        var warnings: [ConfigDiagnostic] = []
        do {
            let (paths, found) = try flowFilesAndWarnings()
            warnings = found
            for path in paths {
                if let file = readFile(path, role: "flow file", hint: "check the path given for the flow definitions (-f, or -F for an old configuration)", into: &diagnostics) {
                    flows.append(file)
                }
            }
        } catch {
            diagnostics += error.diagnostics
        }
        guard let nodes, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw ConfigurationError(diagnostics: diagnostics + warnings)
        }
        return ConfigurationFiles(nodes: nodes, flows: flows, warnings: warnings, maxFileBytes: maxFileBytes)
    }

    private func readFile(_ path: String, role: String, hint: String, into diagnostics: inout [ConfigDiagnostic]) -> ConfigurationFiles.File? {
        // stat follows links: the size and the kind are those of the file read.
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                let what = Self.isLink(path) ? "a broken symbolic link" : "no such file"
                diagnostics.append(ConfigDiagnostic(.error, .fileNotFound, "\(role) not found: \(what)", at: .wholeFile(path), hint: hint))
            } else {
                diagnostics.append(ConfigDiagnostic(.error, code == ELOOP ? .fileNotFound : .fileUnreadable,
                                                    "cannot read the \(role): \(Self.reason(code))", at: .wholeFile(path),
                                                    hint: code == EACCES ? Self.permissionHint : hint))
            }
            return nil
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            let what = (status.st_mode & S_IFMT) == S_IFDIR ? "a directory" : Self.kind(of: status.st_mode)
            diagnostics.append(ConfigDiagnostic(.error, .fileNotFound, "the \(role) is \(what), not a file", at: .wholeFile(path),
                                                hint: "name the YAML file itself"))
            return nil
        }
        if Int(status.st_size) > maxFileBytes {
            diagnostics.append(ConfigDiagnostic(
                .error, .fileTooLarge, "the file is \(status.st_size) bytes, more than the limit of \(maxFileBytes) bytes",
                at: .wholeFile(path), hint: "raise the limit with --max-file-size if the file is really meant to be this large"))
            return nil
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            diagnostics.append(ConfigDiagnostic(.error, .fileUnreadable, "cannot read the \(role): \(Self.reason(code))",
                                                at: .wholeFile(path), hint: code == EACCES ? Self.permissionHint : hint))
            return nil
        }
        defer { close(descriptor) }
        var contents = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while true {
            // Read until the end, even if the file grew since stat (up to the limit): a few bytes
            // of room show the end (an array, which is copied at once; appending repeated
            // elements one by one cost 9 ms per file in a debug build).
            if filled == contents.count {
                guard contents.count < maxFileBytes else { break }
                contents.append(contentsOf: [UInt8](repeating: 0, count: min(4 << 10, maxFileBytes - contents.count)))
            }
            let count = contents.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                diagnostics.append(ConfigDiagnostic(.error, .fileUnreadable, "cannot read the \(role): \(Self.reason(errno))",
                                                    at: .wholeFile(path), hint: hint))
                return nil
            }
            if count == 0 { break }
            filled += count
        }
        contents.removeSubrange(filled...)
        return ConfigurationFiles.File(path: path, contents: contents)
    }
}

/// A configuration that cannot be used, with every diagnostic found.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// Every error and warning, sorted by file and line.
    public var diagnostics: [ConfigDiagnostic]

    /// An error listing `diagnostics`, sorted by file and line (a diagnostic repeated exactly, once).
    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = ConfigDiagnostic.sorted(diagnostics)
    }

    /// Whether a file exists but could not be read — the tool's failure (exit 2) rather than
    /// the input's (exit 1).
    public var isReadFailure: Bool {
        diagnostics.contains { $0.code == .fileUnreadable && $0.severity == .error }
    }

    /// Every diagnostic as ``ConfigDiagnostic/description`` gives it, one after the other, then the
    /// number of errors (`2 errors`).
    public var description: String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return (diagnostics.map(\.description) + ["\(errors) error\(errors == 1 ? "" : "s")"]).joined(separator: "\n")
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension ConfigurationError: LocalizedError {
    public var errorDescription: String? { description }
}
