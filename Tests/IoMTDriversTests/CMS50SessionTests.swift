import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

@Suite struct CMS50SessionTests {
    private func frames(_ count: Int, spo2: Int, pulse: Int) -> [UInt8] {
        (0..<count).flatMap { _ in CMS50Encoder.legacy(spo2: spo2, pulse: pulse) }
    }

    /// Windows close on the instants passed in: one pair of measurements per second, values from
    /// that second's frames only, and a second without frames emits nothing.
    @Test func windowsFollowTheGivenInstantsAt1Hz() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        #expect(session.start(at: .test(0)).byteCommands == [CMS50V46Decoder.startLiveData]) // the v4.6 probe, see below
        for offset in stride(from: Int64(0), to: 1000, by: 250) {
            #expect(session.ingest(frames(15, spo2: 97, pulse: 70), at: .test(offset)).measurements.isEmpty)
        }
        let first = session.ingest(frames(15, spo2: 90, pulse: 80), at: .test(1000)).measurements
        #expect(first.map(\.value) == [DecimalValue(97), DecimalValue(70)])
        #expect(first.map(\.type) == [.spo2, .pulseRateOximetry])
        for offset in stride(from: Int64(1250), to: 2000, by: 250) {
            #expect(session.ingest(frames(15, spo2: 90, pulse: 80), at: .test(offset)).measurements.isEmpty)
        }
        #expect(session.tick(at: .test(1999)).measurements.isEmpty)
        #expect(session.tick(at: .test(2000)).measurements.map(\.value) == [DecimalValue(90), DecimalValue(80)])
        #expect(session.tick(at: .test(2500)).measurements.isEmpty)
        #expect(session.tick(at: .test(3000)).measurements.isEmpty, "a window without frames emits nothing")
        #expect(session.ingest(frames(3, spo2: 99, pulse: 55), at: .test(3100)).measurements.isEmpty)
        #expect(session.finish(at: .test(3200)).measurements.map(\.value) == [DecimalValue(99), DecimalValue(55)])
    }

    /// A reader starved for over a second: the late chunk closes the old window and the tick a few milliseconds
    /// later closes the next. Each window is stamped with its own end on the grid, a full interval apart — stamped
    /// with the step instants (5 ms apart, one PHD centisecond) their identifiers were equal and the second reading
    /// was set aside as a duplicate (issue 11, HotplugTests).
    @Test func windowsClosedMillisecondsApartKeepTheirOwnInstants() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        _ = session.start(at: .test(5))
        #expect(session.ingest(frames(60, spo2: 97, pulse: 70), at: .test(5)).measurements.isEmpty)
        let first = session.ingest(frames(60, spo2: 97, pulse: 70), at: .test(2001)).measurements // starved reader
        let second = session.tick(at: .test(2006)).measurements
        let normaliser = Normaliser()
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "T")
        let times = (first + second).map { normaliser.normalise($0, device: device, patientId: nil, receivedAt: .test(2006)).receivedAt }
        #expect(times == [.test(1005), .test(1005), .test(2005), .test(2005)])
        // A window cut short by the end of the stream stands for the instant it ended.
        _ = session.ingest(frames(3, spo2: 99, pulse: 55), at: .test(2100))
        #expect(session.finish(at: .test(2300)).measurements.map(\.takenAt) == [.test(2300), .test(2300)])
    }

    @Test func reportIntervalOptionSetsTheWindow() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId,
                                                                  options: ["reportIntervalMs": .number(5000)]))
        _ = session.ingest(frames(60, spo2: 97, pulse: 70), at: .test(0))
        #expect(session.tick(at: .test(4999)).measurements.isEmpty)
        #expect(session.tick(at: .test(5000)).measurements.count == 2)
    }

    @Test func rawFrameIsTheLastContributingFrame() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        let last = CMS50Encoder.legacy(spo2: 96, pulse: 71, pleth: 99)
        let fingerOut = CMS50Encoder.legacy(spo2: 0x7F, pulse: 0xFF, fingerOut: true)
        let output = decodeAtOnce(frames(10, spo2: 96, pulse: 71) + last + fingerOut, session: &session)
        #expect(output.measurements.map(\.rawFrame) == [last, last])
        #expect(output.measurements[0].status == [.questionable, .sensorOff])
    }

    @Test func resynchronisationIsReported() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        let output = session.ingest([0x00, 0x11, 0x22] + frames(2, spo2: 97, pulse: 70) + [0x85, 0x01], at: .test(0))
        #expect(output.events == [.resynchronised(discardedBytes: 3)])
        #expect(session.finish(at: .test(0)).events == [.resynchronised(discardedBytes: 2)])
    }

    @Test func v46StartsLiveDataAndRepeatsItAsKeepAlive() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.v46Id))
        let startLive: [UInt8] = [0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]
        #expect(session.start(at: .test(0)).byteCommands == [startLive])
        var sentAt: [Int64] = []
        for second in Int64(1)...16 {
            if session.tick(at: .test(second * 1000)).byteCommands == [startLive] { sentAt.append(second * 1000) }
        }
        #expect(sentAt == [5000, 10000, 15000])
    }

    @Test func keepAliveIntervalIsConfigurable() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.v46Id,
                                                                  options: ["keepAliveIntervalMs": .number(2000)]))
        _ = session.start(at: .test(0))
        let sent = (1...6).map { session.tick(at: .test(Int64($0) * 1000)).byteCommands.count }
        #expect(sent == [0, 1, 0, 1, 0, 1])
    }

    /// A legacy port asks for v4.6 live data (a CMS50E on the legacy profile sends nothing otherwise) every 5 s
    /// until legacy frames come, then never again; a legacy device takes any byte as "stream on".
    @Test func legacyAsksForV46LiveDataOnlyUntilLegacyFramesArrive() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        #expect(session.start(at: .test(0)).byteCommands == [CMS50V46Decoder.startLiveData])
        let probes = (1...10).map { session.tick(at: .test(Int64($0) * 1000)).byteCommands.count }
        #expect(probes == [0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        _ = session.ingest(frames(60, spo2: 97, pulse: 70), at: .test(10_500))
        let afterFrames = (11...30).map { second -> Int in
            _ = session.ingest(frames(60, spo2: 97, pulse: 70), at: .test(Int64(second) * 1000 - 10))
            return session.tick(at: .test(Int64(second) * 1000)).byteCommands.count
        }
        #expect(afterFrames.allSatisfy { $0 == 0 })
    }

    @Test func singleFrameYieldsObservationsOnFinish() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.v46Id))
        let output = decodeAtOnce(CMS50Encoder.v46(spo2: 98, pulse: 61), session: &session)
        #expect(output.measurements.map(\.value) == [DecimalValue(98), DecimalValue(61)])
    }
}

@Suite struct DriverOptionTests {
    private func error(_ driver: String, _ options: [String: JSONValue]) -> DriverConfigurationError? {
        do { _ = try DriverRegistry.makeSession(for: profile(driver: driver, options: options)); return nil } catch { return error }
    }

    @Test func reportIntervalOutOfRange() {
        let failure = error(CMS50Registration.legacyId, ["reportIntervalMs": .number(50)])
        #expect(failure == DriverConfigurationError(profileId: "test-contec-cms50-legacy", field: "driverOptions.reportIntervalMs",
                                                    expected: "an integer from 100 to 60000", found: "50"))
        #expect(failure?.description == "profile test-contec-cms50-legacy: driverOptions.reportIntervalMs: expected an integer from 100 to 60000, found 50")
    }

    @Test func reportIntervalMustBeANumber() {
        #expect(error(CMS50Registration.legacyId, ["reportIntervalMs": .string("1000")])?.found == "\"1000\"")
        #expect(error(CMS50Registration.legacyId, ["reportIntervalMs": .number("1000.5")])?.found == "1000.5")
        #expect(error(CMS50Registration.legacyId, ["reportIntervalMs": .number(60_001)]) != nil)
        #expect(error(CMS50Registration.legacyId, ["reportIntervalMs": .number(100)]) == nil)
        #expect(error(CMS50Registration.legacyId, ["reportIntervalMs": .number(60_000)]) == nil)
    }

    @Test func unknownOptionsAreRejected() {
        let failure = error(CMS50Registration.legacyId, ["keepAliveIntervalMs": .number(5000)])
        #expect(failure?.field == "driverOptions.keepAliveIntervalMs")
        #expect(failure?.found == "unknown option \"keepAliveIntervalMs\"")
        #expect(error(CMS50Registration.v46Id, ["reportIntervalMS": .number(1000)])?.field == "driverOptions.reportIntervalMS")
    }

    @Test func keepAliveRange() {
        #expect(error(CMS50Registration.v46Id, ["keepAliveIntervalMs": .number(30_000)])?.expected == "an integer from 1000 to 25000")
    }

    @Test func unknownDriver() {
        let failure = error("contec-cms60", [:])
        #expect(failure?.field == "driver")
        #expect(failure?.found == "\"contec-cms60\"")
    }
}
