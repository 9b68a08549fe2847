import IoMTCore

/// What the Contec-family Bluetooth LE devices share (DEVICES.md §1.1, §2.1): the vendor service FF12 with commands
/// written to FF01 and answers notified on FF02, and commands of a code byte with bit 7 set, 7-bit data and a checksum.
/// Used by the spirometer (ContecSpirometer/) and the oximeter (ContecOximeterBLE/) drivers.
public enum ContecBLEFraming {
    public static let service: BluetoothUUID = 0xFF12
    /// Host → device, written with response.
    public static let commandCharacteristic: BluetoothUUID = 0xFF01
    /// Device → host, notified.
    public static let notifyCharacteristic: BluetoothUUID = 0xFF02

    /// The sum of the bytes, low 7 bits: the last byte of every command (and of some answers).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 &+ Int($1) } & 0x7F)
    }

    /// A command with its checksum appended; every data byte is cut to 7 bits.
    public static func command(_ code: UInt8, _ data: [UInt8] = []) -> [UInt8] {
        let body = [code | 0x80] + data.map { $0 & 0x7F }
        return body + [checksum(body)]
    }
}

extension ContecBLEFraming {
    /// The GATT use every Contec BLE driver makes of the service: subscribe to FF02, write commands to FF01.
    static func gattProfile(driverId: String, name: String, notified: String) -> GATTProfile {
        GATTProfile(driverId: driverId, name: name, services: [GATTServiceUse(uuid: service, characteristics: [
            .init(notifyCharacteristic, .notify, name: "\(notified) (FF02)"), .init(commandCharacteristic, .write, name: "Commands (FF01)"),
        ])], clock: [])
    }

    /// What a Contec BLE reader answers to input that is not a value notified on FF02: a value of another characteristic,
    /// or a byte stream (these are GATT drivers). One wording for both drivers, so logs and fixtures read alike.
    static func refusal(of input: DeviceInput, device: String, driverId: String) -> DeviceOutput {
        let reason = switch input {
        case let .value(characteristic, _): "characteristic \(characteristic.displayText) is not one the \(device) notifies (FF02)"
        default: "a byte stream for the GATT driver \(driverId)"
        }
        return DeviceOutput(events: [.rejectedFrame(reason: reason)])
    }
}
