import YAMLTree

/// Loads and validates a Selinon configuration, collecting every diagnostic in one pass.
///
/// Reading follows Selinon 1.4 (`System.from_files`): the nodes file first (storages, global,
/// tasks, flows), then every flow-definition file, then — unless
/// ``Options/checksConsistency`` is off, as with Selinon's `--no-check` — the consistency check.
/// Everything Selinon rejects is rejected, as are values that pass Selinon's validation but break
/// its worker start-up, unknown keys and unknown node names.
///
/// ```swift
/// let source = FileSystemConfigurationSource(nodesFile: "nodes.yml", flowPaths: ["flows/"])
/// let result = ConfigurationLoader().load(try source.read())
/// for diagnostic in result.diagnostics { print(diagnostic) }
/// if let configuration = result.configuration { print(configuration.flowNames) }
/// ```
public struct ConfigurationLoader: Sendable {
    /// How strictly and with which environment to load.
    public struct Options: Sendable {
        /// Environment variables for `{VAR}` placeholders in queue names and `migration_dir`.
        public var environment: [String: String]
        /// Run Selinon's consistency check (off = Selinon's `--no-check`).
        public var checksConsistency: Bool
        /// Reject the `global.trace` settings Selinon 1.4 rejects. Off, their errors are warnings:
        /// tracing configures the workers only, never a flow's edges, and earlier Selinon versions
        /// took other forms of it (`trace: true`) — so that configurations workers ran can still
        /// be compared (old configurations, and the new one with `generate --no-check`).
        public var checksTrace: Bool = true
        /// Limits on each YAML file.
        public var yamlLimits: YAMLParser.Limits
        /// Node visits allowed while expanding conditions and values of one file: a million plus
        /// ten per byte of the file, at most this many. Legitimate files stay far below; a small
        /// file whose aliases expand enormously (an alias bomb) is stopped quickly.
        public var maxWalkBudget: Int

        /// Options as Selinon loads: an empty environment, the consistency check on, the default
        /// YAML limits and walk budget, unless given.
        public init(environment: [String: String] = [:], checksConsistency: Bool = true,
                    yamlLimits: YAMLParser.Limits = .init(), maxWalkBudget: Int = YAMLWalkBudget.defaultLimit) {
            self.environment = environment
            self.checksConsistency = checksConsistency
            self.yamlLimits = yamlLimits
            self.maxWalkBudget = maxWalkBudget
        }
    }

    /// How this loader loads: environment for placeholders, consistency check, limits.
    public var options: Options

    /// A loader with `options` (environment for placeholders, consistency check, limits).
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Loads `files`. The result holds a configuration only when there are no errors.
    ///
    /// The nodes file is read first; then the flow files are parsed and read on every core, each
    /// on its own, and each file's node tree is dropped as soon as the file is read (so memory
    /// holds one tree per core, not one per file). The result is the same as reading the files one
    /// after another in their order.
    public func load(_ files: ConfigurationFiles) -> ConfigurationLoadResult {
        var diagnostics = files.warnings
        var yamlLimits = options.yamlLimits
        if let checked = files.maxFileBytes { yamlLimits.maxInputBytes = max(yamlLimits.maxInputBytes, checked) }
        let limits = yamlLimits

        // The nodes file.
        guard let nodesRoot = parse(files.nodes, role: "nodes file", limits: limits, into: &diagnostics) else {
            return ConfigurationLoadResult(configuration: nil, diagnostics: diagnostics)
        }
        var nodesReader = FileReader(file: files.nodes.path, budget: walkBudget(for: files.nodes),
                                     environment: options.environment)
        nodesReader.checksTrace = options.checksTrace
        let contents = nodesReader.readNodesFile(nodesRoot)
        diagnostics += nodesReader.diagnostics

        // The flow files. A flow file that is also the nodes file (a combined file) is not parsed again.
        let catalog = NodeCatalog(
            tasks: Dictionary(contents.tasks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            taskNames: contents.declaredTaskNames,
            flows: Set(contents.flows.map(\.name)),
            isComplete: contents.namesAreComplete,
            usesBuiltinPredicates: contents.global.usesBuiltinPredicates,
            checksConsistency: options.checksConsistency)
        let read = files.flows.concurrentMap { file in
            var parseDiagnostics: [ConfigDiagnostic] = []
            let root = file == files.nodes ? nodesRoot : parse(file, role: "flow file", limits: limits, into: &parseDiagnostics)
            let fileFlows = readFlowFile(file, root: root, catalog: catalog, global: contents.global,
                                         isNodesFile: file == files.nodes, earlier: ([:], [:]))
            return (flows: fileFlows.flows, defined: fileFlows.defined, diagnostics: parseDiagnostics + fileFlows.diagnostics)
        }
        var flows: [String: FlowDefinition] = [:]
        var defined: [String: FileLocation] = [:]
        var definedInTwoFiles = false
        for fileFlows in read {
            if !definedInTwoFiles && defined.keys.contains(where: { fileFlows.defined[$0] != nil }) { definedInTwoFiles = true }
            flows.merge(fileFlows.flows) { first, _ in first }
            defined.merge(fileFlows.defined) { first, _ in first }
        }
        if definedInTwoFiles {
            // A flow file needs the files before it only to report a flow defined twice (an error,
            // so rare): parse and read them again one after another.
            flows = [:]
            defined = [:]
            for file in files.flows {
                let root = file == files.nodes ? nodesRoot : parse(file, role: "flow file", limits: limits, into: &diagnostics)
                let fileFlows = readFlowFile(file, root: root, catalog: catalog, global: contents.global,
                                             isNodesFile: file == files.nodes, earlier: (flows, defined))
                (flows, defined) = (fileFlows.flows, fileFlows.defined)
                diagnostics += fileFlows.diagnostics
            }
        } else {
            diagnostics += read.flatMap(\.diagnostics)
        }
        let readingFailed = diagnostics.contains { $0.severity == .error }
        for listed in contents.flows where flows[listed.name] == nil && !readingFailed {
            diagnostics.append(ConfigDiagnostic(
                .error, .flowNotDefined, "flow '\(listed.name)' is listed in 'flows' but never defined",
                at: listed.location,
                hint: files.flows.isEmpty ? "no flow-definition files were found (--flow-definitions names files, or directories of *.yml files)"
                    : "add it to a flow-definitions file, or remove it from 'flows'"))
        }

        // Selinon 1.4 imports each storage's cache class under the last flow's cache import (a
        // defect): a class no flow's cache names is undefined when the workers start.
        if !readingFailed && !flows.isEmpty {
            let imported = Set(flows.values.map(\.cache.name))
            for storage in contents.storages {
                // A storage without a cache gets Selinon's default, LRU(max_cache_size=0).
                let cacheName = storage.cache?.name ?? "LRU"
                guard !imported.contains(cacheName) else { continue }
                diagnostics.append(ConfigDiagnostic(
                    .error, .workerStartup,
                    (storage.cache == nil
                        ? "storage '\(storage.name)' has no cache, so Selinon gives it its default, LRU from selinon.caches, but no flow's "
                            + "cache is LRU (every flow names its own)"
                        : "the cache class '\(cacheName)' of storage '\(storage.name)' is not the cache of any flow")
                        + "; Selinon 1.4 imports a storage's cache class only when a flow's cache has it, so its workers fail to start (NameError)",
                    at: storage.location,
                    hint: storage.cache == nil
                        ? "give the storage a cache that a flow's cache uses, or leave one flow with the default cache"
                        : "use a cache class a flow's cache uses (the default is LRU from selinon.caches), or give a flow that cache"))
            }
        }

        // Flows' cache classes are imported after the tasks (under their names) and the storages'
        // classes: one named like either replaces it (workers then run the cache class).
        if !readingFailed {
            let listedFlows = contents.flows.compactMap { flows[$0.name] }
            for (flow, first) in StartupImports.importedTwice(listedFlows, name: \.cache.name, module: \.cache.importPath) {
                diagnostics.append(ConfigDiagnostic(
                    .error, .workerStartup,
                    "the cache class '\(flow.cache.name)' of flow '\(flow.name)' comes from \(flow.cache.importPath), and the one of flow "
                        + "'\(first.name)' from \(first.cache.importPath): Selinon's generated start-up code imports both under that name, "
                        + "so one replaces the other (which one changes from worker to worker) and the flows get the wrong cache",
                    at: flow.location, hint: "give one of the cache classes another name"))
            }
            var reported = Set<String>()
            for flow in listedFlows where reported.insert(flow.cache.name).inserted {
                let cache = flow.cache
                if let task = contents.tasks.first(where: { $0.name == cache.name }) {
                    diagnostics.append(ConfigDiagnostic(
                        .error, .workerStartup,
                        "the cache class '\(cache.name)' of flow '\(flow.name)' has the name task '\(task.name)' is imported under in "
                            + "Selinon's generated start-up code: the cache class replaces the task's, and workers run it for the task",
                        at: task.location, hint: "rename the task"))
                }
                if let storage = contents.storages.first(where: { $0.className == cache.name && $0.importPath != cache.importPath }) {
                    diagnostics.append(ConfigDiagnostic(
                        .error, .workerStartup,
                        "the cache class '\(cache.name)' of flow '\(flow.name)' (from \(cache.importPath)) has the class name of storage "
                            + "'\(storage.name)' (from \(storage.importPath)); Selinon's generated start-up code imports the cache after the "
                            + "storage, so the storage is built from the cache class and workers fail",
                        at: storage.location, hint: "give the storage or the cache class another name"))
                }
            }
        }

        let configuration = Configuration(
            nodesFile: files.nodes.path, flowFiles: files.flows.map(\.path), tasks: contents.tasks,
            storages: contents.storages, global: contents.global, flowNames: contents.flows.map(\.name), flows: flows)
        var checkFailed = false
        if options.checksConsistency && !diagnostics.contains(where: { $0.severity == .error }) {
            var checker = ConsistencyChecker(configuration: configuration)
            checker.check()
            diagnostics += checker.diagnostics
            checkFailed = checker.diagnostics.contains { $0.severity == .error }
        }
        let valid = !diagnostics.contains { $0.severity == .error }
        return ConfigurationLoadResult(configuration: valid ? configuration : nil, diagnostics: diagnostics,
                                       consistencyCheckFailed: checkFailed)
    }

    /// The flows read so far (`earlier`'s and a flow file's, by name), where each is defined
    /// (valid or not), and the diagnostics of reading the file; `earlier` when it could not be parsed.
    private func readFlowFile(_ file: ConfigurationFiles.File, root: YAMLNode?, catalog: NodeCatalog, global: GlobalSettings,
                              isNodesFile: Bool, earlier: (flows: [String: FlowDefinition], defined: [String: FileLocation]))
        -> (flows: [String: FlowDefinition], defined: [String: FileLocation], diagnostics: [ConfigDiagnostic]) {
        guard let root else { return (earlier.flows, earlier.defined, []) }
        var (flows, defined) = earlier
        var reader = FileReader(file: file.path, budget: walkBudget(for: file), environment: options.environment)
        reader.readFlowFile(root, catalog: catalog, global: global, flows: &flows, defined: &defined, isNodesFile: isNodesFile)
        return (flows, defined, reader.diagnostics)
    }

    private func walkBudget(for file: ConfigurationFiles.File) -> YAMLWalkBudget {
        YAMLWalkBudget(limit: min(options.maxWalkBudget, 1_000_000 + 10 * file.contents.count))
    }

    /// Reads and loads `source`; a file that cannot be read becomes a diagnostic.
    public func load(from source: some ConfigurationSource) -> ConfigurationLoadResult {
        do {
            return load(try source.read())
        } catch {
            return ConfigurationLoadResult(configuration: nil, diagnostics: error.diagnostics)
        }
    }

    /// The encoding a byte order mark names, when it is UTF-16 or UTF-32 (a UTF-8 mark is fine:
    /// Python skips it too) — or, without a mark, the zero bytes of the first character show (as
    /// the YAML specification detects encodings: no text file starts with a NUL character).
    static func wideEncoding(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return "UTF-32BE" }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32LE" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        let first = Array(bytes.prefix(4).map { $0 == 0 })
        if first == [true, true, true, false] { return "UTF-32BE" }
        if first == [false, true, true, true] { return "UTF-32LE" }
        if first.count >= 2, first[0] != first[1] { return first[0] ? "UTF-16BE" : "UTF-16LE" }
        return nil
    }

    /// The root node of a file, or `nil` after recording why there is none.
    private func parse(_ file: ConfigurationFiles.File, role: String, limits: YAMLParser.Limits,
                       into diagnostics: inout [ConfigDiagnostic]) -> YAMLNode? {
        if file.contents.starts(with: Self.lfsPointerPrefix) {
            diagnostics.append(ConfigDiagnostic(
                .error, .gitLFSPointer, "the \(role) is a Git LFS pointer, not the file itself", at: .wholeFile(file.path),
                hint: "keep Selinon configuration out of Git LFS (workers and selinon-migrate read it from git as plain text): "
                    + "git lfs untrack the path and commit the real file"))
            return nil
        }
        if let encoding = Self.wideEncoding(of: file.contents) {
            // libyaml reads these, but Selinon opens configuration files as UTF-8 text: its workers would not start.
            diagnostics.append(ConfigDiagnostic(
                .error, .notUTF8, "the \(role) is \(encoding); Selinon reads configuration files as UTF-8, so its workers cannot load it",
                at: FileLocation(file: file.path, line: 1, column: 1), hint: "save the file as UTF-8 (for example: iconv -f \(encoding) -t UTF-8)"))
            return nil
        }
        let document: YAMLDocument
        do {
            document = try YAMLParser(limits: limits).parse(file.contents)
        } catch {
            let code: ConfigDiagnostic.Code = switch error.kind {
            case .inputTooLarge: .fileTooLarge
            case .expansionLimit, .nestingTooDeep: .yamlLimit
            default: .yamlSyntax
            }
            let location = error.mark.map { FileLocation(file: file.path, line: $0.line, column: $0.column) }
                ?? .wholeFile(file.path)
            if let marker = Self.conflictMarkerLine(file.contents) {
                diagnostics.append(ConfigDiagnostic(.error, code, "git merge conflict markers (line \(marker)); \(error.message)", at: location,
                                                    hint: "resolve the merge conflict in this file, then run the command again"))
                return nil
            }
            diagnostics.append(ConfigDiagnostic(.error, code, error.message, at: location, hint: Self.hint(for: error)))
            return nil
        }
        for warning in document.warnings {
            let mark = warning.mergeMark ?? warning.mark
            let location = FileLocation(file: file.path, line: mark.line, column: mark.column)
            switch warning.kind {
            case .duplicateKey:
                diagnostics.append(ConfigDiagnostic(
                    .warning, .yamlDuplicateKey, "duplicate key '\(warning.key)'; this later value replaces the one at line \(warning.firstMark.line)",
                    at: location, hint: "remove one of the two; Selinon uses the last"))
            case .mergeListConflict:
                diagnostics.append(ConfigDiagnostic(
                    .warning, .yamlMergeConflict, "'<<' merges key '\(warning.key)' from two mappings with different values (lines "
                        + "\(warning.firstMark.line) and \(warning.mark.line)); PyYAML before 6.0.4 (and selinon-migrate) take the first, "
                        + "PyYAML 6.0.4 and later the last for keys longer than one character, so Selinon's workers may read another value",
                    at: location, hint: "write '\(warning.key)' in the mapping itself, which wins over merged keys in every version"))
            case .mergeVersionDifference:
                diagnostics.append(ConfigDiagnostic(
                    .warning, .yamlMergeConflict, "'<<' merges key '\(warning.key)' whose value PyYAML before 6.0.4 (and selinon-migrate) "
                        + "take from \(Self.place(warning.firstMark, besides: warning.mark)), PyYAML 6.0.4 and later from "
                        + "\(Self.place(warning.mark, besides: warning.firstMark)) (it drops a merged "
                        + "key it has merged before: the same node, or a one-character key), so Selinon's workers may read another value",
                    at: location, hint: "write '\(warning.key)' in the mapping itself, which wins over merged keys in every version"))
            }
        }
        guard let root = document.root, !root.isNull else {
            diagnostics.append(ConfigDiagnostic(.error, .emptyFile, "the \(role) is empty", at: .wholeFile(file.path),
                                                hint: role == "nodes file" ? "a nodes file needs at least 'tasks' and 'flows'"
                                                    : "a flow file needs 'flow-definitions'"))
            return nil
        }
        return root
    }

    /// The first line (1-based) that is a git conflict marker (only read on the error path).
    private static func conflictMarkerLine(_ bytes: [UInt8]) -> Int? {
        // A byte scan: the file may be large, and this runs on the error path of every parse.
        var line = 1
        var start = 0
        while start < bytes.count {
            var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let next = end + 1
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let text = bytes[start..<end]
            if text.starts(with: Self.conflictStart) || text.starts(with: Self.conflictEnd) || text.elementsEqual(Self.conflictMiddle) {
                return line
            }
            line += 1
            start = next
        }
        return nil
    }

    private static let conflictStart = Array("<<<<<<< ".utf8)
    private static let conflictEnd = Array(">>>>>>> ".utf8)
    private static let conflictMiddle = Array("=======".utf8)

    private static let lfsPointerPrefix = Array("version https://git-lfs.github.com/spec/".utf8)

    /// `mark` as "line L", with its column when `other` is on the same line (flow style).
    private static func place(_ mark: YAMLMark, besides other: YAMLMark) -> String {
        mark.line == other.line ? "line \(mark.line), column \(mark.column)" : "line \(mark.line)"
    }

    private static func hint(for error: YAMLError) -> String {
        switch error.kind {
        case .syntax where error.message.contains("tab character") || error.message.hasSuffix("the character there is a tab"):
            return "indent with spaces: YAML does not allow tabs in indentation"
        case .syntax where error.message.hasPrefix("found incompatible YAML document"):
            return "write %YAML 1.1 or drop the %YAML line (libyaml reads YAML 1.1 and 1.2 only; PyYAML takes any 1.x with a warning)"
        case .syntax where error.message.hasPrefix("found unknown directive name"):
            return "remove the directive: libyaml knows only %YAML and %TAG (PyYAML ignores others)"
        case .syntax where error.message.hasPrefix("found invalid Unicode character escape code"):
            return "a \\uD800–\\uDFFF escape is half of a UTF-16 pair, not a character: write the character itself or \\U and its "
                + "8 hex digits (\\U0001F600); Selinon's workers cannot start with such text either"
        case .syntax: return "fix the YAML syntax at this position"
        case .encoding: return "save the file as UTF-8"
        case .inputTooLarge: return "raise the limit with --max-file-size if the file is really meant to be this large"
        case .nestingTooDeep:
            return "flatten the structure (a condition of fewer nested 'not', 'and', 'or'); this is selinon-migrate's limit, which keeps "
                + "it from running out of stack — Selinon has none, but real configurations nest a few levels"
        case .multipleDocuments: return "remove the '---' separator and the second document, or move it to its own file"
        case .anchor: return "define each anchor once, before the aliases that use it"
        case .unsupportedValue: return "remove the tag or quote the value"
        case .invalidMerge: return "'<<' merges a mapping or a list of mappings into the mapping it appears in"
        case .valueIndicator: return "quote it ('=') for the text ="
        case .unhashableKey: return "use a plain string as the key"
        case .expansionLimit where error.message.contains("YAML nodes"):
            return "split the flow definitions into several files: the limit is per file (no real configuration comes near it)"
        case .expansionLimit: return "reduce the use of aliases"
        }
    }
}

/// The outcome of loading: the configuration when it is valid, and every diagnostic (errors and
/// warnings) sorted by file and line.
public struct ConfigurationLoadResult: Sendable {
    /// The configuration; `nil` when any diagnostic is an error.
    public private(set) var configuration: Configuration?
    /// Every error and warning, sorted by file and line.
    public private(set) var diagnostics: [ConfigDiagnostic]
    /// Whether the files were read without errors and only Selinon's consistency check failed
    /// (so skipping the check, Selinon's `--no-check`, would give a configuration).
    public private(set) var consistencyCheckFailed: Bool

    /// A result with `diagnostics` sorted by file and line (a diagnostic repeated exactly, once).
    public init(configuration: Configuration?, diagnostics: [ConfigDiagnostic], consistencyCheckFailed: Bool = false) {
        self.configuration = configuration
        self.diagnostics = ConfigDiagnostic.sorted(diagnostics)
        self.consistencyCheckFailed = consistencyCheckFailed
    }

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The configuration, or the error listing every diagnostic.
    public func get() throws(ConfigurationError) -> Configuration {
        guard let configuration else { throw ConfigurationError(diagnostics: diagnostics) }
        return configuration
    }
}
