import Glibc
import IoMTLab
import IoMTTransport
import Testing

/// The RFCOMM byte stream over a real connected socket (one end of a socketpair stands in for the socket bluetoothd
/// hands over; the test holds the device's end). Every path must close the descriptor: the test checks that no
/// descriptor of this process refers to the socket any more and that the device's end reads end of stream.
struct RFCOMMStreamTests {
    /// (the stream's end, the device's end, the inode of the stream's end). Close-on-exec: a child another test starts
    /// meanwhile must not inherit a copy, or the device's end would not see end of stream when ours closes.
    func connectedPair() throws -> (Int32, Int32, UInt64) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1], try #require(ProcessDescriptors.inode(of: ends[0])))
    }

    /// Whether the device's end sees end of stream, i.e. every copy of the stream's end was closed.
    func deviceSeesEndOfStream(_ device: Int32) async -> Bool {
        await Eventually.holds(within: 10, pollMilliseconds: 10) {
            var entry = pollfd(fd: device, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 0) > 0 else { return false }
            var byte: UInt8 = 0
            return read(device, &byte, 1) == 0
        }
    }

    @Test func deliversBytesThenEndsAsUnpluggedAtEndOfStreamAndClosesTheSocket() async throws {
        let (ours, device, inode) = try connectedPair()
        let stream = RFCOMMStream(descriptor: ours, label: "bluetooth 00:1C:05:00:00:01")
        let log = EventLog()
        stream.start(onEvent: log.append)
        let spotCheck: [UInt8] = [0x00, 0x02, 0x00, 0x0D, 0x00, 0x0E]
        #expect(write(device, spotCheck, spotCheck.count) == spotCheck.count)
        #expect(await log.waitUntil { $0.data == spotCheck })
        close(device) // the oximeter ends its session and drops the link
        #expect(await log.waitUntil { !$0.closeReasons.isEmpty })
        #expect(log.openedCount == 1)
        guard case .unplugged(let detail)? = log.closeReasons.first else { Issue.record("closed: \(log.closeReasons)"); return }
        #expect(detail.contains("end of stream"))
        #expect(log.closeReasons.count == 1, "one close, whatever the order of hang-up and data")
        #expect(ProcessDescriptors.referringToSocket(inode: inode).isEmpty, "the socket's descriptor is closed")
        #expect(!stream.isOpen)
    }

    @Test func stopEndsTheStreamClosesTheSocketAndRefusesFurtherWrites() async throws {
        let (ours, device, inode) = try connectedPair()
        defer { close(device) }
        let stream = RFCOMMStream(descriptor: ours, label: "bluetooth 00:1C:05:00:00:02")
        let log = EventLog()
        stream.start(onEvent: log.append)
        #expect(await log.waitUntil { $0.openedCount == 1 })
        let select13: [UInt8] = [0x02, 0x70, 0x02, 0x02, 0x0D, 0x03]
        try stream.send(select13)
        var received = [UInt8](repeating: 0, count: 16)
        let count = read(device, &received, received.count)
        #expect(Array(received.prefix(max(0, count))) == select13, "a driver's command reaches the device")
        stream.stop(.unplugged("replaced"))
        #expect(await log.waitUntil { !$0.closeReasons.isEmpty })
        #expect(log.closeReasons == [.unplugged("replaced")], "the stop reason is the close reason")
        #expect(await deviceSeesEndOfStream(device))
        #expect(ProcessDescriptors.referringToSocket(inode: inode).isEmpty)
        #expect(throws: SerialError.closed(path: "bluetooth 00:1C:05:00:00:02")) { try stream.send(select13) }
    }

    @Test func aStreamNeverStartedClosesItsSocketWhenStoppedOrReleased() async throws {
        let (first, firstDevice, firstInode) = try connectedPair()
        let (second, secondDevice, secondInode) = try connectedPair()
        defer { close(firstDevice); close(secondDevice) }
        let stopped = RFCOMMStream(descriptor: first, label: "stopped")
        stopped.stop()
        #expect(ProcessDescriptors.referringToSocket(inode: firstInode).isEmpty, "stop before start closes at once")
        let log = EventLog()
        stopped.start(onEvent: log.append)
        #expect(await log.waitUntil { !$0.closeReasons.isEmpty })
        #expect(log.all == [.closed(.stopped)], "a stream stopped before it started reports only its end")
        do { _ = RFCOMMStream(descriptor: second, label: "dropped") } // e.g. an event nobody consumed
        #expect(ProcessDescriptors.referringToSocket(inode: secondInode).isEmpty, "releasing an unstarted stream closes its socket")
        #expect(await deviceSeesEndOfStream(secondDevice))
    }
}

/// One SPP device across its connections, as its runner sees it: like a serial port plugged in and out.
struct RFCOMMDeviceLinkTests {
    func pair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1])
    }

    @Test func aReplacingConnectionOpensOnlyAfterTheOldOneClosedAndStopEndsTheLinkOnce() async throws {
        let link = RFCOMMDeviceLink(address: "00:1C:05:00:00:01")
        let log = EventLog()
        link.start(onEvent: log.append)
        let (first, firstDevice) = try pair()
        defer { close(firstDevice) }
        link.attach(RFCOMMStream(descriptor: first, label: "first"))
        #expect(await log.waitUntil { $0.openedCount == 1 })
        let (second, secondDevice) = try pair()
        defer { close(secondDevice) }
        link.attach(RFCOMMStream(descriptor: second, label: "second")) // the first is half-open: its device end is still open
        #expect(await log.waitUntil { $0.openedCount == 2 })
        let kinds = log.all.map { event -> String in
            switch event {
            case .opened(let label): "opened \(label)"
            case .closed(let reason): "closed \(reason)"
            default: "other"
            }
        }
        #expect(kinds == ["opened first", "closed unplugged: replaced: the device connected again", "opened second"])
        let bytes: [UInt8] = [0x00, 0x02, 0x00, 0x0D]
        #expect(write(secondDevice, bytes, bytes.count) == bytes.count)
        #expect(await log.waitUntil { $0.data == bytes })
        link.stop()
        #expect(await log.waitUntil { $0.closeReasons.count == 2 })
        #expect(log.closeReasons.last == .stopped, "only stop ends the link")
        link.stop()
        let (late, lateDevice) = try pair()
        defer { close(lateDevice) }
        let lateInode = try #require(ProcessDescriptors.inode(of: late))
        link.attach(RFCOMMStream(descriptor: late, label: "late"))
        #expect(ProcessDescriptors.referringToSocket(inode: lateInode).isEmpty, "a connection after stop is closed at once")
        #expect(log.closeReasons.count == 2 && log.openedCount == 2)
    }
}
