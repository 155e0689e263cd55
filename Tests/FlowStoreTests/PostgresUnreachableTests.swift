import FlowStore
import Foundation
import Glibc
import Testing

/// A PostgreSQL store whose server cannot be reached: reads over the whole store (an export, the
/// counts a sweep starts with) are not inside one operation's deadline, so the wait for a pooled
/// connection is bounded on its own — while the server is down, postgres-nio's pool goes on
/// trying to open one for a minute. No server is needed: the port is one nothing listens on.
struct PostgresUnreachableTests {
    @Test func aWholeStoreReadGivesUpWhenNoConnectionCanBeOpened() async throws {
        let store = try StoreLocation(parsing: "postgres://selinon@127.0.0.1:\(try Self.closedPort())/flows")
            .open(createIfMissing: false, answerTimeout: .seconds(1))
        defer { Task { await store.close() } }
        let expected = "no connection to the server could be opened within 1 s"
        do {
            try await store.forEachFlow(pageSize: 10) { _ in Issue.record("a page without a server") }
            Issue.record("forEachFlow without a server")
        } catch let error as StoreError {
            #expect(error.kind == .unavailable && error.message.contains(expected), "\(error.message)")
        }
        do {
            _ = try await store.statusCountsSnapshot().value
            Issue.record("statusCountsSnapshot without a server")
        } catch let error as StoreError {
            #expect(error.kind == .unavailable && error.message.contains(expected), "\(error.message)")
        }
    }

    /// A server that takes connections but never answers (a stalled host behind a load
    /// balancer): connecting waits the store's whole answer timeout, not postgres-nio's own 10 s.
    @Test func connectingWaitsTheAnswerTimeout() async throws {
        let (socket, port) = try Self.boundPort(listening: true)
        defer { close(socket) }
        let store = try StoreLocation(parsing: "postgres://selinon@127.0.0.1:\(port)/flows").open(createIfMissing: false, answerTimeout: .seconds(11))
        defer { Task { await store.close() } }
        do {
            try await store.prepare(createIfMissing: false)
            Issue.record("prepare with a server that never answers")
        } catch {
            #expect(error.kind == .unavailable && error.message.contains("within 11 s") && !error.message.contains("10 s"), "\(error.message)")
        }
    }

    /// A port on the loopback address that nothing listens on: taken, then given back.
    private static func closedPort() throws -> Int {
        let (socket, port) = try boundPort(listening: false)
        close(socket)
        return port
    }

    /// A loopback socket bound to a free port (listening, when asked, with nobody accepting).
    private static func boundPort(listening: Bool) throws -> (socket: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0, "cannot make a socket: \(String(cString: strerror(errno)))")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound && (!listening || listen(socket, 16) == 0), "cannot bind a loopback socket: \(String(cString: strerror(errno)))")
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }
}
