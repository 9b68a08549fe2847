import Foundation
import Glibc

/// A datagram socket standing in for systemd's notify socket (`NOTIFY_SOCKET`): tests read what a daemon sends
/// (READY=1, STATUS=, WATCHDOG=1, STOPPING=1) with blocking receives that end at a deadline. The receives run on a
/// thread of their own (`LabChildProcess.offThePool`): listening for seconds on one of the 2 cooperative threads stalled
/// every other test of the process.
public final class SystemdNotifyListener: Sendable {
    public let path: String
    private let fd: Int32

    public init(path: String) throws(LabFailure) {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { close(fd); throw LabFailure("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// `notify.sock` in `directory`.
    public convenience init(directory: URL) throws(LabFailure) {
        try self.init(path: directory.appendingPathComponent("notify.sock").path)
    }

    /// Messages received within `seconds`.
    public func receive(for seconds: Double) async -> [String] {
        await LabChildProcess.offThePool { self.receiveBlocking(for: seconds) }
    }

    /// Whether a message containing `text` arrives within `seconds` (returns as soon as it does).
    public func wait(for text: String, seconds: Double) async -> Bool {
        await LabChildProcess.offThePool { self.waitBlocking(for: text, seconds: seconds) }
    }

    private func receiveBlocking(for seconds: Double) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let message = receiveOne() { messages.append(message) }
        }
        return messages
    }

    private func waitBlocking(for text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if receiveOne()?.contains(text) == true { return true }
        }
        return false
    }

    private func receiveOne() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }

    deinit { close(fd); unlink(path) }
}
