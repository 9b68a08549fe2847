import Glibc

/// A pseudo-terminal pair: the *slave* behaves like a device node (/dev/pts/N) that the daemon
/// opens; the *master* is the device side, written by simulators.
///
/// We keep a slave descriptor open ourselves so the pty exists (and master writes succeed) before
/// and between daemon connections, and put the slave in raw mode so bytes pass untouched even
/// before anyone configures it. Closing the master hangs up every slave opener: reads see
/// POLLHUP and end-of-file — the "unplug" a USB serial adapter produces.
public final class PseudoTerminal: @unchecked Sendable {
    // @unchecked: descriptors are immutable after init except `close()`, which the owner calls once.
    public private(set) var masterDescriptor: Int32
    public private(set) var slaveDescriptor: Int32
    public let slavePath: String

    // _IOW('T', 0x31, int) and _IOR('T', 0x30, unsigned int) from <asm-generic/ioctls.h>; the
    // function-like macros do not import into Swift.
    static let setLock: UInt = 0x4004_5431
    static let getNumber: UInt = 0x8004_5430

    public init() throws(SerialError) {
        // posix_openpt/grantpt/unlockpt/ptsname are hidden behind feature macros in the Glibc module;
        // their Linux implementation is /dev/ptmx plus two ioctls (devpts needs no grantpt).
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        if master < 0 { throw .system(path: "/dev/ptmx", operation: "open", errno: errno) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, PseudoTerminal.setLock, &unlock) == 0, ioctl(master, PseudoTerminal.getNumber, &number) == 0 else {
            let code = errno
            _ = Glibc.close(master)
            throw .system(path: "/dev/ptmx", operation: "ioctl(TIOCSPTLCK/TIOCGPTN)", errno: code)
        }
        let path = "/dev/pts/\(number)"
        let slave = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if slave < 0 {
            let code = errno
            _ = Glibc.close(master)
            throw .system(path: path, operation: "open slave", errno: code)
        }
        var options = termios()
        tcgetattr(slave, &options)
        cfmakeraw(&options)
        tcsetattr(slave, TCSANOW, &options)
        // The device side never blocks: a simulator drops frames rather than stall when nobody reads.
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        masterDescriptor = master; slaveDescriptor = slave; slavePath = path
    }

    deinit { close() }

    /// Writes as much as the pty accepts now; returns the count (0 when full or closed).
    @discardableResult
    public func writeMaster(_ bytes: [UInt8]) -> Int {
        guard masterDescriptor >= 0, !bytes.isEmpty else { return 0 }
        let written = bytes.withUnsafeBytes { Glibc.write(masterDescriptor, $0.baseAddress, $0.count) }
        return max(0, written)
    }

    /// Reads what the slave side has sent (host → device), without blocking.
    public func readMaster(max: Int = 4096) -> [UInt8] {
        guard masterDescriptor >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(masterDescriptor, $0.baseAddress, $0.count) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    /// Closes the master (hanging up slave openers) and our slave descriptor.
    public func close() {
        if masterDescriptor >= 0 { _ = Glibc.close(masterDescriptor); masterDescriptor = -1 }
        if slaveDescriptor >= 0 { _ = Glibc.close(slaveDescriptor); slaveDescriptor = -1 }
    }

    /// Points `link` at this slave atomically (symlink to a temp name, then rename over `link`), so a
    /// reconnecting reader never sees the link missing.
    public func publish(symlink link: String) throws(SerialError) {
        let temporary = link + ".tmp-\(getpid())"
        _ = unlink(temporary)
        if symlink(slavePath, temporary) != 0 { throw .system(path: link, operation: "symlink", errno: errno) }
        if rename(temporary, link) != 0 {
            let code = errno
            _ = unlink(temporary)
            throw .system(path: link, operation: "rename symlink", errno: code)
        }
    }
}
