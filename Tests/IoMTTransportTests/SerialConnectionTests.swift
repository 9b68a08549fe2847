import Glibc
import IoMTProfiles
import IoMTTransport
import Testing

@Suite struct SerialConnectionTests {
    let fastBackoff = Backoff(initialMilliseconds: 20, maximumMilliseconds: 200)

    @Test func deliversDataAndSendsToTheDevice() async throws {
        let pty = try PseudoTerminal()
        let connection = SerialConnection(path: pty.slavePath, settings: SerialSettings(baudRate: 115200), backoff: fastBackoff)
        let log = EventLog(connection.chunks())
        #expect(await log.waitUntil { $0.openedCount == 1 })
        pty.writeMaster([0x01, 0x80, 0xFF])
        #expect(await log.waitUntil { $0.data == [0x01, 0x80, 0xFF] })

        try connection.send([0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])
        var received: [UInt8] = []
        let deadline = monotonicSeconds() + 10
        while received.count < 9, monotonicSeconds() < deadline {
            var readable = pollfd(fd: pty.masterDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&readable, 1, 100) > 0 { received += pty.readMaster() } // waits for the bytes, not for a time
        }
        #expect(received == [0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])

        connection.stop()
        await log.finished()
        #expect(log.closeReasons.last == .stopped)
        #expect(!connection.isConnected)
    }

    @Test func reconnectsThroughASymlinkSwapAfterUnplug() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let link = directory + "/ttyCMS50"
        let first = try PseudoTerminal()
        try first.publish(symlink: link)

        let connection = SerialConnection(path: link, settings: SerialSettings(baudRate: 19200, parity: .odd), backoff: fastBackoff)
        let log = EventLog(connection.chunks())
        #expect(await log.waitUntil { $0.openedCount == 1 })
        first.writeMaster([0xAA])
        #expect(await log.waitUntil { $0.data == [0xAA] })

        // Unplug as udev does it: the name goes first, then the device. Closing first left the link pointing at a
        // /dev/pts number that a parallel test's new pty could take, and the reconnect then opened that pty instead.
        unlink(link)
        first.close()
        #expect(await log.waitUntil { log in log.closeReasons.contains { if case .unplugged = $0 { true } else { false } } })

        let second = try PseudoTerminal() // replug: a new /dev/pts/N behind the same name
        try second.publish(symlink: link)
        #expect(await log.waitUntil { $0.openedCount == 2 })
        second.writeMaster([0xBB, 0xCC])
        #expect(await log.waitUntil { $0.data == [0xAA, 0xBB, 0xCC] })

        // Order of events: opened, data, closed(unplugged), [closed(unavailable) while reopening failed], opened, data…
        let kinds = log.all.map { event -> String in
            switch event {
            case .opened: return "opened"
            case .data: return "data"
            case .closed(.unplugged): return "unplugged"
            case .closed: return "closed"
            case .overrun: return "overrun"
            }
        }
        #expect(kinds.first == "opened")
        let unplugIndex = try #require(kinds.firstIndex(of: "unplugged"))
        #expect(kinds[..<unplugIndex].contains("data"))
        #expect(kinds[unplugIndex...].contains("opened"))
        connection.stop()
        await log.finished()
        second.close()
    }

    @Test func aPathThatAppearsLaterIsPickedUp() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let link = directory + "/ttyLate"
        let connection = SerialConnection(path: link, settings: SerialSettings(baudRate: 9600), backoff: fastBackoff)
        let log = EventLog(connection.chunks())
        #expect(await log.waitUntil { $0.closeReasons.first == .unavailable(SerialError.notFound(path: link).description) })

        let pty = try PseudoTerminal()
        try pty.publish(symlink: link)
        #expect(await log.waitUntil { $0.openedCount == 1 })
        pty.writeMaster([0x42])
        #expect(await log.waitUntil { $0.data == [0x42] })
        // Repeated not-found retries are reported once, not on every attempt.
        #expect(log.closeReasons.filter { $0 != .stopped }.count == 1)
        connection.stop()
        await log.finished()
    }

    @Test func unsupportedBaudRateEndsTheConnectionWithoutRetrying() async throws {
        let pty = try PseudoTerminal()
        let connection = SerialConnection(path: pty.slavePath, settings: SerialSettings(baudRate: 250), backoff: fastBackoff)
        let log = EventLog(connection.chunks())
        await log.finished()
        #expect(log.all.count == 1)
        guard case .closed(.failed(let message)) = log.all.first else {
            Issue.record("expected .failed, got \(log.all)")
            return
        }
        #expect(message.contains("250") && message.contains("115200"))
    }

    @Test func sendWhileDisconnectedThrowsClosed() {
        let connection = SerialConnection(path: "/tmp/iomt-never-there", settings: SerialSettings(baudRate: 9600))
        #expect(throws: SerialError.closed(path: "/tmp/iomt-never-there")) { try connection.send([1]) }
    }
}
