import FlowStore
import Foundation
import Glibc
import Synchronization

/// A TCP proxy on the loopback address in front of the test's PostgreSQL server, which a test
/// tells to fail the connections passing through it the ways a network or a server does.
public final class PostgresProxy: Sendable {
    /// The test's store, reached through the proxy.
    public let location: String
    private let listener: Int32
    private let targetPort: Int
    private let freezesAtCommit = Atomic(false)
    private let endsSessionAtCommit = Atomic(false)
    private let resetsAtUpdate = Atomic(false)
    private let frozen = Atomic(false)
    /// The connections accepted before ``endSessionsWhenNextUsed()``: each is closed when its client next sends.
    private let endingConnections = Atomic(0)
    private let sockets = Mutex<[Int32]>([])

    /// A proxy to the server of `store`, a PostgreSQL test store.
    public init(to store: TestStore) throws {
        guard case .postgres(_, let port, _, _, _, _, _) = try StoreLocation(parsing: store.location),
              var components = URLComponents(string: store.location) else {
            throw TestStoreError.badURL(store.location)
        }
        targetPort = port
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
        components.host = "127.0.0.1"
        components.port = Int(UInt16(bigEndian: address.sin_port))
        location = components.string!
        let thread = Thread { [self] in acceptConnections() }
        thread.start()
    }

    /// From now on, the next client packet that holds `COMMIT` is passed on, and nothing the
    /// server sends after it reaches any client: a COMMIT whose answer is lost.
    public func freezeAtNextCommit() { freezesAtCommit.store(true, ordering: .sequentiallyConsistent) }

    /// From now on, the next client packet that holds `COMMIT` is not passed on: the client gets the
    /// answer the server gives a statement when an administrator ends its session (FATAL 57P01),
    /// and the connection closes — as a COMMIT that waited for synchronous replication is answered
    /// when its session is ended, although it committed locally.
    public func endSessionAtNextCommit() { endsSessionAtCommit.store(true, ordering: .sequentiallyConsistent) }

    /// From now on, the next client packet that holds `UPDATE` is not passed on, and the client's
    /// connection is reset (`ECONNRESET`): what a client sees mid-transaction of a server stopped
    /// at once, or of a network fault. The server's session is closed too.
    public func resetAtNextUpdate() { resetsAtUpdate.store(true, ordering: .sequentiallyConsistent) }

    /// Every connection open now is closed, unanswered, when its client next sends something —
    /// a session the server ended while the connection sat idle, which the client learns only
    /// when it uses the connection. Connections made afterwards pass.
    public func endSessionsWhenNextUsed() {
        let open = sockets.withLock { $0.count / 2 }
        endingConnections.store(open, ordering: .sequentiallyConsistent)
    }

    /// Closes the listener and every connection.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for socket in sockets.withLock({ $0 }) where socket >= 0 {
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
            let index = sockets.withLock { sockets in
                sockets += [client, server]
                return sockets.count / 2 - 1
            }
            guard connected else {
                close(client)
                continue
            }
            Thread { [self] in pump(from: client, to: server, fromClient: true, connection: index) }.start()
            Thread { [self] in pump(from: server, to: client, fromClient: false, connection: index) }.start()
        }
    }

    private func pump(from source: Int32, to destination: Int32, fromClient: Bool, connection: Int) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let commit = Array("COMMIT".utf8), update = Array("UPDATE".utf8)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            let bytes = buffer[..<count]
            if fromClient && connection < endingConnections.load(ordering: .sequentiallyConsistent) {
                // Both ends closed, the packet dropped: the server never sees it, the client hears the end.
                for socket in [source, destination] { shutdown(socket, Int32(SHUT_RDWR)) }
                return
            }
            if fromClient && bytes.indices.contains(where: { bytes[$0...].starts(with: update) })
                && resetsAtUpdate.exchange(false, ordering: .sequentiallyConsistent) {
                shutdown(destination, Int32(SHUT_RDWR))
                // No linger time: closing sends a reset instead of an end of stream. Forgotten first,
                // so that stop() does not close the number again (the other direction's pump ends
                // with the server's side shut down).
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(source, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                sockets.withLock { $0[2 * connection] = -1 }
                close(source)
                return
            }
            let holdsCommit = fromClient && bytes.indices.contains(where: { bytes[$0...].starts(with: commit) })
            if holdsCommit && endsSessionAtCommit.exchange(false, ordering: .sequentiallyConsistent) {
                send(Self.sessionEndedByAdministrator[...], to: source)
                for socket in [source, destination] { shutdown(socket, Int32(SHUT_RDWR)) }
                return
            }
            if holdsCommit && freezesAtCommit.load(ordering: .sequentiallyConsistent) && !frozen.load(ordering: .sequentiallyConsistent) {
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

    /// The ErrorResponse message of a session an administrator ended (`pg_terminate_backend`).
    private static let sessionEndedByAdministrator: [UInt8] = {
        var fields: [UInt8] = []
        for (code, value) in [("S", "FATAL"), ("V", "FATAL"), ("C", "57P01"), ("M", "terminating connection due to administrator command")] {
            fields += Array(code.utf8) + Array(value.utf8) + [0]
        }
        fields.append(0)
        let length = UInt32(fields.count + 4)
        return Array("E".utf8) + withUnsafeBytes(of: length.bigEndian) { Array($0) } + fields
    }()

    private func send(_ bytes: ArraySlice<UInt8>, to destination: Int32) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }
}
