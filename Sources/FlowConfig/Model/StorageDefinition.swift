import YAMLTree

/// One entry of the nodes file's `storages` list.
public struct StorageDefinition: Sendable, Equatable {
    /// The storage's name, used by tasks' `storage`.
    public var name: String
    /// The Python module of the storage adapter (`import`).
    public var importPath: String
    /// The adapter class name (`classname`, default: `name`).
    public var className: String
    /// The adapter's `configuration`, passed through unchanged.
    public var configuration: ConfigValue
    /// The result cache (`cache`), when configured.
    public var cache: CacheSettings?
    /// Where the storage's mapping starts.
    public var location: FileLocation

    /// A storage; `className` defaults to `name`, as in Selinon.
    public init(
        name: String, importPath: String, className: String? = nil, configuration: ConfigValue,
        cache: CacheSettings? = nil, location: FileLocation
    ) {
        self.name = name
        self.importPath = importPath
        self.className = className ?? name
        self.configuration = configuration
        self.cache = cache
        self.location = location
    }
}

/// A cache configuration (`cache` of a storage or a flow).
public struct CacheSettings: Sendable, Hashable {
    /// Cache class name (default `LRU`).
    public var name: String
    /// Module of the cache class (default `selinon.caches`).
    public var importPath: String
    /// Arguments for the cache (default `{max_cache_size: 0}`).
    public var configuration: ConfigValue

    /// A cache with Selinon's defaults: `LRU` from `selinon.caches`, `max_cache_size: 0`.
    public init(name: String = "LRU", importPath: String = "selinon.caches",
                configuration: ConfigValue = .mapping([.init("max_cache_size", .integer(.small(0)))])) {
        self.name = name
        self.importPath = importPath
        self.configuration = configuration
    }
}
