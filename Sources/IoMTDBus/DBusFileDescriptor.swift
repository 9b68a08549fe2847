import Glibc
import Synchronization

/// A file descriptor that arrived with a message (SCM_RIGHTS; the message's `unix_fds` header counts them and its
/// `h` values index them). Whoever `take()`s it owns it and must close it; one a method handler did not take is closed
/// before the call's reply is sent, any other when the last reference goes, so a descriptor a peer passes (BlueZ's
/// RFCOMM socket) is never leaked.
public final class DBusFileDescriptor: Sendable, Hashable {
    private let descriptor: Mutex<Int32?>

    init(_ descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    /// The descriptor, now the caller's to close; nil when it was taken already.
    public func take() -> Int32? { descriptor.withLock { value in defer { value = nil }; return value } }

    deinit { if let fd = descriptor.withLock({ $0 }) { close(fd) } }

    public static func == (lhs: DBusFileDescriptor, rhs: DBusFileDescriptor) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
