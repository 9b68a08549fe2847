import Dispatch
import Glibc
import IoMTControl
import IoMTCore
import IoMTSystem
import IoMTTransport
import Synchronization

/// The daemon's control socket: a Unix stream socket (mode 0660) where each connection carries one
/// request line and gets one response line. The kernel's peer credentials decide who may talk;
/// a refused peer gets an error response and its uid is logged (no names: uids are not patient data).
public final class ControlServer: Sendable {
    public typealias Handler = @Sendable (ControlCommand, PeerCredentials) async -> ControlReply

    public let path: String
    private let policy: ControlAccessPolicy
    private let handler: Handler
    private let listening = Mutex<Int32>(-1)
    private let stopping = Atomic<Bool>(false)
    private let active = Atomic<Int>(0)
    static let maxRequestBytes = 1 << 20
    static let maxConcurrentConnections = 16

    public init(path: String, policy: ControlAccessPolicy, handler: @escaping Handler) {
        self.path = path; self.policy = policy; self.handler = handler
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public func start() throws(StartError) {
        var status = stat()
        if lstat(path, &status) == 0 {
            // A socket left by a killed daemon is ours to replace; anything else is not.
            guard status.st_mode & S_IFMT == S_IFSOCK else { throw StartError(description: "\(path) exists and is not a socket; remove it or set control.socketPath") }
            // A socket someone still answers on belongs to another running iomtd: never take it over.
            if Self.answers(path) { throw StartError(description: "another iomtd is listening on \(path); stop it or set control.socketPath") }
            unlink(path)
        }
        guard let address = UnixSocketAddress(path) else {
            throw StartError(description: "control socket path \(path) is longer than \(UnixSocketAddress.maximumPathBytes) bytes")
        }
        let fd = UnixSocketAddress.makeSocket()
        guard fd >= 0 else { throw StartError(description: "socket(): \(Errno.text(errno))") }
        // Created with no permissions for others from the start (no window where anyone may connect).
        let oldMask = umask(0o117)
        let bound = address.bind(fd)
        umask(oldMask)
        guard bound == 0, listen(fd, 16) == 0 else {
            let message = Errno.text(errno)
            close(fd)
            throw StartError(description: "cannot listen on \(path): \(message)")
        }
        if let groupId = policy.groupId { _ = chown(path, uid_t.max, groupId) } // best effort: the daemon may not be in the group
        listening.withLock { $0 = fd }
        DedicatedThread.start { [self] in acceptLoop(fd) }
    }

    static func answers(_ path: String) -> Bool {
        guard let address = UnixSocketAddress(path) else { return false }
        let fd = UnixSocketAddress.makeSocket()
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return address.connect(fd) == 0
    }

    /// Stops accepting and removes the socket file; requests being answered finish.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let fd = listening.withLock { current -> Int32 in
            let fd = current
            current = -1
            return fd
        }
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); unlink(path) }
    }

    private func acceptLoop(_ fd: Int32) {
        while !stopping.load(ordering: .sequentiallyConsistent) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC) // no exec hook may inherit a control connection
            guard active.add(1, ordering: .sequentiallyConsistent).newValue <= Self.maxConcurrentConnections else {
                active.subtract(1, ordering: .sequentiallyConsistent)
                send(ControlReply.failure("busy: too many control connections, try again"), to: client)
                close(client)
                continue
            }
            DedicatedThread.start { [self] in
                serve(client)
                close(client)
                active.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        close(fd)
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let peer = PeerCredentials.of(socket: client) else {
            send(.failure("cannot read peer credentials", .permissionDenied), to: client)
            return
        }
        // The request is read (bounded) before a refusal, so the client sees the answer instead of a broken pipe.
        let line = readLine(client)
        if let refusal = policy.refusal(for: peer) {
            Log.warning("control: refused uid \(peer.uid) (pid \(peer.pid)): not root and not in group \(policy.groupName)", "control")
            send(.failure(refusal, .permissionDenied), to: client)
            return
        }
        guard let line else { return }
        let request: ControlCommand
        do { request = try ControlCommand.decode(line) } catch {
            let hint = error.isUnknownCommand ? " (this iomtd is \(ProductVersion.current); is iomtctl newer?)" : ""
            send(.failure("\(error)\(hint)", .usage), to: client)
            return
        }
        let answer = Mutex<ControlReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let handler = self.handler
        Task {
            let response = await handler(request, peer)
            answer.withLock { $0 = response }
            done.signal()
        }
        done.wait()
        send(answer.withLock { $0 } ?? .failure("no response"), to: client)
    }

    private func readLine(_ client: Int32) -> [UInt8]? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.count < Self.maxRequestBytes {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return buffer.isEmpty ? nil : buffer }
            if let newline = chunk[0..<count].firstIndex(of: UInt8(ascii: "\n")) {
                buffer += chunk[0..<newline]
                return buffer
            }
            buffer += chunk[0..<count]
        }
        return nil
    }

    private func send(_ response: ControlReply, to client: Int32) {
        let bytes = Array((response.json.serialized() + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }
}
