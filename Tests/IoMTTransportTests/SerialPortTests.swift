import IoMTCore
import Glibc
import IoMTProfiles
@testable import IoMTTransport
import Testing

@Suite struct SerialPortTests {
    @Test func settingsAreAppliedToTheTerminal() throws {
        let pty = try PseudoTerminal()
        let settings = SerialSettings(baudRate: 19200, dataBits: 7, parity: .odd, stopBits: 2, flowControl: .rtscts)
        let port = try SerialPort.open(path: pty.slavePath, settings: settings)
        defer { port.close() }

        // Read back through a different descriptor of the same terminal.
        var options = termios()
        #expect(tcgetattr(pty.slaveDescriptor, &options) == 0)
        #expect(cfgetospeed(&options) == speed_t(B19200))
        #expect(cfgetispeed(&options) == speed_t(B19200))
        // The Linux pty driver forces CS8 and clears PARENB on every set (pty_set_termios), so the
        // character size and parity enable are checked on the computed termios below instead.
        #expect(options.c_cflag & flag(PARODD) != 0)
        #expect(options.c_iflag & flag(INPCK) != 0)
        #expect(options.c_cflag & flag(CSTOPB) != 0)
        #expect(options.c_cflag & flag(CRTSCTS) != 0)
        #expect(options.c_cflag & flag(CLOCAL | CREAD) == flag(CLOCAL | CREAD))
        #expect(options.c_lflag & flag(ECHO | ICANON | ISIG | IEXTEN) == 0)
        #expect(options.c_iflag & flag(ICRNL | INLCR | IGNCR | IXON | IXOFF | ISTRIP) == 0)
        #expect(options.c_oflag & flag(OPOST) == 0)
        let (vmin, vtime) = withUnsafeBytes(of: options.c_cc) { ($0[Int(VMIN)], $0[Int(VTIME)]) }
        #expect(vmin == 0 && vtime == 0)
    }

    @Test func evenParityOneStopXonXoffEightBits() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 115200, parity: .even, flowControl: .xonxoff))
        defer { port.close() }
        var options = termios()
        #expect(tcgetattr(pty.slaveDescriptor, &options) == 0)
        #expect(cfgetospeed(&options) == speed_t(B115200))
        #expect(options.c_cflag & flag(CSIZE) == flag(CS8))
        #expect(options.c_cflag & flag(PARODD) == 0)
        #expect(options.c_iflag & flag(INPCK) != 0)
        #expect(options.c_cflag & flag(CSTOPB) == 0 && options.c_cflag & flag(CRTSCTS) == 0)
        #expect(options.c_iflag & flag(IXON | IXOFF) == flag(IXON | IXOFF))
    }

    /// What we ask the kernel for, for the fields a pty does not keep (CSIZE, PARENB).
    @Test func computedTermiosCarriesSizeAndParity() throws {
        for (bits, size) in [(5, CS5), (6, CS6), (7, CS7), (8, CS8)] {
            var options = termios()
            options.c_cflag = flag(CS8 | PARENB | CSTOPB) // stale values must be replaced
            try TermiosConfiguration.apply(SerialSettings(baudRate: 9600, dataBits: bits, parity: .none, stopBits: 1), to: &options, path: "t")
            #expect(options.c_cflag & flag(CSIZE) == flag(size))
            #expect(options.c_cflag & flag(PARENB | CSTOPB) == 0)
            #expect(options.c_iflag & flag(INPCK) == 0)
        }
        var odd = termios()
        try TermiosConfiguration.apply(SerialSettings(baudRate: 19200, parity: .odd), to: &odd, path: "t")
        #expect(odd.c_cflag & flag(PARENB | PARODD) == flag(PARENB | PARODD))
        var even = termios()
        try TermiosConfiguration.apply(SerialSettings(baudRate: 19200, parity: .even), to: &even, path: "t")
        #expect(even.c_cflag & flag(PARENB | PARODD) == flag(PARENB))
        #expect(even.c_iflag & flag(INPCK) != 0)
    }

    @Test(arguments: [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600])
    func everyStandardRateMapsToItsConstant(rate: Int) throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: rate))
        defer { port.close() }
        var options = try port.currentAttributes()
        #expect(BaudRate.rate(for: cfgetospeed(&options)) == rate)
    }

    @Test func unsupportedBaudRateIsRefusedNamingTheValueAndTheAllowedSet() throws {
        let pty = try PseudoTerminal()
        do {
            _ = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 12345))
            Issue.record("12345 baud was accepted")
        } catch {
            #expect(error == .unsupportedBaudRate(12345, path: pty.slavePath))
            #expect(error.description.contains("12345"))
            #expect(error.description.contains("9600") && error.description.contains("921600"))
            #expect(!error.isTransient)
        }
    }

    @Test func invalidDataBitsAreRefused() throws {
        let pty = try PseudoTerminal()
        #expect(throws: SerialError.invalidSetting(path: pty.slavePath, field: "dataBits", value: 9, expected: "5, 6, 7 or 8")) {
            try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 9600, dataBits: 9))
        }
    }

    @Test func missingPathIsReportedAsNotFound() {
        #expect(throws: SerialError.notFound(path: "/tmp/iomt-no-such-tty")) {
            try SerialPort.open(path: "/tmp/iomt-no-such-tty", settings: SerialSettings(baudRate: 9600))
        }
    }

    @Test func secondOpenIsRefusedInThisProcess() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 9600))
        defer { port.close() }
        #expect(throws: SerialError.busy(path: pty.slavePath)) {
            try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 9600))
        }
        // TIOCEXCL is set as well (TIOCGEXCL = _IOR('T', 0x40, int)).
        var exclusive: Int32 = 0
        #expect(ioctl(pty.slaveDescriptor, UInt(0x8004_5440), &exclusive) == 0)
        #expect(exclusive == 1)
    }

    @Test func secondOpenByAnotherProcessIsRefused() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 9600))
        defer { port.close() }
        // The child only makes async-signal-safe calls: open, flock, _exit.
        // Exit 0: it got the device (bad); 1: lock held; 2: open refused (EBUSY from TIOCEXCL for non-root).
        let status: Int32 = pty.slavePath.withCString { path in
            let child = fork()
            if child == 0 {
                let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
                if fd < 0 { _exit(errno == EBUSY ? 2 : 3) }
                _exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1)
            }
            var status: Int32 = 0
            waitpid(child, &status, 0)
            return (status >> 8) & 0xff
        }
        #expect(status == 1 || status == 2, "child exit \(status)")
        // After close, another process may take it.
        port.close()
        let reopened = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 9600))
        reopened.close()
    }

    @Test func bytesRoundTripBothWaysInArbitraryChunks() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 115200))
        defer { port.close() }
        var random = SeededRandom(seed: 99)
        // Every byte value, including CR, LF, XON/XOFF, ^C and 0xFF, must pass untouched.
        let payload = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &random) } + Array(0...255)

        var received: [UInt8] = []
        var offset = 0
        while offset < payload.count {
            let size = Int.random(in: 1...61, using: &random)
            let chunk = Array(payload[offset..<min(payload.count, offset + size)])
            var sent = 0
            while sent < chunk.count {
                sent += pty.writeMaster(Array(chunk[sent...]))
                // Drain as we go, so a full pty buffer never stalls the writer.
                if case .bytes(let bytes) = try port.read(max: 113) { received += bytes }
            }
            offset += chunk.count
        }
        received += try readAll(from: port, count: payload.count - received.count)
        #expect(received == payload)

        var back: [UInt8] = []
        offset = 0
        while offset < payload.count {
            let size = Int.random(in: 1...200, using: &random)
            try port.write(Array(payload[offset..<min(payload.count, offset + size)]))
            offset += size
            back += pty.readMaster()
        }
        let deadline = monotonicSeconds() + 10
        while back.count < payload.count, monotonicSeconds() < deadline {
            var ready = pollfd(fd: pty.masterDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, 100) // wakes when the bytes are there, not after a fixed pause
            back += pty.readMaster()
        }
        #expect(back == payload)
    }

    @Test func closingTheMasterIsSeenAsUnplug() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: SerialSettings(baudRate: 19200, parity: .odd))
        defer { port.close() }
        pty.writeMaster([1, 2, 3])
        #expect(try readAll(from: port, count: 3) == [1, 2, 3])
        pty.close()
        #expect(port.waitReadable(timeoutMilliseconds: 5000))
        guard case .hangup = try port.read() else {
            Issue.record("expected a hang-up after the master closed")
            return
        }
        // Writing to a hung-up tty fails with EIO: classified as unplugged.
        #expect {
            try port.write([0x7d])
        } throws: { error in
            guard let error = error as? SerialError, case .unplugged = error else { return false }
            return true
        }
    }
}
