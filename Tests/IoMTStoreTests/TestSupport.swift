import Glibc
import IoMTCore
import IoMTTestSupport
@testable import IoMTStore

/// A fresh directory for one test's SQLite files, removed afterwards (IoMTTestSupport).
typealias TemporaryDirectory = IoMTTestSupport.TemporaryDirectory

let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                              serialNumber: "SN-42", firmwareVersion: "4.1", portPath: "/dev/ttyUSB0")
let cuff = DeviceIdentity(profileId: "and-ua651ble", manufacturer: "A&D", model: "UA-651BLE",
                          bluetoothAddress: "aa:bb:cc:dd:ee:ff", systemId: "0011223344556677")

func reading(_ index: Int, device: DeviceIdentity = oximeter, value: DecimalValue? = DecimalValue(significand: 97, exponent: 0)) -> Observation {
    let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000 + Int64(index) * 1000)
    return Observation(type: .spo2, value: value, unit: "%", receivedAt: time, correctedTime: time,
                       device: device, patientId: "patient-1", rawFrame: [0x80, UInt8(index & 0x7F)])
}

func storeFile(_ path: String, _ configuration: StoreConfiguration = StoreConfiguration()) throws -> Store {
    try Store(path: path, configuration: configuration, clock: ManualClock())
}
