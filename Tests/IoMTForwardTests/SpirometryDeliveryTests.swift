import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTSpirometry
import Testing

/// A spirometry session through the real Forwarder over loopback HTTP to the lab's DOM receiver: the readings are
/// delivered with their reference values, the panel rides along without a store row of its own, and a session cut by the
/// batch size gives panels that list only what they carry.
@Suite struct SpirometryDeliveryTests {
    static let patient = "44051401359"
    static let demographics = [patient: try! PatientDemographics.fromPESEL(patient, heightCm: 172)]
    static let spirometer = DeviceIdentity(profileId: "contec-spirometer-ble", manufacturer: "Contec", model: "SP80B",
                                           bluetoothAddress: "a4:c1:38:0d:5e:e1")

    static func session(hour: Int) -> [Observation] {
        let time = CivilTime(year: 2026, month: 5, day: 14, hour: hour).instant(assumingOffsetMinutes: 0)
        return [(MeasurementType.fvc, "3.10"), (.fev1, "1.60"), (.fev1FvcRatio, "51.6"), (.pef, "4.80")].map { type, value in
            Observation(type: type, value: DecimalValue(value), unit: type.defaultUnit, deviceTime: CivilTime(year: 2026, month: 5, day: 14, hour: hour),
                        receivedAt: time, correctedTime: time, device: spirometer, patientId: patient, rawFrame: [0xE1, UInt8(hour)])
        }
    }

    func forwarder(_ fixture: StoreFixture, port: UInt16, batchSize: Int) -> Forwarder {
        makeForwarder(fixture, port: port, batchSize: batchSize, patientDemographics: Self.demographics)
    }

    static func panels(_ receiver: DOMReceiver) -> [JSONValue] {
        receiver.observations().filter { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "session" }
    }

    @Test func aSessionArrivesWithItsReferenceValuesAndPanel() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(Self.session(hour: 9))
        let steps = await drain(forwarder(fixture, port: port, batchSize: 10))
        #expect(steps.last == .idle)
        #expect(receiver.observationCount == 5)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.delivered == 4 && stats.backlog == 0 && stats.quarantined == 0)
        let panel = try #require(Self.panels(receiver).first)
        #expect(panel["hasMember"]?.arrayValue?.count == 4)
        #expect(panel["interpretation"]?.arrayValue?.first?["coding"]?.arrayValue?.first?["code"]?.stringValue?.hasPrefix("obstruction") == true)
        let fev1 = try #require(receiver.observations().first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "152586" })
        #expect(fev1["referenceRange"]?.arrayValue?.first?["low"] != nil)

        // The device sends its memory again: the ledger sets the readings aside, nothing new reaches DOM.
        _ = try await fixture.store.append(Self.session(hour: 9))
        await drain(forwarder(fixture, port: port, batchSize: 10))
        #expect(receiver.observationCount == 5)
    }

    @Test func aSessionCutByTheBatchSizeGivesPanelsOfWhatTheyCarry() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(Self.session(hour: 9) + Self.session(hour: 10))
        let steps = await drain(forwarder(fixture, port: port, batchSize: 3))
        #expect(steps.last == .idle)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.delivered == 8 && stats.backlog == 0)
        // Batches 3 + 3 + 2: panels of 3 (09:00), 2 (10:00, its first two) and 2 (10:00, its last two); 09:00's PEF is alone.
        let sizes = Self.panels(receiver).map { $0["hasMember"]?.arrayValue?.count ?? 0 }
        #expect(sizes.sorted() == [2, 2, 3])
        #expect(receiver.observationCount == 8 + 3)
    }
}
