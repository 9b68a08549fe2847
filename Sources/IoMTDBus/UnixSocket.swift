import Glibc
import IoMTSystem

/// A connected AF_UNIX stream socket (blocking). Owned by one connection; closed once.
final class UnixSocket: Sendable {
    let fileDescriptor: Int32

    private init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    static func connect(to address: DBusAddress) throws(DBusError) -> UnixSocket {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(address: address.description, reason: "socket(): \(Errno.text(errno))") }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathCapacity = MemoryLayout.size(ofValue: storage.sun_path)
        let pathBytes: [UInt8]
        let isAbstract: Bool
        switch address.socket {
        case .path(let path): pathBytes = Array(path.utf8); isAbstract = false
        case .abstract(let name): pathBytes = [0] + Array(name.utf8); isAbstract = true
        }
        // A filesystem path needs room for its nul terminator; an abstract name is counted exactly.
        guard pathBytes.count + (isAbstract ? 0 : 1) <= pathCapacity else {
            close(fd)
            throw .connectFailed(address: address.description, reason: "socket path is longer than \(pathCapacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count + (isAbstract ? 0 : 1)
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(length)) }
        }
        guard result == 0 else {
            let reason = Errno.text(errno)
            close(fd)
            throw .connectFailed(address: address.description, reason: reason)
        }
        return UnixSocket(fileDescriptor: fd)
    }

    /// Writes all of `bytes`; MSG_NOSIGNAL so a dead peer is an error, not SIGPIPE.
    func writeAll(_ bytes: [UInt8]) throws(DBusError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fileDescriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .disconnected(reason: "write failed: \(Errno.text(errno))")
            }
            offset += written
        }
    }

    /// Reads what is available (blocking until something is); returns [] at end of stream.
    func read(max: Int) throws(DBusError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .disconnected(reason: "read timed out") }
                throw .disconnected(reason: "read failed: \(Errno.text(errno))")
            }
            return Array(buffer.prefix(count))
        }
    }

    /// Sets a receive timeout (0 = none); used only during authentication.
    func setReceiveTimeout(milliseconds: Int) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(fileDescriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Wakes a reader blocked in `read` (it then sees end of stream).
    func shutdownBothWays() { _ = Glibc.shutdown(fileDescriptor, Int32(SHUT_RDWR)) }

    func closeDescriptor() { _ = Glibc.close(fileDescriptor) }
}


