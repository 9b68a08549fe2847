import Glibc
import IoMTDBus
import IoMTLab
import Synchronization
import Testing

/// UNIX_FD passing through the reference bus (issue 16: BlueZ hands an RFCOMM socket to `Profile1.NewConnection` as an
/// `h` argument). One end of a socketpair goes from one client to the other's exported method, shaped like
/// NewConnection(o device, h fd, a{sv} properties); what the receiver writes into the descriptor it got comes out at
/// the other end of the pair.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct FileDescriptorPassingTests {
    final class Received: Sendable {
        let descriptor = Mutex<Int32?>(nil)
        let index = Mutex<UInt32?>(nil)
    }

    func socketPair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1])
    }

    @Test func aDescriptorPassedToAnExportedMethodReachesItsHandlerAndWorks() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let receiver = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), negotiateUnixFDs: true)
        let sender = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), negotiateUnixFDs: true)
        defer { receiver.close(); sender.close() }
        let received = Received()
        try receiver.export(DBusObject(path: "/org/iomtd/profile", interfaces: [
            DBusInterface("org.bluez.Profile1", methods: [
                DBusMethod("NewConnection", in: [DBusArgument("device", .objectPath), DBusArgument("fd", .unixFD),
                                                 DBusArgument("properties", .array(.dictEntry(key: .string, value: .variant)))]) { call in
                    guard case let .unixFD(index) = call.arguments[1], Int(index) < call.message.fileDescriptors.count else {
                        throw DBusMethodError(name: "org.bluez.Error.Rejected", message: "no descriptor")
                    }
                    received.index.withLock { $0 = index }
                    received.descriptor.withLock { $0 = call.message.fileDescriptors[Int(index)].take() }
                    return []
                },
            ]),
        ]))
        let (ours, theirs) = try socketPair()
        defer { close(ours) }
        let call = DBusMessage.methodCall(destination: receiver.uniqueName, path: "/org/iomtd/profile", interface: "org.bluez.Profile1",
                                          member: "NewConnection",
                                          body: [.objectPath("/org/bluez/hci0/dev_00_1C_05_00_00_01"), .unixFD(0), .stringVariantDictionary([:])])
        let reply = try await sender.call(call, passing: [theirs])
        close(theirs) // the receiver has its own duplicate now
        #expect(reply.type == .methodReturn)
        let descriptor = try #require(received.descriptor.withLock { $0 }, "the handler got no descriptor")
        #expect(received.index.withLock { $0 } == 0)
        defer { close(descriptor) }
        let text = Array("spot-check 97 %".utf8)
        #expect(write(descriptor, text, text.count) == text.count)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(ours, &buffer, buffer.count)
        #expect(Array(buffer.prefix(max(0, count))) == text, "bytes written to the passed descriptor arrive at the other end")
    }

    @Test func descriptorsAreRefusedOnAConnectionThatDidNotNegotiateThem() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let plain = try await bus.connect()
        defer { plain.close() }
        let (first, second) = try socketPair()
        defer { close(first); close(second) }
        let signal = DBusMessage.signal(path: "/org/iomtd/test", interface: "org.iomtd.Test", member: "Passed", body: [.unixFD(0)])
        #expect(throws: DBusError.self) { try plain.send(signal, passing: [first]) }
    }

    @Test func aDescriptorNobodyTakesIsClosed() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let receiver = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), negotiateUnixFDs: true)
        let sender = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), negotiateUnixFDs: true)
        defer { receiver.close(); sender.close() }
        try receiver.export(DBusObject(path: "/org/iomtd/ignore", interfaces: [
            DBusInterface("org.iomtd.Test", methods: [DBusMethod("Ignore", in: [DBusArgument("fd", .unixFD)]) { _ in [] }]),
        ]))
        let (ours, theirs) = try socketPair()
        defer { close(ours) }
        _ = try await sender.call(.methodCall(destination: receiver.uniqueName, path: "/org/iomtd/ignore", interface: "org.iomtd.Test",
                                              member: "Ignore", body: [.unixFD(0)]), passing: [theirs])
        close(theirs)
        // Every copy of the other end is closed once the receiver dropped the message: reading sees end of stream.
        var pollEntry = pollfd(fd: ours, events: Int16(POLLIN), revents: 0)
        let ready = await Eventually.holds(within: 5, pollMilliseconds: 20) { poll(&pollEntry, 1, 0) > 0 }
        #expect(ready)
        var byte: UInt8 = 0
        #expect(read(ours, &byte, 1) == 0, "end of stream: the unclaimed duplicate was closed, not leaked")
    }
}
