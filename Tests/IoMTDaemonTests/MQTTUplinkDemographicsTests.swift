import Foundation
import IoMTConfiguration
import IoMTCore
@testable import IoMTDaemon
import IoMTFHIR
import IoMTLab
import IoMTMQTT
import IoMTStore
import IoMTTestSupport
import Synchronization
import Testing

/// The daemon's `mqtt` destination builds its bundles with the configured patient demographics, as DOM's does: a
/// spirometry reading of a patient with a configured height reaches a subscriber of Debian's mosquitto with its
/// referenceRange, and the bundle is valid FHIR conformant to the PHD IG (the check MQTTBundleConformanceTests runs).
@Suite(.serialized, .timeLimit(.minutes(2))) struct MQTTUplinkDemographicsTests {
    static let patient = "44051401359"

    @Test func aSpirometryReadingPublishedToTheBrokerCarriesItsReferenceRange() async throws {
        if !MosquittoBroker.isInstalled, ProcessInfo.processInfo.environment["CI"] != "true" {
            print("mosquitto missing (apt-get install mosquitto): broker test not run outside CI")
            return
        }
        let broker = try await MosquittoBroker()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-mqtt-demographics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try DaemonConfiguration.parse("""
            {"stateDirectory": "\(directory.path)", "profilesDirectory": "/usr/share/iomtd/profiles",
             "gateway": {"systemId": "0A1B2C3D4E5F6071"},
             "patient": {"pesel": "\(Self.patient)", "heightCm": 172},
             "mqtt": {"url": "\(broker.url)", "topicPrefix": "iomt/demographics", "batchSize": 10, "timeoutMs": 5000}}
            """, file: "iomtd.json")
        let store = try Store(path: directory.appendingPathComponent("store.sqlite").path,
                              configuration: StoreConfiguration(destinations: ["mqtt"]), clock: ManualClock())
        let time = CivilTime(year: 2026, month: 5, day: 14, hour: 9).instant(assumingOffsetMinutes: 0)
        let spirometer = DeviceIdentity(profileId: "contec-spirometer-ble", manufacturer: "Contec", model: "SP80B", bluetoothAddress: "a4:c1:38:0d:5e:e1")
        _ = try await store.append([Observation(type: .fev1, value: DecimalValue("1.60"), unit: MeasurementType.fev1.defaultUnit,
                                                receivedAt: time, correctedTime: time, device: spirometer, patientId: Self.patient,
                                                rawFrame: [0xE1])])

        let payloads = Mutex<[[UInt8]]>([])
        let subscriber = MQTTClient(options: MQTTClientOptions(endpoint: try MQTTEndpoint.parse(broker.url).get(), clientId: "demographics-subscriber",
                                                               timeoutMilliseconds: 5_000)) { _, payload in payloads.withLock { $0.append(payload) } }
        await subscriber.subscribe("iomt/demographics/+/observations")
        try await subscriber.connect()
        let gateway = GatewayIdentity(systemId: "0A1B2C3D4E5F6071", serialNumber: "GW-1", softwareVersion: "0.1.0")
        let uplink = try #require(try MQTTUplink.make(configuration, gateway: gateway, store: store, clock: ManualClock()).get())
        for _ in 0..<10 {
            if await uplink.forwarder.deliverOnce() == .idle { break }
        }
        await uplink.client.close()
        let received = await Eventually.holds(within: 15, pollMilliseconds: 20) { !payloads.withLock(\.isEmpty) }
        await subscriber.close()
        #expect(received, "nothing reached the subscriber")

        let first = payloads.withLock(\.first)
        let payload = try #require(first)
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let fev1 = try #require(resources.first { resource in
            ((resource["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String == "152586"
        }, "no FEV1 Observation in the bundle")
        let range = try #require((fev1["referenceRange"] as? [[String: Any]])?.first, "the FEV1 Observation has no referenceRange: \(fev1)")
        #expect(range["low"] != nil)
        let (status, output) = try await FHIRValidation.validate(texts: [String(decoding: payload, as: UTF8.self)])
        #expect(status == 0 && output.contains("PHD IG v1.1.0 profiles"), "the published bundle is not valid PHD IG FHIR:\n\(output)")
    }
}
