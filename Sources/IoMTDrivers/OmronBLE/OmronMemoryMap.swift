/// Where one Omron model keeps its records and settings in EEPROM, and how it lays them out: data, one entry per
/// model (README.md: each figure with its source). A profile names its model in `driverOptions.model`.
public struct OmronMemoryMap: Sendable, Hashable {
    public enum ByteOrder: String, Sendable, Hashable { case big, little }

    /// How one stored record is packed.
    public enum RecordLayout: String, Sendable, Hashable {
        /// HEM-7322T / HEM-7600T class (big-endian, bit-packed): dia, sys−25, year−2000, pulse, then a 32-bit field
        /// MOV 1 | IHB 1 | month 4 | day 5 | hour 5 | 4 bits | minute 6 | second 6, most significant bit first.
        case bitPackedBigEndian = "bitpacked-be"
        /// HEM-7155T / HEM-7361T class ("classic_vital_14", little-endian): sys−25, dia, pulse, year−2000 (6 bits),
        /// then two 16-bit LE words: hour 5 | day 5 | month 4 | IHB | MOV and second 6 | minute 6 | 4 bits, least
        /// significant bit first.
        case classicVitalLittleEndian = "classic-vital-le"
    }

    /// Where the device clock sits in the settings' time bytes, and where its checksum (sum of the bytes before, low
    /// 8 bits) goes.
    public enum TimeLayout: String, Sendable, Hashable {
        /// HEM-7322T: bytes 2–7 month, year−2000, hour, day, second, minute; byte 8 `00`; byte 9 the sum of bytes 0–8.
        case classicMixed = "classic-mixed"
        /// HEM-7155T / HEM-7361T: bytes 8–13 year−2000, month, day, hour, minute, second; byte 14 the sum of 0–13; 15 `00`.
        case offset8 = "offset-8"
    }

    /// How the model is reached (DEVICES.md §3.1): the same packets and memory either way.
    public enum Stack: String, Sendable, Hashable {
        /// Parent service `ecbe3980-…`: packets in 16-byte pieces on four TX/RX channel pairs, unlocked with a
        /// 16-byte key the host programs in pairing mode (`OmronClassicGATT`).
        case classic
        /// Service `0000fe4a-…` ("modern"): one TX and one RX channel carrying whole packets, OS "Just Works"
        /// bonding, and a stateless token (`11` + 4 bytes → `91 00` + the same 4 bytes) before memory access
        /// (`OmronFE4AGATT`).
        case fe4a
    }

    /// One user's ring buffer of records.
    public struct UserArea: Sendable, Hashable {
        public let start: UInt16
        public let records: Int
    }

    public let model: String
    public let byteOrder: ByteOrder
    public let users: [UserArea]
    public let recordSize: Int
    /// Settings are read at one address and written at another (the same bytes, another window).
    public let settingsReadAddress: UInt16
    public let settingsWriteAddress: UInt16
    /// Offsets in the settings: per user the write cursor (the slot the next record goes to) in the word at
    /// stride·(user−1), the unread counter at 4 + stride·(user−1); the low byte of each word, in the map's byte order.
    public let indexRange: Range<Int>
    public let timeRange: Range<Int>
    public let recordLayout: RecordLayout
    public let timeLayout: TimeLayout
    /// The index stride: 2 (16-bit words, classic maps) or 8 (a 32-bit cursor and a 32-bit counter per user).
    public var indexStride = 2
    public var stack = Stack.classic

    /// The EEPROM address of a user's slot (user 1-based, slot 0-based).
    public func address(user: Int, slot: Int) -> UInt16? {
        guard users.indices.contains(user - 1), (0..<users[user - 1].records).contains(slot) else { return nil }
        return UInt16(clamping: Int(users[user - 1].start) + slot * recordSize)
    }

    /// The user and slot an EEPROM address falls in, when it starts a record.
    public func slot(at address: UInt16) -> (user: Int, slot: Int)? {
        for (index, area) in users.enumerated() {
            let offset = Int(address) - Int(area.start)
            if offset >= 0, offset % recordSize == 0, offset / recordSize < area.records { return (index + 1, offset / recordSize) }
        }
        return nil
    }

    /// A user's write cursor and unread counter from the settings' index bytes (`indexRange`, as read).
    public func cursor(user: Int, in index: [UInt8]) -> (writeCursor: Int, unread: Int)? {
        let cursorOffset = indexStride * (user - 1), unreadOffset = 4 + indexStride * (user - 1)
        guard user >= 1, index.count >= unreadOffset + 2 else { return nil }
        func lowByte(_ offset: Int) -> Int { Int(byteOrder == .big ? index[offset + 1] : index[offset]) }
        return (lowByte(cursorOffset), lowByte(unreadOffset))
    }
}

extension OmronMemoryMap {
    /// The models this build knows. Sources: omblepy `deviceSpecific/*.py` (snapshot 708c13e) and hass-omron
    /// `device_catalog.py` (snapshot d6758ed), which agree on these figures (DEVICES.md §3.1).
    public static let catalog: [OmronMemoryMap] = [
        OmronMemoryMap(model: "HEM-7322T", byteOrder: .big,
                       users: [UserArea(start: 0x02AC, records: 100), UserArea(start: 0x0824, records: 100)], recordSize: 14,
                       settingsReadAddress: 0x0260, settingsWriteAddress: 0x0286, indexRange: 0x00..<0x08, timeRange: 0x14..<0x1E,
                       recordLayout: .bitPackedBigEndian, timeLayout: .classicMixed),
        OmronMemoryMap(model: "HEM-7155T", byteOrder: .little,
                       users: [UserArea(start: 0x0098, records: 60), UserArea(start: 0x0458, records: 60)], recordSize: 16,
                       settingsReadAddress: 0x0010, settingsWriteAddress: 0x0054, indexRange: 0x00..<0x10, timeRange: 0x2C..<0x3C,
                       recordLayout: .classicVitalLittleEndian, timeLayout: .offset8),
        OmronMemoryMap(model: "HEM-7361T", byteOrder: .little,
                       users: [UserArea(start: 0x0098, records: 100), UserArea(start: 0x06D8, records: 100)], recordSize: 16,
                       settingsReadAddress: 0x0010, settingsWriteAddress: 0x0054, indexRange: 0x00..<0x10, timeRange: 0x2C..<0x3C,
                       recordLayout: .classicVitalLittleEndian, timeLayout: .offset8),
        // hass-omron device_catalog.py "HEM-7155T-MW3" (snapshot b4fccbb, hardware-confirmed there by an HCI capture of
        // the HEM-7155T_ESL1 "X4 Smart"): the FE4A firmware of the HEM-7155T, its settings moved to 0x0260 and a 32-bit
        // cursor and counter per user (user 2's cursor at 0x08).
        OmronMemoryMap(model: "HEM-7155T-MW3", byteOrder: .little,
                       users: [UserArea(start: 0x02E8, records: 60), UserArea(start: 0x06A8, records: 60)], recordSize: 16,
                       settingsReadAddress: 0x0260, settingsWriteAddress: 0x02A4, indexRange: 0x00..<0x10, timeRange: 0x2C..<0x3C,
                       recordLayout: .classicVitalLittleEndian, timeLayout: .offset8, indexStride: 8, stack: .fe4a),
    ]

    public static func model(_ name: String) -> OmronMemoryMap? { catalog.first { $0.model == name } }
}
