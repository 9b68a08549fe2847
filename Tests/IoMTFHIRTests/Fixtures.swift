import IoMTCore
@testable import IoMTFHIR

enum Fixtures {
    static let gateway = GatewayIdentity(systemId: "fe:ed:ab:ee:de:ad:be:ef", serialNumber: "GW-0001", softwareVersion: "0.1.0")

    static let thermometer = DeviceIdentity(profileId: "ble-thermometer", manufacturer: "Acme", model: "T1",
                                            bluetoothAddress: "a4:c1:38:0d:5e:e0", firmwareVersion: "1.2")
    static let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                                         serialNumber: "SN123", portPath: "/dev/ttyUSB0")
    static let cuff = DeviceIdentity(profileId: "ble-bp", manufacturer: "Acme", model: "BP7", systemId: "74E8FFFEFF051C00")

    static let received = Instant(millisecondsSinceEpoch: 1_763_900_000_250) // 2025-11-23T12:13:20.250Z

    static func temperature(_ text: String = "36.50", status: MeasurementStatus = []) -> Observation {
        Observation(type: .bodyTemperature, value: DecimalValue(text), unit: "Cel", status: status,
                    deviceTime: CivilTime(year: 2026, month: 11, day: 23, hour: 8, minute: 15, second: 30, millisecond: 860),
                    receivedAt: received, correctedTime: received.adding(milliseconds: -1000),
                    device: thermometer, patientId: "85010112345", rawFrame: [0x01])
    }

    static func spo2(_ value: DecimalValue?, status: MeasurementStatus = []) -> Observation {
        Observation(type: .spo2, value: value, unit: "%", status: status, receivedAt: received, correctedTime: received,
                    device: oximeter, patientId: "85010112345", rawFrame: [0x02])
    }

    static func bloodPressure() -> Observation {
        Observation(type: .bloodPressure, value: nil, unit: "mm[Hg]",
                    components: [ObservationComponent(type: .systolic, value: DecimalValue(120), unit: "mm[Hg]"),
                                 ObservationComponent(type: .diastolic, value: DecimalValue(80), unit: "mm[Hg]"),
                                 ObservationComponent(type: .meanArterial, value: DecimalValue(93), unit: "mm[Hg]")],
                    deviceTime: CivilTime(year: 2026, month: 11, day: 23, hour: 7, minute: 0, second: 5),
                    receivedAt: received, correctedTime: received, device: cuff, patientId: "85010112345", rawFrame: [0x03])
    }

    static func sampleInputs() -> [BundleInput] {
        [BundleInput(storeId: 1, observation: temperature()),
         BundleInput(storeId: 2, observation: spo2(DecimalValue(97))),
         BundleInput(storeId: 3, observation: bloodPressure(), interpretation: "H"),
         BundleInput(storeId: 4, observation: spo2(nil, status: [.sensorOff])),
         BundleInput(storeId: 5, observation: temperature("37.0", status: [.invalid])),
         BundleInput(storeId: 6, observation: spo2(DecimalValue(95), status: [.questionable, .testData]))]
    }
}

extension JSONValue {
    /// Bundle entries' resources.
    var entryResources: [JSONValue] { (self["entry"]?.arrayValue ?? []).compactMap { $0["resource"] } }
}
