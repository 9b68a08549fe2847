import IoMTDBus
import Testing

@Suite struct MessageTests {
    /// A big-endian signal built byte by byte from the layout in the spec ("Message Format",
    /// "Header Fields"): path "/a", interface "x.y", member "Z", signature "u", body 0x01020304.
    static let bigEndianSignal: [UInt8] = [
        0x42, 4, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 55,
        1, 1, 0x6f, 0, 0, 0, 0, 2, 0x2f, 0x61, 0, 0, 0, 0, 0, 0,
        2, 1, 0x73, 0, 0, 0, 0, 3, 0x78, 0x2e, 0x79, 0, 0, 0, 0, 0,
        3, 1, 0x73, 0, 0, 0, 0, 1, 0x5a, 0, 0, 0, 0, 0, 0, 0,
        8, 1, 0x67, 0, 1, 0x75, 0, 0,
        1, 2, 3, 4,
    ]

    @Test func decodesAHandBuiltBigEndianSignal() throws {
        #expect(try DBusMessage.frameLength(prefix: Self.bigEndianSignal.prefix(16)) == Self.bigEndianSignal.count)
        let message = try DBusMessage.decode(Self.bigEndianSignal)
        #expect(message.type == .signal)
        #expect(message.serial == 7)
        #expect(message.path == "/a")
        #expect(message.interface == "x.y")
        #expect(message.member == "Z")
        #expect(message.signature.text == "u")
        #expect(message.body == [.uint32(0x0102_0304)])
    }

    @Test func bigEndianEncodingDecodesToTheSameMessage() throws {
        let call = DBusMessage.methodCall(destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.bluez.Adapter1",
                                          member: "SetDiscoveryFilter",
                                          body: [.stringVariantDictionary(["Transport": .string("le"), "RSSI": .int16(-90)])],
                                          flags: [.noAutoStart, .allowInteractiveAuthorization])
        for endianness in [DBusEndianness.little, .big] {
            let bytes = try call.encoded(serial: 42, endianness: endianness)
            #expect(bytes[0] == endianness.rawValue)
            var expected = call
            expected.serial = 42
            expected.fields.signature = "a{sv}"
            #expect(try DBusMessage.decode(bytes) == expected)
        }
    }

    @Test func headerFieldsOfRepliesAndErrors() throws {
        var call = DBusMessage.methodCall(destination: ":1.7", path: "/", interface: "org.bluez.Agent1", member: "RequestPasskey",
                                          body: [.objectPath("/org/bluez/hci0/dev_AA")])
        call.serial = 5
        call.fields.sender = ":1.3"
        let error = try DBusMessage.decode(DBusMessage.error(to: call, name: "org.bluez.Error.Rejected", message: "no").encoded(serial: 6))
        #expect(error.type == .error)
        #expect(error.replySerial == 5)
        #expect(error.destination == ":1.3")
        #expect(error.errorName == "org.bluez.Error.Rejected")
        #expect(error.errorMessage == "no")
        let reply = try DBusMessage.decode(DBusMessage.methodReturn(to: call, body: [.uint32(123456)]).encoded(serial: 7))
        #expect(reply.flags.contains(.noReplyExpected))
        #expect(reply.body == [.uint32(123456)])
        var withFDs = call
        withFDs.fields.unixFDs = 0
        #expect(try DBusMessage.decode(withFDs.encoded(serial: 8)).fields.unixFDs == 0)
    }

    @Test func encodingRefusesInvalidNamesAndMissingFields() {
        #expect(throws: DBusWireError.invalidName(kind: "interface name", name: "bluez")) {
            try DBusMessage.methodCall(destination: nil, path: "/", interface: "bluez", member: "X").encoded(serial: 1)
        }
        #expect(throws: DBusWireError.zeroSerial) {
            try DBusMessage.methodCall(destination: nil, path: "/", interface: nil, member: "X").encoded(serial: 0)
        }
        let signalWithoutInterface = DBusMessage(type: .signal, fields: DBusHeaderFields(path: "/", member: "X"))
        #expect(throws: DBusWireError.missingHeaderField("INTERFACE", messageType: "signal")) { try signalWithoutInterface.encoded(serial: 1) }
    }

    @Test func frameLengthRefusesOversizedMessages() {
        let header: [UInt8] = [0x6c, 1, 0, 1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DBusWireError.self) { try DBusMessage.frameLength(prefix: header[...]) }
    }
}
