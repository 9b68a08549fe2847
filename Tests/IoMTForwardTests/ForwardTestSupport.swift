import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTSpirometry
import IoMTStore

/// A real SQLite store in a fresh temporary directory, removed when the fixture goes away.
final class StoreFixture {
    let directory: URL
    let store: Store
    let clock: ManualClock

    init(clock: ManualClock = ManualClock()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-forward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.clock = clock
        store = try Store(path: directory.appendingPathComponent("store.sqlite").path, clock: clock)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

let gateway = GatewayIdentity(systemId: "FE-ED-AB-EE-DE-AD-BE-EF", serialNumber: "GW-1", softwareVersion: "0.1.0")
let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                              serialNumber: "SN-42", portPath: "/dev/ttyUSB0")

/// Distinct readings (each second a new receipt time, so a new PHD identifier).
func readings(_ count: Int, startingAt start: Int = 0, value: (Int) -> DecimalValue = { _ in DecimalValue(97) }) -> [Observation] {
    (start..<(start + count)).map { index in
        let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000 + Int64(index) * 1000)
        return Observation(type: .spo2, value: value(index), unit: "%", receivedAt: time, correctedTime: time,
                           device: oximeter, patientId: "85010112345", rawFrame: [0x80])
    }
}

func makeForwarder(_ fixture: StoreFixture, port: UInt16, batchSize: Int = 100, seed: UInt64 = 42,
                   patientDemographics: [String: PatientDemographics] = [:]) -> Forwarder {
    Forwarder(store: fixture.store, destination: "dom", baseURL: "http://127.0.0.1:\(port)/fhir",
              wireFormat: FHIRPHDWireFormat(gateway: gateway, patientDemographics: patientDemographics),
              transport: CurlHTTPClient(configuration: .init(connectTimeoutMilliseconds: 2000, totalTimeoutMilliseconds: 10_000)),
              configuration: ForwarderConfiguration(batchSize: batchSize, jitterSeed: seed), clock: fixture.clock)
}

/// Steps the forwarder until nothing is pending or it fails; returns the steps taken.
@discardableResult
func drain(_ forwarder: Forwarder, maxSteps: Int = 100) async -> [DeliveryStep] {
    var steps: [DeliveryStep] = []
    for _ in 0..<maxSteps {
        let step = await forwarder.deliverOnce()
        steps.append(step)
        switch step {
        case .idle, .failed: return steps
        case .progressed, .split: continue
        }
    }
    return steps
}
