import Foundation
import Glibc
import Synchronization

/// A tiny HTTP/1.1 peer on 127.0.0.1 (ephemeral port) for exercising the real libcurl client.
/// Each accepted connection is served on its own thread; `behaviour` decides what the peer does.
final class LoopbackServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]
        /// Which accepted connection carried it (1-based), to observe keep-alive reuse.
        var connection: Int = 0
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    enum Behaviour: Sendable {
        /// Answer every request on the connection (keep-alive) with the handler's status, headers and body.
        case respond(@Sendable (Request) -> (Int, [(String, String)], [UInt8]))
        /// Read the request, then say nothing until the server stops.
        case silent
        /// Announce a body of `announced` bytes, send fewer, close.
        case closeMidResponse(announced: Int, sent: Int)
        /// Accept and close at once without reading or answering.
        case closeImmediately
        /// Answer the first bytes received, whatever they are (a TLS ClientHello), with plain text, then close.
        case plainReply([UInt8])
    }

    let port: UInt16
    private let listener: Int32
    private let behaviour: Behaviour
    private let openConnections = Mutex<[Int32]>([])
    private let acceptedCount = Mutex(0)
    private let received = Mutex<[Request]>([])

    var connectionsAccepted: Int { acceptedCount.withLock { $0 } }
    var requests: [Request] { received.withLock { $0 } }

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = LoopbackServer.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        listener = fd
        port = LoopbackServer.boundPort(fd)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        // Only shut down here; the accept loop closes the listener once it has stopped using the number.
        shutdown(listener, Int32(SHUT_RDWR))
        openConnections.withLock { fds in
            for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    static func boundPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A loopback port with nothing listening (bound, then closed), for connection-refused tests.
    static func unusedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let port = boundPort(fd)
        close(fd)
        return port
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { close(listener); return }
            let number = acceptedCount.withLock { $0 += 1; return $0 }
            openConnections.withLock { $0.append(fd) }
            Thread.detachNewThread { [self] in serve(fd, connection: number) }
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        // Forget the descriptor under the lock before closing it: the number is reused at once, and
        // stop() must never shut down a socket that now belongs to someone else.
        defer { openConnections.withLock { fds in fds.removeAll { $0 == fd }; close(fd) } }
        var buffer: [UInt8] = []
        switch behaviour {
        case .closeImmediately:
            return
        case let .plainReply(bytes):
            var chunk = [UInt8](repeating: 0, count: 4096)
            guard recv(fd, &chunk, chunk.count, 0) > 0 else { return }
            write(fd, bytes)
        case .silent:
            _ = readRequest(fd, &buffer)
            var byte: UInt8 = 0
            while recv(fd, &byte, 1, 0) > 0 {}  // until the client gives up or stop() shuts the socket
        case let .closeMidResponse(announced, sent):
            guard readRequest(fd, &buffer) != nil else { return }
            write(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: \(announced)\r\n\r\n".utf8) + [UInt8](repeating: 0x41, count: sent))
        case let .respond(handler):
            while var request = readRequest(fd, &buffer) {
                request.connection = connection
                received.withLock { $0.append(request) }
                let (status, headers, body) = handler(request)
                var head = "HTTP/1.1 \(status) Status\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                write(fd, Array((head + "\r\n").utf8) + body)
            }
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Reads one request (head plus Content-Length body); nil when the peer closed.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var chunk = [UInt8](repeating: 0, count: 4096)
        func fill() -> Bool {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        var headEnd: Int?
        while headEnd == nil {
            if buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { Array(buffer[$0..<($0 + 4)]) == separator }
            }
            if headEnd == nil, !fill() { return nil }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let bodyStart = headEnd! + 4
        while buffer.count < bodyStart + length { if !fill() { return nil } }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }
}
