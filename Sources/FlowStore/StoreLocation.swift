import Foundation
import Logging
import PostgresNIO

/// Where a store is, written as a URL: `sqlite:PATH` (the default is
/// `sqlite:.selinon/flows.sqlite`; `~/` starts a path in the home directory; `sqlite:///ABS`
/// for an absolute path) or `postgres://user:password@host:port/database` (`?sslmode=require`
/// for TLS — the certificate and host name are verified, as libpq's `verify-full` does (SwiftNIO
/// SSL also accepts an IP address entry that is the address the host name resolved to) —
/// `&sslrootcert=CA.pem` for a private certificate authority, `?host=/run/postgresql&port=5432`
/// for a unix socket; without a password in the URL, `PGPASSWORD` is used).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// An embedded SQLite store: the database file's path (parsing expands a leading `~`).
    case sqlite(path: String)
    /// A PostgreSQL store. `host` `nil` is `localhost`, unless `socketDirectory` names a unix
    /// socket's directory; `password` `nil` takes `PGPASSWORD`; `database` `nil` is the server's
    /// default (the user's name).
    case postgres(host: String?, port: Int, user: String, password: String?, database: String?, socketDirectory: String?, tls: PostgresTLS)

    /// How a PostgreSQL connection uses TLS: the URL's `sslmode` and `sslrootcert`.
    public struct PostgresTLS: Sendable, Equatable {
        /// TLS is asked for in every `sslmode` but `disable`.
        public enum Mode: String, Sendable, Equatable {
            /// `disable`: no TLS.
            case disable
            /// `allow`, `prefer`: TLS when the server offers it, else none; the certificate is
            /// not verified (as libpq does in these modes), so this guards against listening only.
            case prefer
            /// `require`, `verify-ca`, `verify-full`: TLS, with the certificate and host name
            /// verified (libpq's `verify-full`).
            case verifyFull = "verify-full"
        }

        /// Whether TLS is used and the server's certificate verified (`sslmode`).
        public var mode: Mode
        /// A PEM file of the certificate authorities to trust instead of the system's (`sslrootcert`).
        public var rootCertificates: String?

        /// TLS in `mode`, trusting the certificate authorities of the PEM file `rootCertificates`
        /// (`nil`: the system's).
        public init(mode: Mode, rootCertificates: String? = nil) {
            self.mode = mode
            self.rootCertificates = rootCertificates
        }

        /// No TLS: the default, as this tool has always connected.
        public static let disabled = PostgresTLS(mode: .disable)
    }

    /// The URL parameters of a PostgreSQL location (libpq's names).
    static let postgresParameters = ["host", "port", "user", "password", "dbname", "sslmode", "sslrootcert"]

    /// The embedded default.
    public static let defaultLocation = "sqlite:.selinon/flows.sqlite"

    /// Parses `sqlite:PATH` (a leading `~` or `~user` is expanded; SQLite's `file:` URIs are
    /// refused) or `postgres://user@host:port/database[?sslmode=require|host=SOCKET]`.
    /// - Throws: ``StoreError`` `invalidLocation`, saying what is wrong with the text.
    public init(parsing text: String) throws(StoreError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") {
                // A URL's authority: empty, then an absolute path (sqlite:///srv/f.sqlite, and
                // SQLAlchemy's sqlite:////srv/f.sqlite). A host would be dropped, not reached.
                let rest = path.dropFirst(2)
                guard rest.isEmpty || rest.hasPrefix("/") else {
                    let host = rest.prefix { $0 != "/" }
                    throw StoreError(.invalidLocation, "'\(text)' names a host ('\(host)'), which a SQLite store cannot have: write "
                        + "sqlite:\(rest) for a path from the current directory, or sqlite:///\(rest) for an absolute one")
                }
                path = "/" + rest.drop { $0 == "/" }
                if path == "/" { path = "" }
            }
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
            if path.contains("?") {
                // SQLite's URI parameters: here they would become part of the file's name.
                throw StoreError(.invalidLocation, "'\(text)' has parameters after '?', which a SQLite store does not take (the file "
                    + "would be named '\((path as NSString).lastPathComponent)'); write the file's path alone: sqlite:\(path.prefix { $0 != "?" })")
            }
            if path.hasSuffix("/") {
                throw StoreError(.invalidLocation, "'\(text)' ends with '/', so it names a directory; the store is a file in it "
                    + "(for example sqlite:\(path)flows.sqlite)")
            }
            self = .sqlite(path: try Self.expandingHome(path, in: text))
            return
        }
        // Messages show the location without its password.
        let shown = Self.withoutPassword(text)
        let isPostgres = text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
        guard isPostgres, let components = URLComponents(string: text) else {
            throw StoreError(.invalidLocation, isPostgres
                ? "'\(shown)' is not a valid URL; characters such as @ : / ? # % in the user name or password must be percent-encoded (# as %23)"
                : "unknown store '\(shown)'; use sqlite:PATH or postgres://user@host:port/database")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.postgresParameters.contains(item.name) else {
                throw StoreError(.invalidLocation, "'\(shown)' has the parameter '\(item.name)', which this tool does not take "
                    + "(it takes \(Self.postgresParameters.joined(separator: ", ")))")
            }
            guard query[item.name] == nil else {
                throw StoreError(.invalidLocation, "'\(shown)' gives the parameter '\(item.name)' more than once: give it once")
            }
            query[item.name] = item.value ?? ""
        }
        // A `#` or a second `@` is a password (or user name) written without percent-encoding:
        // read as a URL, part of it would become the host or the database, and be shown or looked up.
        if components.fragment != nil {
            throw StoreError(.invalidLocation, "'\(shown)' has a fragment ('#…'), which a store location does not take; a # in a "
                + "password or user name is written %23")
        }
        // A % that starts no escape (%ZZ) would be read as itself: another URL would mean the same
        // password. (Read from the text: URLComponents encodes such a % again.)
        if Self.hasStrayPercent(String(text[text.range(of: "://")!.upperBound...])) {
            throw StoreError(.invalidLocation, "'\(shown)' has a % that starts no escape (%XX, two hexadecimal digits): a % itself "
                + "(in a password, say) is written %25")
        }
        let path = String(components.path.drop { $0 == "/" })
        if path.contains("/") || components.percentEncodedPath.contains("@") {
            // (Not shown: it may hold the end of the password.)
            throw StoreError(.invalidLocation, "'\(shown)' has a / or @ after the host, which would be read as part of the database's "
                + "name: characters such as @ : / ? # % in the user name or password must be percent-encoded (@ as %40, / as %2F)")
        }
        // As libpq: a parameter wins over the same part of the URL; a host that is a path (the
        // URL's percent-encoded, %2Frun%2Fpostgresql, or ?host=/run/postgresql) is a unix socket's directory.
        let database = query["dbname"] ?? path
        // An IPv6 address is bracketed in a URL ([::1]); the brackets are not part of the host.
        let bracketed = components.host.map { $0.hasPrefix("[") && $0.hasSuffix("]") ? String($0.dropFirst().dropLast()) : $0 }
        let hostText = query["host"].flatMap { $0.isEmpty ? nil : $0 } ?? bracketed
        let socket = hostText.flatMap { $0.hasPrefix("/") ? $0 : nil }
        let host = hostText.flatMap { $0.hasPrefix("/") || $0.isEmpty ? nil : $0 }
        guard let user = query["user"] ?? components.user ?? ProcessInfo.processInfo.environment["USER"], !user.isEmpty else {
            throw StoreError(.invalidLocation, "'\(shown)' names no user; write postgres://user@host/database")
        }
        let port = query["port"].map { Int($0) ?? -1 } ?? components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StoreError(.invalidLocation, "the port in '\(shown)' is not a TCP port (1–65535)")
        }
        var tls = PostgresTLS.disabled
        if let mode = query["sslmode"] {
            switch mode {
            case "disable": tls.mode = .disable
            case "allow", "prefer": tls.mode = .prefer
            case "require", "verify-ca", "verify-full": tls.mode = .verifyFull
            default:
                throw StoreError(.invalidLocation, "'\(shown)' has sslmode=\(mode), which is none of disable, allow, prefer, require, "
                    + "verify-ca, verify-full")
            }
        }
        if let roots = query["sslrootcert"], roots != "system" {
            guard tls.mode == .verifyFull else {
                throw StoreError(.invalidLocation, "'\(shown)' gives sslrootcert, which only sslmode=require (or verify-ca, verify-full) uses")
            }
            tls.rootCertificates = roots
        }
        let password = query["password"] ?? components.password
        // The startup packet ends each value with U+0000, so none can hold it; a control character in
        // a name is a typo that messages would print raw.
        for (part, value, names) in [("user name", user, true), ("database name", database, true), ("host", hostText ?? "", true),
                                     ("password", password ?? "", false)] {
            if let control = value.unicodeScalars.first(where: { $0 == "\u{0}" || (names && $0.properties.generalCategory == .control) }) {
                throw StoreError(.invalidLocation, "the \(part) in '\(shown)' holds the control character U+"
                    + String(format: "%04X", control.value) + (control == "\u{0}" ? ", which PostgreSQL cannot take" : "") + ": remove it")
            }
        }
        self = .postgres(host: host, port: port, user: user, password: password,
                         database: database.isEmpty ? nil : database, socketDirectory: socket, tls: tls)
    }

    /// `text` with the password of a URL's user information (`//user:password@`) replaced by
    /// `***`, and so is the value of every parameter but those that hold no secret (`host`,
    /// `port`, `user`, `dbname`, `sslmode`, `sslrootcert`) — `password=`, and a parameter this
    /// tool does not take, which may be one misspelt (`PASSWORD=`, `passwd=`) — and anything after
    /// a `#`, for messages.
    static func withoutPassword(_ text: String) -> String {
        var shown = text
        // (The user information first: a `#` in a password is not a fragment.)
        if let authority = shown.range(of: "://"), let at = shown[authority.upperBound...].lastIndex(of: "@"),
           let colon = shown[authority.upperBound..<at].firstIndex(of: ":") {
            shown.replaceSubrange(shown.index(after: colon)..<at, with: "***")
        }
        if let fragment = shown.firstIndex(of: "#") { shown = String(shown[shown.startIndex..<fragment]) + "#***" }
        guard let question = shown.firstIndex(of: "?") else { return shown }
        let query = shown[shown.index(after: question)...]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { (item: Substring) -> String in
            guard let equals = item.firstIndex(of: "="), !publicParameters.contains(String(item[item.startIndex..<equals])) else {
                return String(item)
            }
            return String(item[item.startIndex...equals]) + "***"
        }
        return String(shown[shown.startIndex...question]) + parameters.joined(separator: "&")
    }

    /// Whether percent-encoded `text` has a `%` not followed by two hexadecimal digits.
    private static func hasStrayPercent(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return scalars.indices.contains { index in
            scalars[index] == "%" && !(index + 2 < scalars.count && scalars[index + 1].properties.isASCIIHexDigit
                                       && scalars[index + 2].properties.isASCIIHexDigit)
        }
    }

    /// The parameters whose values messages show.
    private static let publicParameters: Set = ["host", "port", "user", "dbname", "sslmode", "sslrootcert"]

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
            // An IPv6 address in brackets, as URLs write it.
            let shownHost = host.map { $0.contains(":") ? "[\($0)]" : $0 }
            return "postgres://\(user)@\(socket.map { "[\($0)]" } ?? shownHost ?? "localhost"):\(port)/\(database ?? "")"
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
    ///   - lockTimeout: SQLite: how long to wait for a lock another process holds before the
    ///     store reports itself busy (see ``SQLiteFlowStore/init(path:createIfMissing:readOnly:lockTimeout:)``).
    ///   - maximumConnections: PostgreSQL: the most connections the store's pool opens at once
    ///     (at least 1; the commands use the default, 4): a service whose dispatchers load and
    ///     save many flows at a time gives more, within the server's `max_connections`.
    public func open(logger: Logger = Logger(label: "selinon-migrate.store"), createIfMissing: Bool, readOnly: Bool = false,
                     answerTimeout: Duration = PostgresFlowStore.defaultAnswerTimeout,
                     lockTimeout: Duration = SQLiteFlowStore.defaultLockTimeout,
                     maximumConnections: Int = 4) throws(StoreError) -> any FlowStateStore {
        guard maximumConnections >= 1 else {
            throw StoreError(.misuse, "maximumConnections is \(maximumConnections): a store needs at least one connection")
        }
        switch self {
        case .sqlite(let path):
            return try SQLiteFlowStore(path: path, createIfMissing: createIfMissing && !readOnly, readOnly: readOnly, lockTimeout: lockTimeout)
        case .postgres(let host, let port, let user, let givenPassword, let database, let socket, let tls):
            let password = givenPassword ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
            var client: PostgresClient.Configuration
            var probe: PostgresConnection.Configuration
            if let socket {
                let path = (socket as NSString).appendingPathComponent(".s.PGSQL.\(port)")
                client = .init(unixSocketPath: path, username: user, password: password, database: database)
                probe = .init(unixSocketPath: path, username: user, password: password, database: database)
            } else {
                var settings = TLSConfiguration.makeClientConfiguration()
                if tls.mode == .prefer { settings.certificateVerification = .none }
                if let roots = tls.rootCertificates {
                    guard FileManager.default.isReadableFile(atPath: roots) else {
                        throw StoreError(.invalidLocation, "sslrootcert \(roots) of \(self) cannot be read: give a PEM file of the "
                            + "certificate authorities to trust")
                    }
                    settings.trustRoots = .file(roots)
                }
                let context: NIOSSLContext
                do {
                    context = try NIOSSLContext(configuration: settings)
                } catch {
                    throw StoreError(.invalidLocation, "cannot set up TLS for \(self)\(tls.rootCertificates.map { " (is \($0) a PEM file of certificates?)" } ?? ""): \(error)")
                }
                switch tls.mode {
                case .disable:
                    client = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .disable)
                    probe = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .disable)
                case .prefer:
                    client = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .prefer(settings))
                    probe = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .prefer(context))
                case .verifyFull:
                    client = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .require(settings))
                    probe = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: .require(context))
                }
            }
            client.options.maximumConnections = maximumConnections
            // Connecting waits as long as any other answer (postgres-nio's own default is 10 s).
            client.options.connectTimeout = answerTimeout
            let (seconds, attoseconds) = answerTimeout.components
            probe.options.connectTimeout = .nanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
                ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            return PostgresFlowStore(configuration: client, probe: probe, displayLocation: description, logger: logger,
                                     answerTimeout: answerTimeout)
        }
    }
}
