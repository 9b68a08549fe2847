import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTMQTT
import IoMTTestSupport
import Synchronization
import Testing

/// What a subscriber of the provider's broker receives is the same PHD IG bundle as DOM's: valid FHIR (fhir.resources)
/// and conformant to the PHD IG v1.1.0 profiles (scripts/phd_conformance.py on the IG's own FSH sources).
@Suite(.serialized, .timeLimit(.minutes(2))) struct MQTTBundleConformanceTests {
    @Test func bundlesOnTheBrokerAreValidAndConformToThePHDIG() async throws {
        guard let broker = try await debianBroker() else { return }
        let (store, directory) = try temporaryStore("conformance")
        defer { try? FileManager.default.removeItem(at: directory) }
        let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        let thermometer = DeviceIdentity(profileId: "ble-thermometer", manufacturer: "Acme", model: "T1", bluetoothAddress: "a4:c1:38:0d:5e:e0")
        let scale = DeviceIdentity(profileId: "ble-weight-scale", manufacturer: "Acme", model: "W2", systemId: "74E8FFFEFF051C00")
        let readings = streamedReadings(devices: 2, seconds: 0..<3) + [
            Observation(type: .bodyTemperature, value: DecimalValue("36.6"), unit: "Cel", receivedAt: time, correctedTime: time,
                        device: thermometer, patientId: "85010112345", rawFrame: [0x01]),
            Observation(type: .bodyWeight, value: DecimalValue("72.4"), unit: "kg", receivedAt: time, correctedTime: time,
                        device: scale, patientId: "85010112345", rawFrame: [0x02]),
        ]
        _ = try await store.append(readings)

        let payloads = Mutex<[String]>([])
        let subscriber = MQTTClient(options: MQTTClientOptions(endpoint: try MQTTEndpoint.parse(broker.url).get(), clientId: "conformance-subscriber",
                                                               timeoutMilliseconds: 5_000)) { _, payload in
            payloads.withLock { $0.append(String(decoding: payload, as: UTF8.self)) }
        }
        await subscriber.subscribe("iomt/test/+/observations")
        try await subscriber.connect()
        let client = try publisher(broker, clientId: "gateway-conformance")
        let forwarder = Forwarder(store: store, destination: "mqtt", baseURL: topics.observations, wireFormat: MQTTPHDWireFormat(gateway: gateway),
                                  transport: MQTTPublishTransport(client: client),
                                  configuration: ForwarderConfiguration(batchSize: 3, jitterSeed: 7), clock: ManualClock())
        for _ in 0..<20 {
            if await forwarder.deliverOnce() == .idle { break }
        }
        let batches = (readings.count + 2) / 3
        #expect(await waitUntil(seconds: 30) { payloads.withLock { $0.count } >= batches })
        await client.close()
        await subscriber.close()

        let received = payloads.withLock { $0 }
        #expect(received.count == batches)
        let (status, output) = try await FHIRValidation.validate(texts: received)
        #expect(status == 0, "a bundle published to the broker is not valid PHD IG FHIR:\n\(output)")
        let entries = try received.reduce(0) { total, text in
            let bundle = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return total + ((bundle?["entry"] as? [Any])?.count ?? 0)
        }
        #expect(output.contains("OK \(batches) (PHD IG v1.1.0 profiles: \(entries) resources conformant)"), "\(output)")
    }
}
