import IoMTCore

/// The Omron "modern" stack's GATT use (DEVICES.md §3.1; hass-omron `memory_protocol.py`, `unlock.py`, snapshot 4671dac):
/// service `0000fe4a-…` (Omron's Bluetooth SIG member UUID) with the classic stack's first TX and first RX channel, each
/// carrying a whole packet in one write or one notification, and the unlock characteristic for the token exchange.
public enum OmronFE4AGATT {
    public static let service: BluetoothUUID = "0000fe4a-0000-1000-8000-00805f9b34fb"
    public static let transmit = OmronClassicGATT.transmit[0]
    public static let receive = OmronClassicGATT.receive[0]
    public static let unlock = OmronClassicGATT.unlock

    /// RX before the unlock characteristic: the order the vendor app subscribes in (hass-omron, from an HCI capture).
    public static let profile = GATTProfile(driverId: OmronClassicRegistration.driverId, name: "Omron FE4A record transfer",
                                            services: [GATTServiceUse(uuid: service, characteristics: [
        GATTCharacteristicUse(receive, .notify, name: "RX"),
        GATTCharacteristicUse(unlock, .controlPoint, name: "Unlock"),
        GATTCharacteristicUse(transmit, .write, name: "TX"),
    ])], main: receive, clock: [])

    static func unlockWrite(_ value: [UInt8]) -> DeviceCommand {
        .write(GATTWrite(service: service, characteristic: unlock, value: value))
    }

    /// One packet, whole, in one write to TX.
    static func write(_ packet: OmronPacket) -> DeviceCommand {
        .write(GATTWrite(service: service, characteristic: transmit, value: packet.bytes))
    }

    // The token exchange (hass-omron unlock.py): stateless, the 4 bytes are not a secret — the cuff echoes whatever
    // it is sent; without it a cuff outside its pairing window answers no memory read.
    /// `11` + the 4 token bytes + 15 × `00` (20 bytes, as the vendor app writes it).
    static func tokenRequest(_ token: [UInt8]) -> [UInt8] { [0x11] + token + Array(repeating: 0, count: 15) }
    /// `91 00` + the same 4 bytes.
    static func isTokenAccepted(_ answer: [UInt8], token: [UInt8]) -> Bool {
        answer.count >= 6 && answer[0] == 0x91 && answer[1] == 0x00 && Array(answer[2..<6]) == token
    }
}
