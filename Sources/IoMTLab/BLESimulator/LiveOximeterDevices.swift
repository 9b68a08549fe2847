import IoMTCore

/// The vendor live oximeters the simulator replays from Firmware-Fixtures/<device>: each streams its frames on one
/// notified characteristic of its own 128-bit service once subscribed, with no command first, and has a command
/// characteristic it takes writes on. The facts are the drivers' (Sources/IoMTDrivers/LepuPC60FW/README.md,
/// JumperJPD500F/README.md; DEVICES.md §2.4, §2.5); the values are the fixture captures, never the gateway's decoder.
extension BLESimulatedDevice {
    /// Lepu PC-60FW: the Nordic UART service; TX (notify) carries the `AA 55` frame stream, RX takes writes.
    public static let nordicUARTService: BluetoothUUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
    public static let nordicUARTRX: BluetoothUUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
    public static let nordicUARTTX: BluetoothUUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"

    /// Jumper JPD-500F: live frames `81 PR SpO2 xx` notified on CDEACB81, commands written to CDEACB82.
    public static let jumperService: BluetoothUUID = "cdeacb80-5235-4c07-8846-93a37ee6b86d"
    public static let jumperLive: BluetoothUUID = "cdeacb81-5235-4c07-8846-93a37ee6b86d"
    public static let jumperCommand: BluetoothUUID = "cdeacb82-5235-4c07-8846-93a37ee6b86d"

    /// A live oximeter's one service: the frames notified (replayed from the fixtures) and the command characteristic,
    /// writable with and without response (the Nordic UART RX is both; the Jumper's flags are not published, so it is
    /// given the same). A write is accepted and logged; nothing is answered, and the stream does not wait for one
    /// (the drivers' READMEs: the live stream needs no command, iomtd never writes).
    static func liveOximeterService(_ service: BluetoothUUID, notified: BluetoothUUID, command: BluetoothUUID) -> BLESimulatedService {
        BLESimulatedService(uuid: service, characteristics: [
            BLESimulatedCharacteristic(uuid: notified, flags: ["notify"], source: .fixtures),
            BLESimulatedCharacteristic(uuid: command, flags: ["write", "write-without-response"], source: .acceptedCommands),
        ])
    }

    static let lepuPC60FWService = liveOximeterService(nordicUARTService, notified: nordicUARTTX, command: nordicUARTRX)
    static let jumperJPD500FService = liveOximeterService(jumperService, notified: jumperLive, command: jumperCommand)
}
