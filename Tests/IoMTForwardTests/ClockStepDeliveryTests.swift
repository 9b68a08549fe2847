import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTStore
import Testing

/// Every reading reached the receiver, and none was uploaded twice: besides the gateway's and the device's
/// Device entries (created by the first bundle, repeated by each later one) conditional create suppressed nothing.
func expectEachReadingOnce(_ receiver: DOMReceiver, count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(receiver.observationCount == count, sourceLocation: sourceLocation)
    #expect(receiver.duplicatesSuppressed == 2 * receiver.bundleCount - 2, "an Observation was uploaded twice", sourceLocation: sourceLocation)
    let identifiers = receiver.observations().compactMap { $0["identifier"]?[0]?["value"]?.stringValue }
    #expect(Set(identifiers).count == count, sourceLocation: sourceLocation)
}

/// A reading whose device reported `civil` (no UTC offset: the gateway applies `offsetMinutes`).
func reading(device: DeviceIdentity, civil: CivilTime, offsetMinutes: Int, value: Int, receivedAtSecond: Int) -> Observation {
    let received = Instant(millisecondsSinceEpoch: 1_763_900_000_000 + Int64(receivedAtSecond) * 1000)
    return Observation(type: .spo2, value: DecimalValue(value), unit: "%", deviceTime: civil, receivedAt: received,
                       correctedTime: civil.instant(assumingOffsetMinutes: offsetMinutes),
                       device: device, patientId: "85010112345", rawFrame: [0x80])
}

/// Device clocks that step backwards must never make a new reading look delivered (issue 11, item 1).
@Suite struct ClockStepDeliveryTests {
    /// The gateway sets a fast device clock back by one hour in the middle of a stream: the readings stamped
    /// after the step carry device times an hour before those already delivered, and are new all the same.
    @Test func deviceClockSetBackAnHourMidStreamLosesNothing() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let beforeStep = (0..<20).map { reading(device: oximeter, second: 3600 + $0 * 60, value: 80 + $0 % 20, withDeviceTime: true, receivedAtSecond: $0 * 60) }
        let afterStep = (20..<40).map { reading(device: oximeter, second: $0 * 60, value: 80 + $0 % 20, withDeviceTime: true, receivedAtSecond: $0 * 60) }
        _ = try await fixture.store.append(beforeStep + afterStep)
        let steps = await drain(makeForwarder(fixture, port: port, batchSize: 5))
        #expect(steps.last == .idle)
        expectEachReadingOnce(receiver, count: 40)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }

    /// Autumn DST change on a device reporting local time without an offset (`deviceUTCOffsetMinutes` 120 → 60):
    /// 02:00–02:50 happens twice; the second hour's readings are new readings.
    @Test func daylightSavingOffsetChangeLosesNothing() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let summer = (0..<6).map { index in
            reading(device: oximeter, civil: CivilTime(year: 2025, month: 10, day: 26, hour: 2, minute: index * 10),
                    offsetMinutes: 120, value: 90 + index, receivedAtSecond: index * 600)
        }
        let winter = (0..<6).map { index in
            reading(device: oximeter, civil: CivilTime(year: 2025, month: 10, day: 26, hour: 2, minute: index * 10),
                    offsetMinutes: 60, value: 80 + index, receivedAtSecond: 3600 + index * 600)
        }
        let forwarder = makeForwarder(fixture, port: port, batchSize: 4)
        _ = try await fixture.store.append(summer)
        await drain(forwarder)
        _ = try await fixture.store.append(winter)
        await drain(forwarder)
        expectEachReadingOnce(receiver, count: 12)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }

    /// A memory download that arrives newest-first, in several store batches delivered one after another.
    @Test func newestFirstMemoryDownloadAcrossBatchesLosesNothing() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)
        let newestFirst = (0..<30).reversed().map { reading(device: oximeter, second: $0 * 60, value: 70 + $0, withDeviceTime: true, receivedAtSecond: 5000 + (29 - $0)) }
        for chunk in stride(from: 0, to: 30, by: 10) {
            _ = try await fixture.store.append(Array(newestFirst[chunk..<(chunk + 10)]))
            await drain(forwarder)
        }
        expectEachReadingOnce(receiver, count: 30)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }

    /// The batch read ahead while another is in flight may hold a copy of a reading in flight (a device resending
    /// while its first copy uploads); the copy is not uploaded once the first was accepted.
    @Test func readAheadCopyOfAReadingInFlightIsNotUploaded() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let first = (0..<10).map { reading(device: oximeter, second: $0, value: 80 + $0, withDeviceTime: false) }
        _ = try await fixture.store.append(first)
        _ = try await fixture.store.append(first)
        let steps = await drain(makeForwarder(fixture, port: port, batchSize: 10))
        #expect(steps.last == .idle)
        #expect(receiver.bundleCount == 1, "the copies were uploaded")
        expectEachReadingOnce(receiver, count: 10)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }

    /// Two copies of a reading in one batch: one upload; the other waits and is set aside once the first is accepted.
    @Test func copiesWithinOneBatchAreUploadedOnce() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let rows = (0..<5).map { reading(device: oximeter, second: $0, value: 80 + $0, withDeviceTime: false) }
        _ = try await fixture.store.append(rows + rows)
        let steps = await drain(makeForwarder(fixture, port: port, batchSize: 10))
        #expect(steps.last == .idle)
        #expect(receiver.bundleCount == 1, "the copies were uploaded")
        expectEachReadingOnce(receiver, count: 5)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }
}
