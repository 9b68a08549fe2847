import Glibc
import IoMTProfiles

/// Builds the termios for `SerialSettings`: raw mode (the cfmakeraw flags, spelled out so the
/// intent is visible) plus framing, parity, flow control and speed.
enum TermiosConfiguration {
    static func apply(_ settings: SerialSettings, to options: inout termios, path: String) throws(SerialError) {
        guard let speed = BaudRate.speed(for: settings.baudRate) else {
            throw .unsupportedBaudRate(settings.baudRate, path: path)
        }
        let size: tcflag_t
        switch settings.dataBits {
        case 5: size = flag(CS5)
        case 6: size = flag(CS6)
        case 7: size = flag(CS7)
        case 8: size = flag(CS8)
        default: throw .invalidSetting(path: path, field: "dataBits", value: settings.dataBits, expected: "5, 6, 7 or 8")
        }
        guard settings.stopBits == 1 || settings.stopBits == 2 else {
            throw .invalidSetting(path: path, field: "stopBits", value: settings.stopBits, expected: "1 or 2")
        }

        // Raw input: no break handling, no parity marking, no stripping, no CR/NL translation, no software flow.
        options.c_iflag &= ~flag(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF | IXANY | INPCK)
        // Raw output: no post-processing (no NL→CRNL).
        options.c_oflag &= ~flag(OPOST)
        // No echo, no canonical line editing, no signals from ^C/^Z, no extended processing.
        options.c_lflag &= ~flag(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG | IEXTEN)
        options.c_cflag &= ~(flag(CSIZE | PARENB | PARODD | CSTOPB) | flag(CRTSCTS))
        options.c_cflag |= size | flag(CLOCAL | CREAD)

        switch settings.parity {
        case .none: break
        case .odd: options.c_cflag |= flag(PARENB | PARODD); options.c_iflag |= flag(INPCK)
        case .even: options.c_cflag |= flag(PARENB); options.c_iflag |= flag(INPCK)
        }
        if settings.stopBits == 2 { options.c_cflag |= flag(CSTOPB) }
        switch settings.flowControl {
        case .none: break
        case .rtscts: options.c_cflag |= flag(CRTSCTS)
        case .xonxoff: options.c_iflag |= flag(IXON | IXOFF)
        }
        // Non-blocking reads return whatever is there; readiness comes from poll().
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
    }
}

@inline(__always) func flag<T: BinaryInteger>(_ value: T) -> tcflag_t { tcflag_t(truncatingIfNeeded: value) }

/// Whether the terminal holds the settings asked for, read back with tcgetattr. Needed because Linux answers
/// tcsetattr with EINVAL when a pty slave already holds those settings (a daemon restarted while the device
/// stayed attached), although nothing is wrong; a restart must not leave such a port unopened.
enum TermiosVerification {
    /// Unix98 pty slaves (/dev/pts/N) have majors 136–143 (Documentation/admin-guide/devices.txt).
    static let ptySlaveMajors: ClosedRange<UInt64> = 136...143

    static func holds(_ wanted: termios, fd: Int32) -> Bool {
        var effective = termios()
        guard tcgetattr(fd, &effective) == 0 else { return false }
        // The pty driver forces CS8 and clears PARENB on every set (pty_set_termios); nothing else may differ.
        let unkept: tcflag_t = isPseudoTerminalSlave(fd) ? flag(CSIZE | PARENB) : 0
        var want = wanted
        let sameControl = (effective.c_cflag & ~unkept) == (want.c_cflag & ~unkept)
        let sameModes = effective.c_iflag == want.c_iflag && effective.c_oflag == want.c_oflag && effective.c_lflag == want.c_lflag
        let sameSpeed = cfgetispeed(&effective) == cfgetispeed(&want) && cfgetospeed(&effective) == cfgetospeed(&want)
        let timing = { (options: termios) in withUnsafeBytes(of: options.c_cc) { [$0[Int(VMIN)], $0[Int(VTIME)]] } }
        return sameControl && sameModes && sameSpeed && timing(effective) == timing(want)
    }

    static func isPseudoTerminalSlave(_ fd: Int32) -> Bool {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFCHR else { return false }
        let device = UInt64(status.st_rdev)
        let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~UInt64(0xFFF))
        return ptySlaveMajors.contains(major)
    }
}
