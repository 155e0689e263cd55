import FlowStore
import Foundation
import Glibc
import StoreTestSupport
import Synchronization
import Testing

/// A write whose COMMIT reaches the server but whose answer never comes back (a server that
/// stalls after committing, a network that drops the reply): the store cannot know whether it
/// was carried out, so it must say it is in doubt rather than report it rolled back — the
/// server commits it, and a report that left it out as "not written" would be wrong without a
/// word. A proxy between the store and the test server passes everything until it is armed,
/// then passes the next COMMIT to the server and swallows every answer after it.
@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresInDoubtCommitTests {
    @Test func aCommitWhoseAnswerIsLostIsInDoubtAndTheServerKeepsIt() async throws {
        try await TestStore.with(.postgres) { test in
            let prepared = try await test.open()
            let dispatcher = DispatcherStore(store: prepared, migrator: try StoreContract.migrator())
            let created = try await dispatcher.create(message: InflightFlows.messages(count: 1)[0])
            await prepared.close()

            guard case .postgres(_, let port, _, _, _, _, _) = try StoreLocation(parsing: test.location),
                  var components = URLComponents(string: test.location) else {
                Issue.record("not a PostgreSQL location: \(test.location)")
                return
            }
            let proxy = try FreezingProxy(targetPort: port)
            defer { proxy.stop() }
            components.host = "127.0.0.1"
            components.port = Int(proxy.port)
            // The deadline bounds the whole write: long enough for its statements on a busy machine
            // (the full suite runs beside it), so that what it waits for at the end is the COMMIT.
            let store = try StoreLocation(parsing: components.string!).open(createIfMissing: false, answerTimeout: .seconds(15))
            try await store.prepare(createIfMissing: false)
            let update = FlowUpdate(id: created.id, expectedRevision: created.revision, message: created.message, migrationVersion: 7,
                                    status: .running)
            proxy.arm()
            let error = await #expect(throws: StoreError.self) { _ = try await store.commit([update], events: []) }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("the last transaction's COMMIT was sent and got no answer") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("It is in doubt") == true)
            await store.close()

            // The server carried it out: found by a store that reaches it directly.
            let direct = try await test.open()
            var stored = try await direct.flow(id: created.id)
            for _ in 0..<50 where stored?.migrationVersion != 7 {
                try await Task.sleep(for: .milliseconds(100))
                stored = try await direct.flow(id: created.id)
            }
            #expect(stored?.migrationVersion == 7, "the COMMIT the proxy passed on was carried out")
            await direct.close()
        }
    }
}

/// A TCP proxy on the loopback address to a local port. Once armed, the next client packet that
/// holds `COMMIT` is passed on, and from then on nothing the server sends reaches any client.
private final class FreezingProxy: Sendable {
    let port: UInt16
    private let listener: Int32
    private let targetPort: Int
    private let armed = Atomic(false)
    private let frozen = Atomic(false)
    private let sockets = Mutex<[Int32]>([])

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && listen(socket, 16) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard socket >= 0, listening else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        listener = socket
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptConnections() }
        thread.start()
    }

    func arm() { armed.store(true, ordering: .sequentiallyConsistent) }

    /// Closes the listener and every connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for socket in sockets.withLock({ $0 }) {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptConnections() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(targetPort))
            let connected = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            sockets.withLock { $0 += [client, server] }
            guard connected else {
                close(client)
                return
            }
            Thread { [self] in pump(from: client, to: server, fromClient: true) }.start()
            Thread { [self] in pump(from: server, to: client, fromClient: false) }.start()
        }
    }

    private func pump(from source: Int32, to destination: Int32, fromClient: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let commit = Array("COMMIT".utf8)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            let bytes = buffer[..<count]
            if fromClient && armed.load(ordering: .sequentiallyConsistent) && !frozen.load(ordering: .sequentiallyConsistent)
                && bytes.indices.contains(where: { bytes[$0...].starts(with: commit) }) {
                // Frozen before the COMMIT goes out: set after, a busy machine let the server's answer
                // through (its pump read it before this thread got to mark the freeze).
                frozen.store(true, ordering: .sequentiallyConsistent)
                send(bytes, to: destination)
                continue
            }
            if !fromClient && frozen.load(ordering: .sequentiallyConsistent) { continue }
            send(bytes, to: destination)
        }
    }

    private func send(_ bytes: ArraySlice<UInt8>, to destination: Int32) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }
}
