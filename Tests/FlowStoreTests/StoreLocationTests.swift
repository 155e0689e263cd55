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
    ])
    func aLocationThatNamesNoUsableFileIsRefused(_ text: String, _ message: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation(parsing: text) }
        #expect(error?.kind == .invalidLocation)
        #expect(error?.message == message)
    }
}
