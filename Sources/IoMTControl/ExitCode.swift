/// How an iomtctl command ended, the same on both sides of the control socket: the daemon puts it in its
/// reply, iomtctl exits with it (docs/man/iomtctl.1, "EXIT STATUS").
public enum ExitCode: Int32, Sendable, Hashable, CaseIterable {
    case ok = 0
    /// The operation was tried and failed (daemon not reachable, store refused, no such alert…).
    case failed = 1
    /// Bad usage or input: an unknown command or option, a malformed value.
    case usage = 2
    /// The caller may not do this (control socket peer credentials, file permissions).
    case permissionDenied = 3
}
