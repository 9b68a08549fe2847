import IoMTDBus
import Testing

/// Byte layouts from the specification's own examples ("Marshalling basic types",
/// "Marshalling containers") and the alignment rules.
@Suite struct MarshallingTests {
    @Test func stringsFollowTheSpecExample() throws {
        var marshaller = DBusMarshaller()
        try marshaller.append([.string("foo"), .string("+"), .string("bar")])
        #expect(marshaller.bytes == [3, 0, 0, 0, 0x66, 0x6f, 0x6f, 0, 1, 0, 0, 0, 0x2b, 0, 0, 0, 3, 0, 0, 0, 0x62, 0x61, 0x72, 0])
    }

    @Test func bigEndianInt64ArrayFollowsTheSpecExample() throws {
        var marshaller = DBusMarshaller(endianness: .big)
        try marshaller.append(.array(element: .int64, [.int64(5)]))
        #expect(marshaller.bytes == [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5])
        var reader = DBusUnmarshaller(bytes: marshaller.bytes, endianness: .big)
        #expect(try reader.read(.array(.int64)) == .array(element: .int64, [.int64(5)]))
    }

    @Test func emptyArrayStillPadsToItsElementAlignment() throws {
        var marshaller = DBusMarshaller()
        try marshaller.append([.byte(7), .array(element: .structure([.int32]), [])])
        // byte, 3 padding, length 0, then padding to 8 for the (absent) struct elements.
        #expect(marshaller.bytes == [7, 0, 0, 0, 0, 0, 0, 0])
        var reader = DBusUnmarshaller(bytes: marshaller.bytes, endianness: .little)
        #expect(try reader.read([.byte, .array(.structure([.int32]))]) == [.byte(7), .array(element: .structure([.int32]), [])])
        #expect(reader.remaining == 0)
    }

    @Test func structsAndDictEntriesAlignToEight() throws {
        var marshaller = DBusMarshaller()
        try marshaller.append([.byte(1), .structure([.byte(2)]), .dictionary(key: .byte, value: .byte, [(.byte(3), .byte(4))])])
        #expect(marshaller.bytes == [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 4])
    }

    @Test func variantCarriesItsSignature() throws {
        var marshaller = DBusMarshaller()
        try marshaller.append(.variant(.uint16(0x0102)))
        #expect(marshaller.bytes == [1, 0x71, 0, 0, 0x02, 0x01])
    }

    @Test func refusesArrayElementsOfTheWrongType() {
        var marshaller = DBusMarshaller()
        #expect(throws: DBusWireError.valueTypeMismatch(expected: "s", found: "i")) {
            try marshaller.append(.array(element: .string, [.string("a"), .int32(1)]))
        }
    }

    @Test func refusesNulInsideAString() {
        var marshaller = DBusMarshaller()
        #expect(throws: DBusWireError.self) { try marshaller.append(.string("a\u{0}b")) }
    }

    @Test func typedAccessors() {
        let properties = DBusValue.stringVariantDictionary(["Powered": .boolean(true), "Alias": .string("hci0")])
        #expect(properties.type.signature == "a{sv}")
        #expect(properties.stringVariantDictionary?["Powered"]?.boolValue == true)
        #expect(DBusValue.byteArray([1, 2]).bytesValue == [1, 2])
        #expect(DBusValue.variant(.variant(.int16(-3))).unwrapped.integerValue == -3)
        #expect(DBusValue.stringArray(["a"]).stringArrayValue == ["a"])
        #expect(DBusValue.string("x").uint32Value == nil)
    }
}
