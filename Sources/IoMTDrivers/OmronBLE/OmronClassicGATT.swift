import IoMTCore

/// The Omron classic stack's GATT use (DEVICES.md §3.1; omblepy `omblepy.py`, hass-omron `const.py`): the parent
/// service, four host→device channels written in 16-byte pieces, four notified device→host channels, and the unlock
/// characteristic (written and notified).
public enum OmronClassicGATT {
    public static let service: BluetoothUUID = "ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b"
    public static let unlock: BluetoothUUID = "b305b680-aee7-11e1-a730-0002a5d5c51b"
    public static let transmit: [BluetoothUUID] = [
        "db5b55e0-aee7-11e1-965e-0002a5d5c51b", "e0b8a060-aee7-11e1-92f4-0002a5d5c51b",
        "0ae12b00-aee8-11e1-a192-0002a5d5c51b", "10e1ba60-aee8-11e1-89e5-0002a5d5c51b",
    ]
    public static let receive: [BluetoothUUID] = [
        "49123040-aee8-11e1-a74d-0002a5d5c51b", "4d0bf320-aee8-11e1-a0d9-0002a5d5c51b",
        "5128ce60-aee8-11e1-b84b-0002a5d5c51b", "560f1420-aee8-11e1-8184-0002a5d5c51b",
    ]

    public static let profile = GATTProfile(driverId: OmronClassicRegistration.driverId, name: "Omron classic record transfer",
                                            services: [GATTServiceUse(uuid: service, characteristics:
        receive.enumerated().map { GATTCharacteristicUse($1, .notify, name: "RX\($0)") }
        + [GATTCharacteristicUse(unlock, .controlPoint, name: "Unlock")]
        + transmit.enumerated().map { GATTCharacteristicUse($1, .write, name: "TX\($0)") })],
                                            main: receive[0], clock: [])

    /// The writes that send one packet: piece i to TX channel i.
    static func writes(_ packet: OmronPacket) -> [DeviceCommand] {
        packet.pieces.enumerated().map { .write(GATTWrite(service: service, characteristic: transmit[$0], value: $1)) }
    }

    static func unlockWrite(_ value: [UInt8]) -> DeviceCommand {
        .write(GATTWrite(service: service, characteristic: unlock, value: value))
    }

    // The unlock exchange: a request byte and 16 key bytes; the answer's first two bytes.
    /// Normal use: `01` + key → `81 00`.
    static func unlockRequest(_ key: [UInt8]) -> [UInt8] { [0x01] + key }
    /// Pairing mode: `02` + 16 × `00` → `82 00` (key programming entered).
    static let enterKeyProgramming: [UInt8] = [0x02] + Array(repeating: 0, count: 16)
    /// Then `00` + key → `80 00` (key stored).
    static func programKey(_ key: [UInt8]) -> [UInt8] { [0x00] + key }
}
