import Glibc

/// An AF_UNIX stream socket address for the control socket, shared by the daemon's server and the client.
public struct UnixSocketAddress: Sendable {
    public let path: String
    private let address: sockaddr_un

    /// The longest path the kernel accepts (sun_path without its terminating NUL).
    public static var maximumPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 }

    /// nil when the path is longer than `maximumPathBytes`.
    public init?(_ path: String) {
        let bytes = Array(path.utf8)
        guard bytes.count <= Self.maximumPathBytes else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        self.path = path; self.address = address
    }

    /// A new close-on-exec stream socket, or -1 with errno set.
    public static func makeSocket() -> Int32 { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }

    /// connect(2): 0, or -1 with errno set.
    public func connect(_ fd: Int32) -> Int32 { withSockaddr { Glibc.connect(fd, $0, $1) } }

    /// bind(2): 0, or -1 with errno set.
    public func bind(_ fd: Int32) -> Int32 { withSockaddr { Glibc.bind(fd, $0, $1) } }

    private func withSockaddr(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var copy = address
        return withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    }
}
