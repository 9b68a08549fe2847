import IoMTCore
import IoMTDBus
import Testing

/// Random types and values (SeededRandom, so a failure names its seed) → marshal → unmarshal
/// must give back the same values, in both byte orders and at every starting alignment.
@Suite struct RoundTripPropertyTests {
    struct Generator {
        var random: SeededRandom

        mutating func type(depth: Int) -> DBusType {
            let basic: [DBusType] = [.byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double, .unixFD,
                                     .string, .objectPath, .signature]
            let choice = Int.random(in: 0..<(depth >= 4 ? basic.count : basic.count + 4), using: &random)
            if choice < basic.count { return basic[choice] }
            switch choice - basic.count {
            case 0: return .variant
            case 1: return .array(type(depth: depth + 1))
            case 2: return .structure((0..<Int.random(in: 1...3, using: &random)).map { _ in type(depth: depth + 1) })
            default: return .array(.dictEntry(key: basic.randomElement(using: &random)!, value: type(depth: depth + 1)))
            }
        }

        mutating func string() -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                let pools: [ClosedRange<UInt32>] = [0x01...0x7f, 0x80...0x7ff, 0x800...0xd7ff, 0xe000...0xfffd, 0x10000...0x10ffff]
                let pool = pools.randomElement(using: &random)!
                scalars.append(Unicode.Scalar(UInt32.random(in: pool, using: &random))!)
            }
            return String(scalars)
        }

        mutating func value(of type: DBusType, depth: Int) -> DBusValue {
            switch type {
            case .byte: return .byte(.random(in: .min ... .max, using: &random))
            case .boolean: return .boolean(.random(using: &random))
            case .int16: return .int16(.random(in: .min ... .max, using: &random))
            case .uint16: return .uint16(.random(in: .min ... .max, using: &random))
            case .int32: return .int32(.random(in: .min ... .max, using: &random))
            case .uint32: return .uint32(.random(in: .min ... .max, using: &random))
            case .int64: return .int64(.random(in: .min ... .max, using: &random))
            case .uint64: return .uint64(.random(in: .min ... .max, using: &random))
            case .double:
                let bits = UInt64.random(in: .min ... .max, using: &random)
                let double = Double(bitPattern: bits)
                return .double(double.isNaN ? 0.5 : double)
            case .unixFD: return .unixFD(.random(in: 0...16, using: &random))
            case .string: return .string(string())
            case .objectPath:
                let elements = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    String((0..<Int.random(in: 1...5, using: &random)).map { _ in "abcXYZ019_".randomElement(using: &random)! })
                }
                return .objectPath(try! DBusObjectPath("/" + elements.joined(separator: "/")))
            case .signature:
                let types = (0..<Int.random(in: 0...3, using: &random)).map { _ in self.type(depth: 2) }
                return .signature(try! DBusSignature(types: types))
            case .variant:
                let inner = self.type(depth: depth + 1)
                return .variant(value(of: inner, depth: depth + 1))
            case .array(let element):
                let count = Int.random(in: 0...3, using: &random)
                return .array(element: element, (0..<count).map { _ in value(of: element, depth: depth + 1) })
            case .structure(let fields):
                return .structure(fields.map { value(of: $0, depth: depth + 1) })
            case .dictEntry(let key, let entryValue):
                return .dictEntry(value(of: key, depth: depth + 1), value(of: entryValue, depth: depth + 1))
            }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func randomValuesSurviveARoundTrip(seed: UInt64) throws {
        var generator = Generator(random: SeededRandom(seed: seed))
        for _ in 0..<250 {
            let types = (0..<Int.random(in: 1...4, using: &generator.random)).map { _ in generator.type(depth: 0) }
            let values = types.map { generator.value(of: $0, depth: 0) }
            let offset = Int.random(in: 0...7, using: &generator.random)
            let endianness: DBusEndianness = Bool.random(using: &generator.random) ? .little : .big
            var marshaller = DBusMarshaller(endianness: endianness, startingWith: [UInt8](repeating: 0, count: offset))
            try marshaller.append(values)
            var reader = DBusUnmarshaller(bytes: marshaller.bytes, endianness: endianness, position: offset)
            let decoded = try reader.read(types)
            #expect(decoded == values, "seed \(seed), signature \(types.map(\.signature).joined())")
            #expect(reader.remaining == 0)
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func randomMessagesSurviveARoundTrip(seed: UInt64) throws {
        var generator = Generator(random: SeededRandom(seed: seed))
        for serial in UInt32(1)...100 {
            let body = (0..<Int.random(in: 0...3, using: &generator.random)).map { _ in generator.value(of: generator.type(depth: 0), depth: 0) }
            var message = DBusMessage.signal(path: "/org/bluez/hci0", interface: "org.bluez.Adapter1", member: "Changed", body: body)
            let endianness: DBusEndianness = serial % 2 == 0 ? .little : .big
            let bytes = try message.encoded(serial: serial, endianness: endianness)
            #expect(try DBusMessage.frameLength(prefix: bytes.prefix(16)) == bytes.count)
            message.serial = serial
            message.fields.signature = try DBusSignature(types: body.map(\.type))
            #expect(try DBusMessage.decode(bytes) == message, "seed \(seed) serial \(serial)")
        }
    }
}
