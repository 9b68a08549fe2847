import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

func device(_ number: Int) -> DeviceIdentity {
    DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                   serialNumber: "SN-\(number)", portPath: "/dev/ttyUSB\(number)")
}

/// A reading from `device`'s memory or live stream; `second` sets the receipt time (and the device time when `withDeviceTime`).
func reading(device: DeviceIdentity, second: Int, value: Int = 97, withDeviceTime: Bool, receivedAtSecond: Int? = nil) -> Observation {
    let base: Int64 = 1_763_900_000_000
    let received = Instant(millisecondsSinceEpoch: base + Int64(receivedAtSecond ?? second) * 1000)
    let deviceTime = withDeviceTime ? CivilTime(instant: Instant(millisecondsSinceEpoch: base + Int64(second) * 1000), utcOffsetMinutes: 0) : nil
    return Observation(type: .spo2, value: DecimalValue(value), unit: "%", deviceTime: deviceTime, receivedAt: received,
                       correctedTime: deviceTime.map { $0.instant(assumingOffsetMinutes: 0) } ?? received,
                       device: device, patientId: "85010112345", rawFrame: [0x80])
}

/// Per device (by the receiver's Device reference), the Observation values in the order the receiver stored them.
func valuesByDevice(_ receiver: DOMReceiver) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for resource in receiver.observations() {
        let device = resource["device"]?["reference"]?.stringValue ?? "?"
        result[device, default: []].append(resource["valueQuantity"]?["value"]?.numberText ?? "?")
    }
    return result
}

@Suite struct DedupLedgerTests {
    /// A device replaying its memory: the second copy is not uploaded, and is counted as duplicates, not as delivered.
    @Test func replayedMemoryIsNeitherUploadedNorCountedAsDelivered() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)
        let memory = (0..<25).map { reading(device: oximeter, second: $0, withDeviceTime: true) }
        _ = try await fixture.store.append(memory)
        await drain(forwarder)
        #expect(receiver.observationCount == 25)
        let bundlesAfterFirst = receiver.bundleCount
        let suppressedAfterFirst = receiver.duplicatesSuppressed

        // Reconnected, the device sends its whole memory again (received later), plus live readings without a device time.
        let replay = (0..<25).map { reading(device: oximeter, second: $0, withDeviceTime: true, receivedAtSecond: 1000 + $0) }
        let live = (0..<3).map { reading(device: oximeter, second: 2000 + $0, value: 90, withDeviceTime: false) }
        _ = try await fixture.store.append(replay)
        _ = try await fixture.store.append(live)
        let steps = await drain(forwarder)
        #expect(steps.last == .idle)
        #expect(receiver.observationCount == 28) // only the live readings are new
        #expect(receiver.duplicatesSuppressed == suppressedAfterFirst + 2) // only the live bundle's PHG and PHD; the replay never reached DOM
        #expect(receiver.bundleCount == bundlesAfterFirst + 1) // one upload, for the three live readings
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.delivered == 28)
        #expect(stats.duplicates == 25)
        let audit = try await fixture.store.auditLog(limit: 20)
        let setAside = audit.filter { $0.2 == "duplicate" }.compactMap { Int($0.3.prefix { $0.isNumber }) }
        #expect(setAside.reduce(0, +) == 25)
        #expect(!audit.contains { $0.3.contains("85010112345") })

        // Newer memory entries still go.
        _ = try await fixture.store.append([reading(device: oximeter, second: 30, withDeviceTime: true, receivedAtSecond: 3000)])
        await drain(forwarder)
        #expect(receiver.observationCount == 29)
    }

    /// A device whose clock was reset (Bluetooth stamps of 2000-01-01, flagged device-clock-not-set): its new
    /// readings are uploaded, not taken for resent history.
    @Test func readingsFromAResetClockAreNotTakenForHistory() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)
        _ = try await fixture.store.append((0..<3).map { reading(device: oximeter, second: $0, withDeviceTime: true) })
        await drain(forwarder)
        let reset = (0..<4).map { index in
            var observation = reading(device: oximeter, second: 100 + index, value: 90 + index, withDeviceTime: true)
            observation.deviceTime = CivilTime(year: 2000, month: 1, day: 1, minute: 3, second: index)
            observation.status = [.deviceClockNotSet]
            return observation
        }
        _ = try await fixture.store.append(reset)
        await drain(forwarder)
        #expect(receiver.observationCount == 7)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }

    /// Older rows overtaken by an alert row (delivered first) are delivered too.
    @Test func rowsOvertakenByAnAlertAreStillDelivered() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let ids = try await fixture.store.append((0..<10).map { reading(device: oximeter, second: $0, value: 80 + $0, withDeviceTime: true) })
        try await fixture.store.setAlertPriority(.high, forObservation: ids[9])
        let forwarder = makeForwarder(fixture, port: port, batchSize: 1)
        await drain(forwarder)
        #expect(receiver.observationCount == 10)
        #expect(valuesByDevice(receiver).values.first?.first == "89")
    }

    /// Ledger identifiers leave with the delivered rows at the end of the retention window.
    @Test func ledgerEntriesArePrunedWithTheDeliveredRows() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let rows = (0..<3).map { reading(device: oximeter, second: $0, withDeviceTime: true) }
        _ = try await fixture.store.append(rows)
        await drain(makeForwarder(fixture, port: port))
        let identifier = FHIRPHDWireFormat(gateway: gateway).identifier(of: StoredObservation(id: 1, observation: rows[0], alertPriority: nil, attempts: 0))
        #expect(try await fixture.store.ledgerContains(identifier, destination: "dom"))
        try await fixture.store.prune(now: fixture.clock.now().adding(milliseconds: 8 * 86_400_000))
        #expect(try await !fixture.store.ledgerContains(identifier, destination: "dom"))
        #expect(try await fixture.store.stats(destination: "dom").delivered == 0)
    }
}

@Suite struct DeliveryOrderTests {
    /// Interleaved readings of three devices, small batches: each device's readings reach DOM in the order stored.
    @Test func orderIsKeptPerDevice() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        var rows: [Observation] = []
        for second in 0..<40 { for number in 1...3 { rows.append(reading(device: device(number), second: second, value: 50 + second, withDeviceTime: false)) } }
        _ = try await fixture.store.append(rows)
        await drain(makeForwarder(fixture, port: port, batchSize: 7))
        #expect(receiver.observationCount == 120)
        let byDevice = valuesByDevice(receiver)
        #expect(byDevice.count == 3)
        for (_, values) in byDevice { #expect(values == (0..<40).map { String(50 + $0) }) }
    }

    /// Rows that fired an alert are sent before older ordinary rows, most urgent first.
    @Test func alertRowsGoFirst() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let ids = try await fixture.store.append((0..<30).map { reading(device: oximeter, second: $0, value: 60 + $0, withDeviceTime: false) })
        try await fixture.store.setAlertPriority(.low, forObservation: ids[20])
        try await fixture.store.setAlertPriority(.high, forObservation: ids[28])
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 10, quarantined: 0))
        let firstBundle = receiver.observations().compactMap { $0["valueQuantity"]?["value"]?.numberText }
        #expect(firstBundle.prefix(2) == ["88", "80"])
        #expect(Array(firstBundle.dropFirst(2)) == (0..<8).map { String(60 + $0) })
        await drain(forwarder)
        #expect(receiver.observationCount == 30)
    }

    /// The forwarder reads and encodes the next batch while a request is in flight; an alert raised meanwhile
    /// must still overtake that prepared batch, and a read-ahead batch must never resend or skip a row.
    @Test func alertRaisedDuringReadAheadStillGoesFirst() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let ids = try await fixture.store.append((0..<40).map { reading(device: oximeter, second: $0, value: 60 + $0, withDeviceTime: false) })
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 10, quarantined: 0)) // rows 0–9; 10–19 read ahead
        try await fixture.store.setAlertPriority(.high, forObservation: ids[35])
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 10, quarantined: 0))
        let values = receiver.observations().compactMap { $0["valueQuantity"]?["value"]?.numberText }
        #expect(Array(values.dropFirst(10).prefix(1)) == ["95"], "the alert row leads the second bundle, not the read-ahead one")
        await drain(forwarder)
        let all = receiver.observations().compactMap { $0["valueQuantity"]?["value"]?.numberText }
        #expect(all.count == 40 && Set(all).count == 40)
        let expectedOrder: [String] = (0..<40).filter { $0 != 35 }.map { String(60 + $0) }
        #expect(all.filter { $0 != "95" } == expectedOrder)
        let bundles: Int = receiver.bundleCount
        #expect(receiver.duplicatesSuppressed == 2 * bundles - 2, "only the PHG and PHD entries repeat")
    }
}

@Suite struct ServerFaultResponseTests {
    /// Faults the receiver's script language cannot express, through its hook: 429 with an HTTP-date,
    /// a 200 with a malformed body, and per-entry failures. Afterwards every row is at DOM exactly once.
    @Test func malformedBodiesPerEntryFailuresAndHTTPDatesAreSurvived() async throws {
        let fixture = try StoreFixture()
        let entryFailure: @Sendable (ReceivedRequestSummary) -> InjectedFault? = { request in
            switch request.sequence {
            case 1: return .respond(status: 429, headers: ["Retry-After": "Sun, 23 Nov 2025 12:13:25 GMT"], body: "")
            case 2: return .respond(status: 200, headers: ["Content-Type": "application/fhir+json"], body: "{\"resourceType\":\"Bund")
            case 3:
                // A transaction-response that refuses every Observation entry with 500 (Devices are accepted).
                let entries = (try? JSONValue.parse(bytes: request.body))?["entry"]?.arrayValue ?? []
                let responses = entries.map { entry -> String in
                    entry["resource"]?["resourceType"]?.stringValue == "Observation"
                        ? #"{"response":{"status":"500 Internal Server Error","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"entry store failed"}]}}}"#
                        : #"{"response":{"status":"200 OK"}}"#
                }
                return .respond(status: 200, headers: [:], body: #"{"resourceType":"Bundle","type":"transaction-response","entry":["# + responses.joined(separator: ",") + "]}")
            default: return nil
            }
        }
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: entryFailure))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(12))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 20)
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-429", retryInMilliseconds: 5000))
        guard case .failed(kind: "bad-response", _) = await forwarder.deliverOnce() else { Issue.record("malformed body was trusted"); return }
        guard case .failed(kind: "entry-500", _) = await forwarder.deliverOnce() else { Issue.record("entry failures not retried"); return }
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 12, quarantined: 0))
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.failuresByKind == ["http-429": 12, "bad-response": 12, "entry-500": 12])
        #expect(receiver.observationCount == 12)
        let identifiers = receiver.observations().compactMap { $0["identifier"]?[0]?["value"]?.stringValue }
        #expect(Set(identifiers).count == 12)
    }
}
