import FlowStore
import Foundation
import Testing

/// Store locations as users write them.
struct StoreLocationTests {
    @Test func aSQLitePathMayStartInAHomeDirectory() throws {
        let home = try #require(ProcessInfo.processInfo.environment["HOME"])
        #expect(try StoreLocation(parsing: "sqlite:~/flows.sqlite") == .sqlite(path: home + "/flows.sqlite"))
        #expect(try StoreLocation(parsing: "sqlite:~") == .sqlite(path: home))
        let rootHome = try #require(getpwnam("root").flatMap { $0.pointee.pw_dir.map { String(cString: $0) } })
        #expect(try StoreLocation(parsing: "sqlite:~root/flows.sqlite") == .sqlite(path: rootHome + "/flows.sqlite"))
        // Only a leading tilde is a home directory.
        #expect(try StoreLocation(parsing: "sqlite:data/~/flows.sqlite") == .sqlite(path: "data/~/flows.sqlite"))
        #expect(try StoreLocation(parsing: "sqlite:.selinon/flows.sqlite") == .sqlite(path: ".selinon/flows.sqlite"))
        #expect(try StoreLocation(parsing: "sqlite:///srv/flows.sqlite") == .sqlite(path: "/srv/flows.sqlite"))
        // SQLAlchemy's absolute form: the same file, not srv/flows.sqlite below the current directory.
        #expect(try StoreLocation(parsing: "sqlite:////srv/flows.sqlite") == .sqlite(path: "/srv/flows.sqlite"))
    }

    @Test func postgresParametersAreLibpqsAndTLSIsAsked() throws {
        let plain = try StoreLocation(parsing: "postgres://db.internal/flows?user=selinon&port=6432")
        #expect(plain == .postgres(host: "db.internal", port: 6432, user: "selinon", password: nil, database: "flows", socketDirectory: nil,
                                   tls: .disabled))
        let socket = try StoreLocation(parsing: "postgresql://selinon@/flows?host=/run/postgresql")
        #expect(socket == .postgres(host: nil, port: 5432, user: "selinon", password: nil, database: "flows",
                                    socketDirectory: "/run/postgresql", tls: .disabled))
        for (mode, expected) in [("disable", StoreLocation.PostgresTLS.Mode.disable), ("allow", .prefer), ("prefer", .prefer),
                                 ("require", .verifyFull), ("verify-ca", .verifyFull), ("verify-full", .verifyFull)] {
            guard case .postgres(_, _, _, _, _, _, let tls) = try StoreLocation(parsing: "postgres://u@db/flows?sslmode=\(mode)") else {
                Issue.record("not PostgreSQL")
                continue
            }
            #expect(tls == .init(mode: expected), "\(mode)")
        }
        // An IPv6 address in brackets, as libpq takes it; shown in brackets again.
        let ipv6 = try StoreLocation(parsing: "postgres://u@[::1]:6543/flows")
        #expect(ipv6 == .postgres(host: "::1", port: 6543, user: "u", password: nil, database: "flows", socketDirectory: nil, tls: .disabled))
        #expect(ipv6.description == "postgres://u@[::1]:6543/flows")
        // As libpq: a parameter wins over the same part of the URL, and a host that is a path,
        // percent-encoded in the URL, is a unix socket's directory.
        let overridden = try StoreLocation(parsing: "postgres://u:p@db:1/flows?port=6432&user=v&password=q&host=/run/pg")
        #expect(overridden == .postgres(host: nil, port: 6432, user: "v", password: "q", database: "flows", socketDirectory: "/run/pg",
                                        tls: .disabled))
        let encodedSocket = try StoreLocation(parsing: "postgres://u@%2Frun%2Fpostgresql:5433/flows")
        #expect(encodedSocket == .postgres(host: nil, port: 5433, user: "u", password: nil, database: "flows",
                                           socketDirectory: "/run/postgresql", tls: .disabled))
        let privateAuthority = try StoreLocation(parsing: "postgres://u@db/flows?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem&dbname=other")
        #expect(privateAuthority == .postgres(host: "db", port: 5432, user: "u", password: nil, database: "other", socketDirectory: nil,
                                              tls: .init(mode: .verifyFull, rootCertificates: "/etc/ssl/ca.pem")))
    }

    @Test(arguments: [
        ("postgres://alice:S3cr#t@db/flows", "'postgres://alice:***@db/flows' is not a valid URL; characters such as @ : / ? # % in the user name or password must be percent-encoded (# as %23)"),
        ("postgres://alice:S3cret@db:99999/flows", "the port in 'postgres://alice:***@db:99999/flows' is not a TCP port (1–65535)"),
        // Port 0 (the kernel's "any port") is no server's port, in the URL or as a parameter.
        ("postgres://alice:S3cret@db:0/flows", "the port in 'postgres://alice:***@db:0/flows' is not a TCP port (1–65535)"),
        ("postgres://alice@db/flows?port=0&password=S3cret", "the port in 'postgres://alice@db/flows?port=0&password=***' is not a TCP port (1–65535)"),
        ("postgres://:S3cret@db/flows", "'postgres://:***@db/flows' names no user; write postgres://user@host/database"),
        ("postgres://alice@db/flows?sslmode=verfy-full&password=S3cret",
         "'postgres://alice@db/flows?sslmode=verfy-full&password=***' has sslmode=verfy-full, which is none of disable, allow, prefer, require, verify-ca, verify-full"),
        // A parameter this tool does not take may be a password spelt otherwise: its value is not shown.
        ("postgres://alice:S3cret@db/flows?connect_timeout=5", "'postgres://alice:***@db/flows?connect_timeout=***' has the parameter 'connect_timeout', which this tool does not take (it takes host, port, user, password, dbname, sslmode, sslrootcert)"),
        ("postgres://alice@db/flows?PASSWORD=S3cret", "'postgres://alice@db/flows?PASSWORD=***' has the parameter 'PASSWORD', which this tool does not take (it takes host, port, user, password, dbname, sslmode, sslrootcert)"),
        ("postgres://alice@db/flows?=S3cret&sslmode=require", "'postgres://alice@db/flows?=***&sslmode=require' has the parameter '', which this tool does not take (it takes host, port, user, password, dbname, sslmode, sslrootcert)"),
        ("postgres://alice@db/flows?password=a&password=S3cret&sslmode=on", "'postgres://alice@db/flows?password=***&password=***&sslmode=on' gives the parameter 'password' more than once: give it once"),
        ("postgres://alice@db/flows?sslmode=on&password=S3cret", "'postgres://alice@db/flows?sslmode=on&password=***' has sslmode=on, which is none of disable, allow, prefer, require, verify-ca, verify-full"),
        // A password with an @ or / not percent-encoded: read as a URL, its end would be the host
        // and the database (looked up, and shown); a # would start a fragment.
        ("postgres://ro:S3cret@corp-db/x@127.0.0.1:5432/p1", "'postgres://ro:***@127.0.0.1:5432/p1' has a / or @ after the host, which would be read as part of the database's name: characters such as @ : / ? # % in the user name or password must be percent-encoded (@ as %40, / as %2F)"),
        // An @ alone after the host (no /): read as a URL, it would be part of the database's name.
        // (Shown hidden up to the last @, which may end the password.)
        ("postgres://alice:S3cret@db/fl@ws", "'postgres://alice:***@ws' has a / or @ after the host, which would be read as part of the database's name: characters such as @ : / ? # % in the user name or password must be percent-encoded (@ as %40, / as %2F)"),
        ("postgres://alice@db/flows#S3cret", "'postgres://alice@db/flows#***' has a fragment ('#…'), which a store location does not take; a # in a password or user name is written %23"),
        ("postgres://alice@db/flows?sslmode=prefer&sslrootcert=ca.pem",
         "'postgres://alice@db/flows?sslmode=prefer&sslrootcert=ca.pem' gives sslrootcert, which only sslmode=require (or verify-ca, verify-full) uses"),
        // A % that starts no escape would be read as itself (two URLs, one password).
        ("postgres://alice:S3cr%ZZ@db/flows", "'postgres://alice:***@db/flows' has a % that starts no escape (%XX, two hexadecimal digits): a % itself (in a password, say) is written %25"),
        ("postgres://alice@db/flows?password=S3cr%2", "'postgres://alice@db/flows?password=***' has a % that starts no escape (%XX, two hexadecimal digits): a % itself (in a password, say) is written %25"),
        // The startup packet cannot carry U+0000; a control character in a name is a typo that messages would print raw.
        ("postgres://alice:S3cret@db/fl%00ows", "the database name in 'postgres://alice:***@db/fl%00ows' holds the control character U+0000, which PostgreSQL cannot take: remove it"),
        ("postgres://alice:S3cret@db/flows?user=al%0Aice", "the user name in 'postgres://alice:***@db/flows?user=al%0Aice' holds the control character U+000A: remove it"),
        ("postgres://alice:S3c%00ret@db/flows", "the password in 'postgres://alice:***@db/flows' holds the control character U+0000, which PostgreSQL cannot take: remove it"),
    ])
    func aPostgresLocationThatCannotBeUsedIsRefusedWithoutShowingThePassword(_ text: String, _ message: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation(parsing: text) }
        #expect(error?.kind == .invalidLocation)
        #expect(error?.message == message)
        #expect(error?.message.contains("S3cr") == false)
    }

    @Test(arguments: [
        ("sqlite:", "'sqlite:' names no file; write sqlite:PATH"),
        ("sqlite:~no-such-user-here/flows.sqlite",
         "'sqlite:~no-such-user-here/flows.sqlite' names the home directory of 'no-such-user-here', and there is no such user; write the store's full path"),
        ("sqlite:file:flows.sqlite?mode=ro",
         "'sqlite:file:flows.sqlite?mode=ro': SQLite URI file names (file:…) are not supported; write the file's path after sqlite: (for example sqlite:flows.sqlite)"),
        ("sqlite::memory:",
         "'sqlite::memory:' is an in-memory database, which would lose every flow when the command exits; write a file's path (for example sqlite:.selinon/flows.sqlite)"),
        ("sqlite:data/",
         "'sqlite:data/' ends with '/', so it names a directory; the store is a file in it (for example sqlite:data/flows.sqlite)"),
        ("sqlite://localhost/flows.sqlite",
         "'sqlite://localhost/flows.sqlite' names a host ('localhost'), which a SQLite store cannot have: write sqlite:localhost/flows.sqlite for a path from the current directory, or sqlite:///localhost/flows.sqlite for an absolute one"),
        ("sqlite:flows.sqlite?mode=ro",
         "'sqlite:flows.sqlite?mode=ro' has parameters after '?', which a SQLite store does not take (the file would be named 'flows.sqlite?mode=ro'); write the file's path alone: sqlite:flows.sqlite"),
        ("sqlite://", "'sqlite://' names no file; write sqlite:PATH"),
    ])
    func aLocationThatNamesNoUsableFileIsRefused(_ text: String, _ message: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation(parsing: text) }
        #expect(error?.kind == .invalidLocation)
        #expect(error?.message == message)
    }
}
