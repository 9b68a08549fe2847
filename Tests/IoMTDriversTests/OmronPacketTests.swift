import IoMTCore
import IoMTDrivers
import Testing

/// The Omron packet codec against real frames published in issue userx14/omblepy#57 (HEM-7280T, decoded there) and
/// eigger/hass-omron#13 (HEM-7322T-E debug log).
@Suite struct OmronPacketTests {
    static func bytes(_ text: String) -> [UInt8] { try! Hex.bytes(from: text) }

    @Test func requestsAreTheBytesRealCuffsWereSent() {
        #expect(OmronPacket.start.bytes == Self.bytes("0800000000100018"))
        #expect(OmronPacket.end.bytes == Self.bytes("080f000000000007"))
        #expect(OmronPacket.read(0x0260, size: 0x26).bytes == Self.bytes("080100026026004d"))
        #expect(OmronPacket.read(0x02E8, size: 0x0E).bytes == Self.bytes("08010002e80e00ed"))
        let write = OmronPacket.write(0x0286, Self.bytes("401e802d800080000100ff018601"))
        #expect(write.bytes == Self.bytes("1601c002860e401e802d800080000100ff01860100d6"))
        #expect(write.pieces == [Self.bytes("1601c002860e401e802d800080000100"), Self.bytes("ff01860100d6")])
    }

    @Test func answersOfRealCuffsParse() throws {
        let start = try OmronPacket.parse(Self.bytes("18800000001000000094041311020778 5a00ffff954d00e50000000000000000"))
        #expect(start.kind == .startAnswer && start.data.count == 16)
        let read = try OmronPacket.parse(Self.bytes("16810002e80e53444f19ed263a1700001400770000b7"))
        #expect(read.kind == .readAnswer && read.address == 0x02E8 && read.data == Self.bytes("53444f19ed263a17000014007700"))
        let settings = try OmronPacket.parse(Self.bytes("2e8100026026401e802d80008000094dff09865e094dff09865e08c8091912122c1b855df835685114e002da00ff0000"))
        #expect(settings.kind == .readAnswer && settings.address == 0x0260 && settings.data.count == 0x26)
        let end = try OmronPacket.parse(Self.bytes("088f0000000000870000000000000000"))
        #expect(end.kind == .endAnswer && end.status == 0)
    }

    @Test func aCorruptedOrForeignPacketIsRefusedByName() {
        var corrupted = Self.bytes("16810002e80e53444f19ed263a1700001400770000b7")
        corrupted[8] ^= 0x01
        #expect(throws: OmronPacket.Problem.checksum(found: 0x01)) { try OmronPacket.parse(corrupted) }
        #expect(throws: OmronPacket.Problem.unknownType(0x4242)) { try OmronPacket.parse(Self.bytes("08424200000000 08")) }
        #expect(throws: OmronPacket.Problem.tooShort(found: 3)) { try OmronPacket.parse([0x08, 0x80, 0x00]) }
        #expect(throws: OmronPacket.Problem.lengthOutOfRange(0x41)) { try OmronPacket.parse([0x41] + [UInt8](repeating: 0, count: 70)) }
    }

    @Test func piecesFromTheFourChannelsAreReassembledInAnyOrder() throws {
        let whole = Self.bytes("2e8100026026401e802d80008000094dff09865e094dff09865e08c8091912122c1b855df835685114e002da00ff0000")
        let pieces = stride(from: 0, to: whole.count, by: 16).map { Array(whole[$0..<min(whole.count, $0 + 16)]) }
        var assembler = OmronPacketAssembler()
        let afterThird = assembler.receive(channel: 2, pieces[2])
        let afterFirst = assembler.receive(channel: 0, pieces[0])
        #expect(afterThird == nil && afterFirst == nil)
        let whole2 = assembler.receive(channel: 1, pieces[1])
        let packet = try #require(whole2)
        #expect(try OmronPacket.parse(packet).data.count == 0x26)
        #expect(!assembler.isHoldingPieces)
    }

    /// The settings' time bytes: read as the cuff has them, written back with only the clock and its sum changed.
    @Test func theClockBytesKeepWhatTheyDoNotOwn() throws {
        // HEM-7322T layout: 2 kept bytes, month, year-2000, hour, day, second, minute, 00, sum (omblepy hem-7322t.py).
        let read: [UInt8] = [0xAB, 0xCD, 11, 26, 7, 18, 40, 26, 0, 0]
        let clock = try #require(OmronDeviceClock.read(read, layout: .classicMixed))
        #expect(clock == GATTDateTime(year: 2026, month: 11, day: 18, hours: 7, minutes: 26, seconds: 40))
        let set = try #require(OmronDeviceClock.setting(read, to: CivilTime(year: 2027, month: 1, day: 2, hour: 3, minute: 4, second: 5), layout: .classicMixed))
        let sum = (0xAB + 0xCD + 1 + 27 + 3 + 2 + 5 + 4) & 0xFF
        let expected: [UInt8] = [0xAB, 0xCD, 1, 27, 3, 2, 5, 4, 0, UInt8(sum)]
        #expect(set == expected)
        // HEM-7361T layout: 8 kept bytes, year-2000, month, day, hour, minute, second, sum, 00 (omblepy hem-7361t.py).
        let modern: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 26, 11, 18, 7, 26, 40, 0, 0]
        #expect(OmronDeviceClock.read(modern, layout: .offset8) == GATTDateTime(year: 2026, month: 11, day: 18, hours: 7, minutes: 26, seconds: 40))
        let modernSet = try #require(OmronDeviceClock.setting(modern, to: CivilTime(year: 2027, month: 1, day: 2, hour: 3, minute: 4, second: 5), layout: .offset8))
        #expect(Array(modernSet[0..<8]) == [1, 2, 3, 4, 5, 6, 7, 8])
        let modernSum = (36 + 27 + 1 + 2 + 3 + 4 + 5) & 0xFF
        let modernExpected: [UInt8] = [27, 1, 2, 3, 4, 5, UInt8(modernSum), 0]
        #expect(Array(modernSet[8..<16]) == modernExpected)
    }
}
