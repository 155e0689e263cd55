/// The nodes file's `global` section, with Selinon's defaults.
public struct GlobalSettings: Sendable, Equatable {
    /// Module that leaf predicate names are looked up in (`predicates_module`).
    public var predicatesModule: String
    /// Queue for tasks without their own `queue`, after environment expansion.
    public var defaultTaskQueue: String
    /// Queue for dispatchers of flows without their own `queue`, after environment expansion.
    public var defaultDispatcherQueue: String
    /// `migration_dir` exactly as written (Selinon's migration CLI uses it literally).
    public var migrationDirectory: String?
    /// `migration_dir` after environment expansion (what Selinon's workers use).
    public var expandedMigrationDirectory: String?
    /// Tracing entries (`trace`); empty when tracing is off.
    public var trace: [TraceEntry]

    /// Settings with Selinon's defaults for what is not given: its built-in predicates, queue
    /// `celery`, no migration directory, no tracing.
    public init(
        predicatesModule: String = GlobalSettings.defaultPredicatesModule, defaultTaskQueue: String = "celery",
        defaultDispatcherQueue: String = "celery", migrationDirectory: String? = nil,
        expandedMigrationDirectory: String? = nil, trace: [TraceEntry] = []
    ) {
        self.predicatesModule = predicatesModule
        self.defaultTaskQueue = defaultTaskQueue
        self.defaultDispatcherQueue = defaultDispatcherQueue
        self.migrationDirectory = migrationDirectory
        self.expandedMigrationDirectory = expandedMigrationDirectory
        self.trace = trace
    }

    /// Selinon's built-in predicate module.
    public static let defaultPredicatesModule = "selinon.predicates"

    /// Whether leaf predicates come from Selinon's built-in module, whose signatures are known.
    public var usesBuiltinPredicates: Bool { predicatesModule == Self.defaultPredicatesModule }
}

/// One entry of `global.trace`: where Selinon sends its trace events.
public struct TraceEntry: Sendable, Hashable {
    /// `logging: true` — trace to Python's logging.
    public var logging: Bool
    /// `json` — log events as JSON (when present).
    public var json: Bool?
    /// `function` — call a user function for every event.
    public var function: FunctionReference?
    /// `storage` — store events through a storage's method.
    public var storage: TraceStorage?
    /// `sentry.dsn` — report failures to Sentry.
    public var sentryDSN: String?

    /// An entry with only the given kinds of tracing.
    public init(logging: Bool = false, json: Bool? = nil, function: FunctionReference? = nil,
                storage: TraceStorage? = nil, sentryDSN: String? = nil) {
        self.logging = logging
        self.json = json
        self.function = function
        self.storage = storage
        self.sentryDSN = sentryDSN
    }
}

/// A `trace.storage` entry: a storage and the method called for each event.
public struct TraceStorage: Sendable, Hashable {
    /// The storage's name, one of the nodes file's `storages`.
    public var name: String
    /// The method (default `trace`).
    public var method: String

    /// Trace events go to storage `name` through its `method`.
    public init(name: String, method: String = "trace") {
        self.name = name
        self.method = method
    }
}
