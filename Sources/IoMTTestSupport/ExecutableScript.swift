import Glibc

/// A test's shell script (an alert hook, a watchdog helper) written so that it can be executed at once.
///
/// Foundation's `write(toFile:atomically:)` leaves the file's write descriptor open without close-on-exec for a moment;
/// a child that another test forks in that moment (iomtd, a simulator) keeps it open for its whole life, and every
/// exec of the script then fails with ETXTBSY ("Text file busy") — seen as an alert hook that never ran. Here the
/// descriptor is close-on-exec from the open on, so no child can carry it.
public enum ExecutableScript {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let errno: Int32
        public var description: String { "cannot write the script \(path): \(String(cString: strerror(errno)))" }
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw WriteError(path: path, errno: Glibc.errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0, Glibc.errno == EINTR { continue }
            guard count > 0 else { throw WriteError(path: path, errno: Glibc.errno) }
            written += count
        }
        // O_CREAT's mode applies only to a new file and is masked by the umask: set it outright.
        guard fchmod(fd, 0o755) == 0 else { throw WriteError(path: path, errno: Glibc.errno) }
    }
}
