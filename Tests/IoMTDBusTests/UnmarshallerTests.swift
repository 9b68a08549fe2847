import IoMTDBus
import Testing

/// Hostile input: each malformed layout must come back as a typed error, never a trap.
@Suite struct UnmarshallerTests {
    private func read(_ bytes: [UInt8], _ signature: DBusSignature, endianness: DBusEndianness = .little) throws(DBusWireError) -> [DBusValue] {
        var reader = DBusUnmarshaller(bytes: bytes, endianness: endianness)
        return try reader.read(signature.types)
    }

    @Test func nonZeroPaddingIsRefused() {
        #expect(throws: DBusWireError.nonZeroPadding(offset: 1)) { try read([1, 9, 0, 0, 5, 0, 0, 0], "yu") }
    }

    @Test func booleanMustBeZeroOrOne() {
        #expect(throws: DBusWireError.invalidBoolean(offset: 0, value: 2)) { try read([2, 0, 0, 0], "b") }
    }

    @Test func stringChecks() {
        #expect(throws: DBusWireError.missingNulTerminator(offset: 6)) { try read([2, 0, 0, 0, 0x61, 0x62, 0x63], "s") }
        #expect(throws: DBusWireError.embeddedNul(offset: 5)) { try read([2, 0, 0, 0, 0x61, 0, 0], "s") }
        // Overlong encoding of NUL (C0 80) and a lone surrogate (ED A0 80) are not UTF-8.
        #expect(throws: DBusWireError.invalidUTF8(offset: 4)) { try read([2, 0, 0, 0, 0xc0, 0x80, 0], "s") }
        #expect(throws: DBusWireError.invalidUTF8(offset: 4)) { try read([3, 0, 0, 0, 0xed, 0xa0, 0x80, 0], "s") }
        #expect(throws: DBusWireError.truncated(offset: 4, needed: 0x7fff_ffff + 1, available: 1)) {
            try read([0xff, 0xff, 0xff, 0x7f, 0], "s")
        }
        #expect(throws: DBusWireError.invalidObjectPath("a")) { try read([1, 0, 0, 0, 0x61, 0], "o") }
        #expect(throws: DBusWireError.self) { try read([1, 0x28, 0], "g") } // "(" is not a signature
    }

    @Test func arrayLengthChecks() {
        #expect(throws: DBusWireError.arrayTooLong(offset: 0, length: (1 << 26) + 1)) { try read([1, 0, 0, 4], "ay") }
        #expect(throws: DBusWireError.truncated(offset: 4, needed: 8, available: 2)) { try read([8, 0, 0, 0, 1, 2], "ay") }
        // 3 declared bytes cannot hold whole uint16 elements: the second element crosses the end.
        #expect(throws: DBusWireError.truncated(offset: 6, needed: 2, available: 1)) { try read([3, 0, 0, 0, 1, 0, 2, 0], "aq") }
        // Padding after the length is required even for an empty array of 8-aligned elements.
        #expect(throws: DBusWireError.nonZeroPadding(offset: 4)) { try read([0, 0, 0, 0, 1, 0, 0, 0], "ax") }
    }

    @Test func variantNestingIsBounded() {
        var bytes: [UInt8] = []
        for _ in 0..<70 { bytes += [1, UInt8(ascii: "v"), 0] }
        bytes += [1, UInt8(ascii: "y"), 0, 5]
        #expect { try read(bytes, "v") } throws: { error in
            if case .nestingTooDeep = error as? DBusWireError { true } else { false }
        }
        #expect(throws: DBusWireError.self) { try read([2, UInt8(ascii: "i"), UInt8(ascii: "i"), 0], "v") }
    }

    @Test func headerChecks() throws {
        let valid = try DBusMessage.methodCall(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.Adapter1",
                                               member: "StartDiscovery").encoded(serial: 9)
        #expect(try DBusMessage.decode(valid).member == "StartDiscovery")
        var badEndian = valid; badEndian[0] = UInt8(ascii: "X")
        #expect(throws: DBusWireError.invalidEndianness(UInt8(ascii: "X"))) { try DBusMessage.decode(badEndian) }
        var badVersion = valid; badVersion[3] = 2
        #expect(throws: DBusWireError.unsupportedProtocolVersion(2)) { try DBusMessage.decode(badVersion) }
        var zeroSerial = valid; zeroSerial[8] = 0
        #expect(throws: DBusWireError.zeroSerial) { try DBusMessage.decode(zeroSerial) }
        var unknownType = valid; unknownType[1] = 9
        #expect(throws: DBusWireError.unknownMessageType(9)) { try DBusMessage.decode(unknownType) }
        // A method call without INTERFACE is fine; the same header as a signal lacks a required field.
        let noInterface = try DBusMessage.methodCall(destination: nil, path: "/", interface: nil, member: "Ping").encoded(serial: 2)
        var signal = noInterface; signal[1] = 4
        #expect(throws: DBusWireError.missingHeaderField("INTERFACE", messageType: "signal")) { try DBusMessage.decode(signal) }
        #expect(throws: DBusWireError.trailingBytes(offset: valid.count, count: 1)) { try DBusMessage.decode(valid + [0]) }
    }

    @Test func everyTruncationAndByteFlipIsATypedError() throws {
        let message = DBusMessage.signal(path: "/org/bluez/hci0", interface: DBusStandardInterface.properties, member: "PropertiesChanged",
                                         body: [.string("org.bluez.Adapter1"), .stringVariantDictionary(["Discovering": .boolean(true), "Class": .uint32(7)]),
                                                .stringArray(["Name"])])
        let bytes = try message.encoded(serial: 3)
        #expect(try DBusMessage.decode(bytes).body == message.body)
        for length in 0..<bytes.count {
            #expect(throws: DBusWireError.self) { try DBusMessage.decode(Array(bytes.prefix(length))) }
        }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xff] {
                var mutated = bytes
                mutated[index] ^= flip
                _ = try? DBusMessage.decode(mutated) // must return or throw, never trap
            }
        }
    }
}
