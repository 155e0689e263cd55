import Foundation
import Logging
import PostgresNIO

/// Where a store is, written as a URL: `sqlite:PATH` (the default is
/// `sqlite:.selinon/flows.sqlite`; `~/` starts a path in the home directory) or `postgres://user:password@host:port/database`
/// (`?sslmode=require` for TLS — the certificate and host name are verified, as libpq's `verify-full` does — `?host=/run/postgresql&port=5432` for a unix socket; without a password
/// in the URL, `PGPASSWORD` is used).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String?, port: Int, user: String, password: String?, database: String?, socketDirectory: String?, requireTLS: Bool)

    /// The embedded default.
    public static let defaultLocation = "sqlite:.selinon/flows.sqlite"

    /// Parses `sqlite:PATH` (a leading `~` or `~user` is expanded; SQLite's `file:` URIs are
    /// refused) or `postgres://user@host:port/database[?sslmode=require|host=SOCKET]`.
    /// - Throws: ``StoreError`` `invalidLocation`, saying what is wrong with the text.
    public init(parsing text: String) throws(StoreError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "", options: .anchored)
            guard !path.isEmpty else { throw StoreError(.invalidLocation, "'\(text)' names no file; write sqlite:PATH") }
            // SQLite would read `file:…` as a URI naming another file than the one checked here.
            if path.hasPrefix("file:") {
                throw StoreError(.invalidLocation, "'\(text)': SQLite URI file names (file:…) are not supported; write the file's path "
                    + "after sqlite: (for example sqlite:\(path.dropFirst("file:".count).prefix { $0 != "?" }))")
            }
            // SQLite would keep these in memory (or a temporary file) and lose them at exit.
            if path == ":memory:" || path.hasPrefix(":memory:?") {
                throw StoreError(.invalidLocation, "'\(text)' is an in-memory database, which would lose every flow when the command "
                    + "exits; write a file's path (for example sqlite:.selinon/flows.sqlite)")
            }
            if path.hasSuffix("/") {
                throw StoreError(.invalidLocation, "'\(text)' ends with '/', so it names a directory; the store is a file in it "
                    + "(for example sqlite:\(path)flows.sqlite)")
            }
            self = .sqlite(path: try Self.expandingHome(path, in: text))
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let components = URLComponents(string: text) else {
            throw StoreError(.invalidLocation, "unknown store '\(text)'; use sqlite:PATH or postgres://user@host:port/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let database = components.path.drop { $0 == "/" }
        let socket = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        guard let user = components.user ?? ProcessInfo.processInfo.environment["USER"], !user.isEmpty else {
            throw StoreError(.invalidLocation, "'\(text)' names no user; write postgres://user@host/database")
        }
        let port = components.port ?? query["port"].flatMap { Int($0) } ?? 5432
        guard (1...65535).contains(port) else {
            throw StoreError(.invalidLocation, "port \(port) in '\(text)' is not a TCP port (1–65535)")
        }
        self = .postgres(host: components.host.flatMap { $0.isEmpty ? nil : $0 }, port: port, user: user,
                         password: components.password, database: database.isEmpty ? nil : String(database),
                         socketDirectory: socket, requireTLS: query["sslmode"].map { $0 != "disable" && $0 != "prefer" && $0 != "allow" } ?? false)
    }

    /// `path` with a leading `~` (this user's home: `$HOME`, else the password database's) or
    /// `~user` (that user's home) replaced, as a shell would have done had the path stood alone:
    /// after `sqlite:` it does not, and a literal `~` directory is never what was meant.
    private static func expandingHome(_ path: String, in text: String) throws(StoreError) -> String {
        guard path.hasPrefix("~") else { return path }
        let user = path.dropFirst().prefix { $0 != "/" }
        let rest = path.dropFirst(1 + user.count)
        let home: String?
        if user.isEmpty {
            home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } }
        } else {
            home = getpwnam(String(user)).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } }
        }
        guard let home else {
            throw StoreError(.invalidLocation, user.isEmpty
                ? "'\(text)' starts with ~, and this user has no home directory; write the store's full path"
                : "'\(text)' names the home directory of '\(user)', and there is no such user; write the store's full path")
        }
        return (home.hasSuffix("/") && rest.hasPrefix("/") ? String(home.dropLast()) : home) + rest
    }

    /// The location without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let host, let port, let user, _, let database, let socket, _):
            return "postgres://\(user)@\(socket.map { "[\($0)]" } ?? host ?? "localhost"):\(port)/\(database ?? "")"
        }
    }

    /// Opens the store (PostgreSQL connects lazily, on first use); call
    /// ``FlowStateStore/prepare(createIfMissing:)`` before anything else.
    /// - Parameters:
    ///   - logger: where postgres-nio logs (swift-log's `Logger`; by default one labelled
    ///     `selinon-migrate.store`, which logs through the process's bootstrapped backend).
    ///   - createIfMissing: create a SQLite file that does not exist, and its own directory (not a
    ///     missing directory above that: ``StoreError/Kind-swift.enum/missingStore``).
    ///   - readOnly: the caller only reads: a SQLite store is opened read-only, taking no write
    ///     lock (PostgreSQL needs no such thing: a store that is ready is checked by reading).
    ///   - answerTimeout: PostgreSQL: how long an operation may go without an answer from the
    ///     server before it fails (a dropped connection).
    public func open(logger: Logger = Logger(label: "selinon-migrate.store"), createIfMissing: Bool, readOnly: Bool = false,
                     answerTimeout: Duration = PostgresFlowStore.defaultAnswerTimeout) throws(StoreError) -> any FlowStateStore {
        switch self {
        case .sqlite(let path):
            return try SQLiteFlowStore(path: path, createIfMissing: createIfMissing && !readOnly, readOnly: readOnly)
        case .postgres(let host, let port, let user, let givenPassword, let database, let socket, let requireTLS):
            let password = givenPassword ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
            var client: PostgresClient.Configuration
            var probe: PostgresConnection.Configuration
            if let socket {
                let path = (socket as NSString).appendingPathComponent(".s.PGSQL.\(port)")
                client = .init(unixSocketPath: path, username: user, password: password, database: database)
                probe = .init(unixSocketPath: path, username: user, password: password, database: database)
            } else {
                client = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database,
                               tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
                let tls: PostgresConnection.Configuration.TLS
                do {
                    tls = requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
                } catch {
                    throw StoreError(.unavailable, "cannot set up TLS for \(self): \(error)")
                }
                probe = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: tls)
            }
            client.options.maximumConnections = 4
            return PostgresFlowStore(configuration: client, probe: probe, displayLocation: description, logger: logger,
                                     answerTimeout: answerTimeout)
        }
    }
}
