import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTFHIR
import IoMTForward
import IoMTIngest
import IoMTLab
import IoMTSpirometry
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 14, clinic mode: demographics given with a binding (`iomtctl bind … --height`) go before the configuration's
/// patients[] entry for the readings that binding attributes, in DOM's bundle and in the alert engine alike — the daemon's
/// one resolver, fed by the store (real SQLite file), the real ingest pipeline and DOM's wire format.
@Suite struct BindingDemographicsTests {
    /// Male, born 1944-05-14 (82.0 years at the reading).
    static let patient = "44051401359"
    static let readingTime = CivilTime(year: 2026, month: 5, day: 14, hour: 9).instant(assumingOffsetMinutes: 0)
    static let spirometer = DeviceIdentity(profileId: "contec-spirometer-ble", manufacturer: "Contec", model: "SP80B", bluetoothAddress: "a4:c1:38:0d:5e:e1")
    static let zRule = AlertRule(id: "fev1-z-low", kind: .zScore(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", below: DecimalValue("-2.5"), above: nil),
                                 priority: .medium)

    struct Rig {
        let store: Store
        let pipeline: IngestPipeline
        let clock: ManualClock
        let directory: TemporaryDirectory
    }

    /// A clinic gateway (no home patient) whose configuration lists the patient at `configuredHeight`.
    func rig(configuredHeight: Double, rules: [AlertRule] = [], directory existing: TemporaryDirectory? = nil) async throws -> Rig {
        let directory = existing ?? TemporaryDirectory("iomt-binding-demographics")
        let clock = ManualClock(Self.readingTime.adding(milliseconds: 60_000))
        let store = try Store(path: directory.database, clock: clock)
        let configured = [Self.patient: try PatientDemographics.fromPESEL(Self.patient, heightCm: configuredHeight)]
        let demographics = await PatientDemographicsResolver.following(store, configured: configured)
        let evaluator = AlertEvaluator(ruleSet: RuleSet(rules: rules), context: AlertContext(demographics: demographics), store: store)
        let pipeline = IngestPipeline(store: store, alerts: evaluator, dispatcher: AlertDispatcher(store: store, channels: [LogAlertChannel()], clock: clock),
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        return Rig(store: store, pipeline: pipeline, clock: clock, directory: directory)
    }

    /// A reading as a clinic device delivers it: no patient until the store attributes it by its binding.
    func fev1(_ litres: String) -> Observation {
        Observation(type: .fev1, value: DecimalValue(litres), unit: "L", receivedAt: Self.readingTime, correctedTime: Self.readingTime,
                    device: Self.spirometer, patientId: nil, rawFrame: [0xE1])
    }

    func bind(_ rig: Rig, height: Double?) async throws {
        let given = height.map { BindingDemographics(heightCm: $0, sexAtBirth: "male", birthDate: CivilTime(year: 1944, month: 5, day: 14)) }
        _ = try await rig.store.bind(deviceKey: Self.spirometer.key, patientId: Self.patient, from: Self.readingTime.adding(milliseconds: -3_600_000),
                                     until: nil, demographics: given, actor: "uid 0", at: rig.clock.now())
    }

    /// DOM's FEV1 Observation for the stored readings, as the daemon's wire format builds it with the rig's resolver.
    func domFEV1(_ rig: Rig, configuredHeight: Double) async throws -> JSONValue {
        let demographics = await PatientDemographicsResolver.following(rig.store, configured: [
            Self.patient: try PatientDemographics.fromPESEL(Self.patient, heightCm: configuredHeight)])
        let gateway = GatewayIdentity(systemId: "0A1B2C3D4E5F6071", serialNumber: "GW-1", softwareVersion: "0.1.0")
        let batch = try await rig.store.pending(destination: "dom", limit: 10)
        #expect(batch.count == 1 && batch.first?.observation.patientId == Self.patient, "the reading was not attributed: \(batch)")
        let bundle = try JSONValue.parse(bytes: FHIRPHDWireFormat(gateway: gateway, demographics: demographics).encode(batch))
        let resources = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
        return try #require(resources.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "152586" })
    }

    func lowerLimitOfNormal(heightCm: Double) throws -> Double {
        let man = try PatientDemographics.fromPESEL(Self.patient, heightCm: heightCm)
        let subject = try #require(man.subject(at: Self.readingTime))
        return try #require(try SpirometryReference.values(.fev1, for: subject, equations: .gliGlobal).lowerLimitOfNormal)
    }

    @Test func theBindingsHeightGoesBeforeTheConfiguredOneInTheBundle() async throws {
        let rig = try await rig(configuredHeight: 190)
        try await bind(rig, height: 160)
        _ = await rig.pipeline.accept([fev1("2.40")])
        let observation = try await domFEV1(rig, configuredHeight: 190)
        let range = try #require(observation["referenceRange"]?.arrayValue?.first, "no referenceRange: \(observation)")
        #expect(range["text"]?.stringValue?.contains("male, 160 cm, 82.0 years") == true, "\(range)")
        let low = try #require(range["low"]?["value"]?.numberText.flatMap(Double.init))
        #expect(abs(low - (try lowerLimitOfNormal(heightCm: 160))) < 0.001)
        #expect(abs(low - (try lowerLimitOfNormal(heightCm: 190))) > 0.3, "the two heights must give different limits for this test to tell them apart")
    }

    @Test func aBindingWithoutDemographicsFallsBackToTheConfiguredPatient() async throws {
        let rig = try await rig(configuredHeight: 190)
        try await bind(rig, height: nil)
        _ = await rig.pipeline.accept([fev1("2.40")])
        let observation = try await domFEV1(rig, configuredHeight: 190)
        let range = try #require(observation["referenceRange"]?.arrayValue?.first, "no referenceRange: \(observation)")
        #expect(range["text"]?.stringValue?.contains("male, 190 cm, 82.0 years") == true, "\(range)")
    }

    /// The reading is at z −3 for the binding's 190 cm but above −2.5 for the configured 160 cm: the rule fires only by
    /// the binding's demographics, and only because the engine sees the patient the binding gave the reading.
    @Test func aZScoreRuleFiresByTheBindingsDemographics() async throws {
        let tall = try PatientDemographics.fromPESEL(Self.patient, heightCm: 190)
        let short = try PatientDemographics.fromPESEL(Self.patient, heightCm: 160)
        let tallSubject = try #require(tall.subject(at: Self.readingTime)), shortSubject = try #require(short.subject(at: Self.readingTime))
        let tallReference = try SpirometryReference.values(.fev1, for: tallSubject, equations: .gliGlobal)
        let litres = String(format: "%.2f", try #require(tallReference.lms.value(atZ: -3)))
        let shortReference = try SpirometryReference.values(.fev1, for: shortSubject, equations: .gliGlobal)
        #expect(try #require(shortReference.zScore(observed: Double(litres)!)) > -2.5, "the value must not fire by the configured height")

        let rig = try await rig(configuredHeight: 160, rules: [Self.zRule])
        try await bind(rig, height: 190)
        _ = await rig.pipeline.accept([fev1(litres)])
        let fired = await Eventually.holds(within: 10, pollMilliseconds: 20) { ((try? await rig.store.alerts(limit: 10)) ?? []).count == 1 }
        #expect(fired, "the z-score rule did not fire by the binding's demographics")
        let alert = try #require(try await rig.store.alerts(limit: 10).first)
        #expect(alert.event.ruleId == "fev1-z-low" && alert.event.value == DecimalValue("-3.00"), "\(alert.event)")
        #expect(alert.event.patientId == Self.patient)
    }

    /// Kept with the binding in the store file (migration 20): a restarted daemon's resolver has them again.
    @Test func bindingDemographicsSurviveARestart() async throws {
        let first = try await rig(configuredHeight: 190)
        try await bind(first, height: 160)
        let bindings = try await first.store.bindings()
        #expect(bindings.first?.demographics == BindingDemographics(heightCm: 160, sexAtBirth: "male", birthDate: CivilTime(year: 1944, month: 5, day: 14)))
        let restarted = try await rig(configuredHeight: 190, directory: first.directory)
        _ = await restarted.pipeline.accept([fev1("2.40")])
        let observation = try await domFEV1(restarted, configuredHeight: 190)
        #expect(observation["referenceRange"]?.arrayValue?.first?["text"]?.stringValue?.contains("160 cm") == true)
    }

    /// Issue 13: the demographics follow the binding the store recorded as attributing the reading, not a second copy of
    /// its rule. A reading that carries its patient (`iomtctl replay --patient`, a home hub's) was attributed by no binding,
    /// though one of its device to that patient covers its time: the configuration's entry applies, as for any such reading.
    @Test func aReadingThatCarriesItsPatientIsNotAssessedWithABindingsDemographics() async throws {
        let rig = try await rig(configuredHeight: 190)
        try await bind(rig, height: 160)
        var replayed = fev1("2.40")
        replayed.patientId = Self.patient
        _ = await rig.pipeline.accept([replayed])
        let observation = try await domFEV1(rig, configuredHeight: 190)
        let range = try #require(observation["referenceRange"]?.arrayValue?.first, "no referenceRange: \(observation)")
        #expect(range["text"]?.stringValue?.contains("male, 190 cm, 82.0 years") == true, "\(range)")
    }

    /// A held reading a later binding releases is assessed with that binding's demographics (the store records the binding
    /// when it re-attributes).
    @Test func aHeldReadingReleasedByALaterBindingTakesItsDemographics() async throws {
        let rig = try await rig(configuredHeight: 190)
        _ = await rig.pipeline.accept([fev1("2.40")])
        let given = BindingDemographics(heightCm: 160, sexAtBirth: "male", birthDate: CivilTime(year: 1944, month: 5, day: 14))
        let result = try await rig.store.bind(deviceKey: Self.spirometer.key, patientId: Self.patient, from: Self.readingTime.adding(milliseconds: -3_600_000),
                                              until: nil, releasingHeld: true, demographics: given, actor: "uid 0", at: rig.clock.now())
        #expect(result.reattributed == 1)
        let observation = try await domFEV1(rig, configuredHeight: 190)
        #expect(observation["referenceRange"]?.arrayValue?.first?["text"]?.stringValue?.contains("male, 160 cm, 82.0 years") == true, "\(observation)")
    }
}
