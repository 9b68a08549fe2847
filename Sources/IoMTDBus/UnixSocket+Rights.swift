import Glibc
import IoMTSystem

/// SCM_RIGHTS on the bus socket (spec "Authentication" NEGOTIATE_UNIX_FD, "Message Format" unix_fds): descriptors
/// travel beside the bytes of a message, attached to its first byte. The control-message layout is the kernel's
/// (`cmsghdr`: length, level, type, then the data, each header and its data aligned to `size_t`); Glibc's CMSG_*
/// macros are not visible from Swift, so it is written out here.
extension UnixSocket {
    /// Most descriptors one read accepts (dbus-daemon passes at most 16 per message by default).
    static let maxDescriptorsPerRead = 64

    private static let headerSize = MemoryLayout<cmsghdr>.size
    private static func aligned(_ length: Int) -> Int {
        let unit = MemoryLayout<Int>.size
        return (length + unit - 1) / unit * unit
    }

    /// Reads what is available like `read(max:)`, and appends the descriptors that came with it to `descriptors`
    /// (marked close-on-exec). When the kernel had to drop descriptors (MSG_CTRUNC), the read fails: the messages
    /// they belong to could not be delivered whole.
    func read(max: Int, descriptors: inout [Int32]) throws(DBusError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let controlCapacity = Self.aligned(Self.headerSize) + Self.aligned(Self.maxDescriptorsPerRead * MemoryLayout<Int32>.size)
        var control = [UInt8](repeating: 0, count: controlCapacity)
        while true {
            var truncated = false
            let count = buffer.withUnsafeMutableBytes { bytes -> Int in
                control.withUnsafeMutableBytes { controlBytes -> Int in
                    var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int in
                        var header = msghdr()
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        header.msg_control = controlBytes.baseAddress
                        header.msg_controllen = controlBytes.count
                        let received = recvmsg(fileDescriptor, &header, Int32(MSG_CMSG_CLOEXEC))
                        guard received >= 0 else { return received }
                        truncated = header.msg_flags & Int32(MSG_CTRUNC) != 0
                        Self.collectRights(controlBytes, length: Int(header.msg_controllen), into: &descriptors)
                        return received
                    }
                }
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .disconnected(reason: "read timed out") }
                throw .disconnected(reason: "read failed: \(Errno.text(errno))")
            }
            if truncated { throw .protocolViolation("file descriptors passed with a message were dropped (more than \(Self.maxDescriptorsPerRead) in one read)") }
            return Array(buffer.prefix(count))
        }
    }

    private static func collectRights(_ control: UnsafeMutableRawBufferPointer, length: Int, into descriptors: inout [Int32]) {
        var offset = 0
        while offset + headerSize <= min(length, control.count) {
            let header = control.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            let messageLength = Int(header.cmsg_len)
            guard messageLength >= headerSize, offset + messageLength <= control.count else { return }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) {
                let dataStart = offset + aligned(headerSize)
                let count = (messageLength - aligned(headerSize)) / MemoryLayout<Int32>.size
                for index in 0..<max(0, count) {
                    descriptors.append(control.loadUnaligned(fromByteOffset: dataStart + index * MemoryLayout<Int32>.size, as: Int32.self))
                }
            }
            offset += aligned(messageLength)
        }
    }

    /// Writes all of `bytes`, with `descriptors` attached to the first byte (the receiver's kernel duplicates them;
    /// the caller keeps its own). Without descriptors it is `writeAll`.
    func writeAll(_ bytes: [UInt8], passing descriptors: [Int32]) throws(DBusError) {
        guard !descriptors.isEmpty, !bytes.isEmpty else { return try writeAll(bytes) }
        let dataLength = descriptors.count * MemoryLayout<Int32>.size
        var control = [UInt8](repeating: 0, count: Self.aligned(Self.headerSize) + Self.aligned(dataLength))
        control.withUnsafeMutableBytes { raw in
            var header = cmsghdr()
            header.cmsg_len = Self.aligned(Self.headerSize) + dataLength
            header.cmsg_level = SOL_SOCKET
            header.cmsg_type = Int32(SCM_RIGHTS)
            raw.storeBytes(of: header, toByteOffset: 0, as: cmsghdr.self)
            for (index, descriptor) in descriptors.enumerated() {
                raw.storeBytes(of: descriptor, toByteOffset: Self.aligned(Self.headerSize) + index * MemoryLayout<Int32>.size, as: Int32.self)
            }
        }
        var sent = 0
        while true {
            sent = bytes.withUnsafeBytes { raw -> Int in
                control.withUnsafeMutableBytes { controlBytes -> Int in
                    var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer -> Int in
                        var header = msghdr()
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        header.msg_control = controlBytes.baseAddress
                        header.msg_controllen = Self.aligned(Self.headerSize) + dataLength
                        return sendmsg(fileDescriptor, &header, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw .disconnected(reason: "write failed: \(Errno.text(errno))")
            }
            break
        }
        // The descriptors went with the first byte; the rest is plain bytes.
        if sent < bytes.count { try writeAll(Array(bytes[sent...])) }
    }
}
