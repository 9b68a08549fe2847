import IoMTCore
import Testing
@testable import IoMTFHIR

/// The alert Communication and the interpreted Observation, checked by fhir.resources (a validator we did not write).
@Suite struct AlertCommunicationResourceTests {
    static func event(priority: AlertPriority = .high) -> AlertEvent {
        AlertEvent(ruleId: "spo2-critical", ruleSetHash: "f08d7acbaebf8178", priority: priority, condition: "below",
                   measurement: "MDC_PULS_OXIM_SAT_O2", value: DecimalValue(85), unit: "%", threshold: DecimalValue(88),
                   patientId: "44051401359", deviceKey: "sn:contec-cms50d-plus:A1", observedAt: Instant(millisecondsSinceEpoch: 1_763_900_000_000),
                   createdAt: Instant(millisecondsSinceEpoch: 1_763_900_015_000), observationId: 12,
                   message: "MDC_PULS_OXIM_SAT_O2 85 % below 88 for 15 s (rule spo2-critical, high priority)",
                   episode: "spo2-critical/sn:contec-cms50d-plus:A1/1763900015000", ruleSetVersion: "default-2026-11-23.1",
                   interpretation: "LL")
    }

    @Test func communicationCarriesPriorityCategoryAndTheObservationItIsAbout() throws {
        let input = AlertCommunicationInput(alertId: "3", event: Self.event(), observationIdentifier: "obs-id-1")
        let resource = AlertCommunicationResource.make(input, gateway: Fixtures.gateway)
        #expect(resource["resourceType"]?.stringValue == "Communication")
        #expect(resource["priority"]?.stringValue == "stat")
        #expect(resource["category"]?[0]?["coding"]?[0]?["code"]?.stringValue == "alert")
        #expect(resource["about"]?[0]?["identifier"]?["value"]?.stringValue == "obs-id-1")
        #expect(resource["reasonCode"]?[1]?["coding"]?[0]?["code"]?.stringValue == "LL")
        #expect(AlertCommunicationResource.requestPriority(.medium) == "urgent")
        #expect(AlertCommunicationResource.requestPriority(.low) == "routine")
    }

    @Test func alertBundlesAndInterpretedObservationsValidate() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let bundles = [
            AlertCommunicationResource.transactionBundle(AlertCommunicationInput(alertId: "3", event: Self.event(), observationIdentifier: "x"),
                                                         gateway: Fixtures.gateway).serialized(),
            AlertCommunicationResource.transactionBundle(AlertCommunicationInput(alertId: "4", event: Self.event(priority: .low), observationIdentifier: nil),
                                                         gateway: Fixtures.gateway).serialized(),
            builder.transactionBundle(for: [BundleInput(storeId: 12, observation: Fixtures.spo2(DecimalValue(85)), interpretation: "LL"),
                                            BundleInput(storeId: 13, observation: Fixtures.bloodPressure(), interpretation: "H")]).serialized(),
        ]
        let (status, output) = try await FHIRResourcesValidationTests.validate(bundles)
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK 3"))
    }
}
