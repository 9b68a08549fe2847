import Glibc
@testable import IoMTDBus
import IoMTSystem
import Synchronization
import Testing

/// A peer that authenticates properly, answers Hello, then misbehaves: the connection must end
/// with a clear reason (pending calls fail), never trap.
@Suite struct HostilePeerTests {
    /// Listens on a fresh socket path; `serve` runs on its own thread with the accepted descriptor.
    final class FakeBus: Sendable {
        let path: String
        let listener: Int32

        init(serve: @escaping @Sendable (Int32) -> Void) throws {
            let path = "/tmp/iomt-dbus-hostile-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            self.path = path
            self.listener = fd
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0, listen(fd, 1) == 0 else { throw TestFailure("cannot listen on \(path)") }
            let listening = self.listener
            DedicatedThread.start {
                let client = accept(listening, nil, nil)
                guard client >= 0 else { return }
                serve(client)
                close(client)
            }
        }

        deinit {
            close(listener)
            unlink(path)
        }
    }

    /// Reads one CR LF line (the credentials nul byte is skipped).
    static func readLine(_ fd: Int32) -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == 0 && line.isEmpty { continue }
            line.append(byte)
            if line.suffix(2) == [13, 10] { break }
        }
        return String(decoding: line.dropLast(2), as: UTF8.self)
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Plays the server side of authentication and Hello, then sends `afterHello`.
    static func misbehave(_ fd: Int32, afterHello: [UInt8], lines: SendableBox<[String]>) {
        var seen: [String] = []
        seen.append(readLine(fd))
        write(fd, Array("OK 0123456789abcdef0123456789abcdef\r\n".utf8))
        seen.append(readLine(fd))
        lines.set(seen)
        var header = [UInt8](repeating: 0, count: 16)
        guard recv(fd, &header, 16, Int32(MSG_WAITALL)) == 16, let length = try? DBusMessage.frameLength(prefix: header[...]) else { return }
        var rest = [UInt8](repeating: 0, count: length - 16)
        _ = recv(fd, &rest, rest.count, Int32(MSG_WAITALL))
        guard let hello = try? DBusMessage.decode(header + rest) else { return }
        var reply = DBusMessage.methodReturn(to: hello, body: [.string(":1.99")])
        reply.fields.sender = "org.freedesktop.DBus"
        write(fd, (try? reply.encoded(serial: 1)) ?? [])
        write(fd, afterHello)
        // Keep the socket open: the client must end the connection itself.
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {}
    }

    @Test(arguments: [
        ("garbage", Array(repeating: UInt8(0xAB), count: 64)),
        ("bad padding", { () -> [UInt8] in
            var bytes = (try? DBusMessage.signal(path: "/a", interface: "x.y", member: "Z", body: [.byte(1), .uint32(2)]).encoded(serial: 5)) ?? []
            bytes[bytes.count - 5] = 0xFF // the padding between the byte and the uint32
            return bytes
        }()),
        ("oversized", [0x6c, 1, 0, 1, 0xff, 0xff, 0xff, 0x0f, 1, 0, 0, 0, 0, 0, 0, 0]),
    ])
    func invalidMessagesEndTheConnectionWithAReason(name: String, payload: [UInt8]) async throws {
        let lines = SendableBox<[String]>([])
        let bus = try FakeBus { fd in Self.misbehave(fd, afterHello: payload, lines: lines) }
        let connection = try await DBusConnection.connect(address: "unix:path=\(bus.path)")
        #expect(connection.uniqueName == ":1.99")
        #expect(lines.get().first?.hasPrefix("AUTH EXTERNAL ") == true)
        #expect(lines.get().last == "BEGIN")
        guard case .disconnected(let reason) = await connection.closed() else { Issue.record("not disconnected"); return }
        #expect(reason.contains("invalid message"), "\(name): \(reason)")
        await #expect(throws: DBusError.self) { _ = try await connection.listNames() }
        connection.close()
    }

    /// A message that declares descriptors the peer never passed must not be handed on with someone else's (or none):
    /// the connection ends, naming the mismatch.
    @Test func aMessageDeclaringDescriptorsThatNeverCameEndsTheConnection() async throws {
        var liar = DBusMessage.signal(path: "/org/bluez/hci0", interface: "org.bluez.Profile1", member: "NewConnection", body: [.unixFD(0)])
        liar.fields.unixFDs = 1
        let payload = try liar.encoded(serial: 7)
        let bus = try FakeBus { fd in Self.misbehave(fd, afterHello: payload, lines: SendableBox([])) }
        let connection = try await DBusConnection.connect(address: "unix:path=\(bus.path)")
        guard case .disconnected(let reason) = await connection.closed() else { Issue.record("not disconnected"); return }
        #expect(reason.contains("declared 1 file descriptor(s) but 0 arrived"), "\(reason)")
        connection.close()
    }

    @Test func oversizedFramesAreSkippedWithoutLosingSync() throws {
        let first = try DBusMessage.signal(path: "/a", interface: "x.y", member: "One").encoded(serial: 1)
        let big = try DBusMessage.signal(path: "/a", interface: "x.y", member: "Big", body: [.byteArray(Array(repeating: 7, count: 500))]).encoded(serial: 2)
        let second = try DBusMessage.signal(path: "/a", interface: "x.y", member: "Two").encoded(serial: 3)
        let stream = first + big + second
        for chunk in [1, 7, 16, 100, stream.count] {
            var frames = FrameBuffer(maxFrameLength: 256)
            var members: [String] = []
            var offset = 0
            while offset < stream.count {
                frames.append(Array(stream[offset..<min(offset + chunk, stream.count)]))
                offset += chunk
                while let frame = try frames.nextFrame() { members.append(try DBusMessage.decode(frame).member ?? "") }
            }
            #expect(members == ["One", "Two"], "chunks of \(chunk)")
            #expect(frames.skippedFrames == 1)
        }
    }

    @Test func framesSplitAcrossReadsAndJoinedInOneRead() throws {
        let first = try DBusMessage.signal(path: "/a", interface: "x.y", member: "One").encoded(serial: 1)
        let second = try DBusMessage.signal(path: "/a", interface: "x.y", member: "Two", body: [.string("payload")]).encoded(serial: 2)
        let stream = first + second
        for split in 0...stream.count {
            var frames = FrameBuffer()
            var members: [String] = []
            frames.append(Array(stream[..<split]))
            while let frame = try frames.nextFrame() { members.append(try DBusMessage.decode(frame).member ?? "") }
            frames.append(Array(stream[split...]))
            while let frame = try frames.nextFrame() { members.append(try DBusMessage.decode(frame).member ?? "") }
            #expect(members == ["One", "Two"], "split at \(split)")
        }
    }
}

/// A value shared between a test and the thread serving it.
final class SendableBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}
