/// One entry of the nodes file's `tasks` list, with Selinon's defaults applied.
public struct TaskDefinition: Sendable, Equatable {
    /// The task's name (unique among tasks and flows).
    public var name: String
    /// The Python module the task class is imported from (`import`).
    public var importPath: String
    /// The task class name (`classname`, default: `name`).
    public var className: String
    /// The storage the task's results go to; `nil` when results are discarded.
    public var storage: String?
    /// `storage_readonly`: the task may read but not write its storage.
    public var storageReadOnly: Bool
    /// `storage_task_name` (default: `name`).
    public var storageTaskName: String
    /// `output_schema`: path of a JSON schema for the task's result.
    public var outputSchema: String?
    /// `max_retry` (default 0).
    public var maxRetry: Int
    /// `retry_countdown` in seconds (default 0).
    public var retryCountdown: Int
    /// The queue after environment expansion (`queue`, else `global.default_task_queue`).
    public var queue: String
    /// `throttling`, when set.
    public var throttling: Throttling?
    /// `selective_run_function` (default `always_run` from `selinon.routines`).
    public var selectiveRunFunction: FunctionReference
    /// Where the task's mapping starts.
    public var location: FileLocation

    /// A task with Selinon's defaults for what is not given; `className` and `storageTaskName`
    /// default to `name`.
    public init(
        name: String, importPath: String, className: String? = nil, storage: String? = nil,
        storageReadOnly: Bool = false, storageTaskName: String? = nil, outputSchema: String? = nil,
        maxRetry: Int = 0, retryCountdown: Int = 0, queue: String = "celery", throttling: Throttling? = nil,
        selectiveRunFunction: FunctionReference = .defaultSelectiveRunFunction, location: FileLocation
    ) {
        self.name = name
        self.importPath = importPath
        self.className = className ?? name
        self.storage = storage
        self.storageReadOnly = storageReadOnly
        self.storageTaskName = storageTaskName ?? name
        self.outputSchema = outputSchema
        self.maxRetry = maxRetry
        self.retryCountdown = retryCountdown
        self.queue = queue
        self.throttling = throttling
        self.selectiveRunFunction = selectiveRunFunction
        self.location = location
    }
}

/// A Python function named by module and name (`selective_run_function`, trace `function`).
public struct FunctionReference: Sendable, Hashable {
    /// The function's name.
    public var name: String
    /// The module it is imported from.
    public var importPath: String

    /// Function `name` of module `importPath`.
    public init(name: String, importPath: String) {
        self.name = name
        self.importPath = importPath
    }

    /// Selinon's default selective-run function.
    public static let defaultSelectiveRunFunction = FunctionReference(name: "always_run", importPath: "selinon.routines")
}

/// A `throttling` setting: the minimum time between two runs of a node, as Python's
/// `timedelta(**throttling)` computes it.
public struct Throttling: Sendable, Hashable {
    /// The total interval in seconds.
    public var seconds: Double

    /// A minimum interval of `seconds` between two runs.
    public init(seconds: Double) {
        self.seconds = seconds
    }
}
