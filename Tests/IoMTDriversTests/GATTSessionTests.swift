import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

private func bleProfile(_ driver: String, services: [BluetoothUUID], transport: TransportKind = .ble,
                        options: [String: JSONValue] = [:]) -> DeviceProfile {
    DeviceProfile(id: "test-\(driver)", manufacturer: "any", model: "test", deviceClass: "test", driver: driver, transport: transport,
                  match: MatchRules(bleServices: services), serial: transport == .serial ? SerialSettings(baudRate: 9600) : nil,
                  driverOptions: options)
}

private func rejections(_ output: DeviceOutput) -> [String] {
    output.events.compactMap { if case let .rejectedFrame(reason) = $0 { return reason } else { return nil } }
}

/// The session the BlueZ layer drives: RACP requests from the high-water mark, routing by
/// characteristic, rejection of what does not belong, and the registry's checks.
@Suite struct GATTSessionTests {
    /// Glucose Measurement, flags 0x02 (concentration), sequence `sequence`, 2026-11-23 10:15:00, 120 mg/dL, capillary/finger.
    static func glucoseRecord(_ sequence: UInt16) -> [UInt8] {
        [0x02, UInt8(sequence & 0xFF), UInt8(sequence >> 8), 0xEA, 0x07, 11, 23, 10, 15, 0, 0x78, 0xB0, 0x11]
    }

    @Test func glucoseFetchesOnlyRecordsAfterTheHighWaterMark() throws {
        var first = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"]))
        #expect(first.connected(at: .testStart).writes == [GATTWrite(service: 0x1808, characteristic: 0x2A52, value: [0x01, 0x01])])
        for sequence: UInt16 in [3, 9, 4] {
            #expect(first.decode(characteristic: 0x2A18, value: Self.glucoseRecord(sequence), receivedAt: .testStart).measurements.count == 1)
        }
        let done = first.decode(characteristic: 0x2A52, value: [0x06, 0x00, 0x01, 0x01], receivedAt: .testStart)
        #expect(done.recordAccessResponse == .response(requestOpCode: 1, code: .success))
        #expect(first.highWaterSequenceNumber == 9)

        var next = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"]), highWaterSequenceNumber: first.highWaterSequenceNumber)
        // Asked from the mark itself: the first record must be record 9 again, proving the numbering unchanged.
        #expect(next.connected(at: .testStart).writes.map(\.value) == [[0x01, 0x03, 0x01, 0x09, 0x00]])
        #expect(next.decode(characteristic: 0x2A18, value: Self.glucoseRecord(9), receivedAt: .testStart).measurements.isEmpty)
        #expect(next.decode(characteristic: 0x2A18, value: Self.glucoseRecord(10), receivedAt: .testStart).measurements.count == 1)
    }

    @Test func theTopSequenceNumberIsAskedForAgainAndItsDuplicateDropped() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"]), highWaterSequenceNumber: .max)
        #expect(session.connected(at: .testStart).writes.map(\.value) == [[0x01, 0x03, 0x01, 0xFF, 0xFF]])
        #expect(session.decode(characteristic: 0x2A18, value: Self.glucoseRecord(.max), receivedAt: .testStart).measurements.isEmpty)
    }

    @Test func pulseOximeterAsksForAllStoredSpotChecksAndOthersForNothing() throws {
        var plx = try DriverRegistry.makeGATTSession(for: bleProfile("ble-pulse-oximeter", services: ["1822"]))
        #expect(plx.connected(at: .testStart).writes.map(\.value) == [[0x01, 0x01]])
        for (driver, service): (String, BluetoothUUID) in [("ble-blood-pressure", "1810"), ("ble-health-thermometer", "1809"), ("ble-weight-scale", "181d"), ("ble-heart-rate", "180d")] {
            var session = try DriverRegistry.makeGATTSession(for: bleProfile(driver, services: [service]))
            #expect(session.connected(at: .testStart).writes.isEmpty, "\(driver)")
            #expect(!session.profile.usesRecordAccessControlPoint)
        }
    }

    @Test func valuesOfOtherProfilesAndRACPWithoutRACPAreRejected() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-heart-rate", services: ["180d"]))
        let output = session.decode(characteristic: 0x2A35, value: [0, 0, 0], receivedAt: .testStart)
        #expect(rejections(output) == ["characteristic 0x2A35 is not part of Heart Rate Service (0x180D)"])
        #expect(rejections(session.decode(characteristic: 0x2A52, value: [0x06, 0, 1, 1], receivedAt: .testStart)).count == 1)
    }

    @Test func clockValuesAreReportedForTheOffsetAndUnsetClocksSaySo() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-blood-pressure", services: ["1810"]))
        let set = session.decode(characteristic: 0x2A2B, value: [0xEA, 0x07, 11, 23, 10, 0, 0, 1, 0, 0], receivedAt: .testStart)
        #expect(set.events == [.deviceInfo(key: "deviceClock", value: "2026-11-23T10:00:00")])
        let readAt = try #require(Instant(iso8601: "2026-11-23T10:00:05Z"))
        #expect(set.deviceClock?.clockOffsetMilliseconds(readAt: readAt, assumingUTCOffsetMinutes: 0) == -5000)
        let unset = session.decode(characteristic: 0x2A08, value: [0xD0, 0x07, 1, 1, 0, 0, 4], receivedAt: .testStart)
        #expect(unset.events == [.deviceInfo(key: "deviceClock", value: "not set (2000-01-01T00:00:04)")])
        #expect(unset.deviceClock?.dateTime.isClockUnset == true)
        #expect(unset.deviceClock?.clockOffsetMilliseconds(readAt: readAt, assumingUTCOffsetMinutes: 0) == nil)
        #expect(rejections(session.decode(characteristic: 0x2A2B, value: [0xEA, 0x07, 11, 23], receivedAt: .testStart)).first?.contains("Exact Time 256.hours") == true)
    }

    @Test func featuresAreReportedByName() throws {
        var bp = try DriverRegistry.makeGATTSession(for: bleProfile("ble-blood-pressure", services: ["1810"]))
        #expect(bp.decode(characteristic: 0x2A49, value: [0x25, 0x02], receivedAt: .testStart).events
                == [.deviceInfo(key: "bloodPressureFeature", value: "body-movement-detection, irregular-pulse-detection, multiple-bonds, reserved-bit-9")])
        var plx = try DriverRegistry.makeGATTSession(for: bleProfile("ble-pulse-oximeter", services: ["1822"]))
        let features = plx.decode(characteristic: 0x2A60, value: [0x03, 0x00, 0x00, 0xE0, 0x22, 0x80, 0x00], receivedAt: .testStart)
        #expect(features.events == [
            .deviceInfo(key: "plxFeatures", value: "measurement-status, device-and-sensor-status"),
            .deviceInfo(key: "plxMeasurementStatusSupport", value: "invalid, not-available, questionable"),
            // 0x80E022: bits 1 (equipment malfunction), 5 (low perfusion), 13-15 (sensor displaced/malfunctioning/disconnected), 23 reserved.
            .deviceInfo(key: "plxDeviceAndSensorStatusSupport", value: "low-signal, probe-error, sensor-off"),
        ])
        // Support bits announced but their fields missing: rejected, naming the field.
        #expect(rejections(plx.decode(characteristic: 0x2A60, value: [0x02, 0x00, 0x01], receivedAt: .testStart)).first?
            .contains("Device and Sensor Status Support") == true)
        var scale = try DriverRegistry.makeGATTSession(for: bleProfile("ble-weight-scale", services: ["181d"]))
        // bits 0-2 all, weight resolution 7 (0.005 kg), height resolution 3 (0.001 m): 0x1BF.
        #expect(scale.decode(characteristic: 0x2A9E, value: [0xBF, 0x01, 0, 0], receivedAt: .testStart).events == [
            .deviceInfo(key: "weightScaleFeature", value: "time-stamp, multiple-users, bmi"),
            .deviceInfo(key: "weightResolution", value: "0.005 kg / 0.01 lb"),
            .deviceInfo(key: "heightResolution", value: "0.001 m / 0.1 in"),
        ])
        var glucose = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"]))
        #expect(glucose.decode(characteristic: 0x2A51, value: [0x01, 0x02], receivedAt: .testStart).events
                == [.deviceInfo(key: "glucoseFeature", value: "low-battery-detection, time-fault")])
    }

    @Test func glucoseContextReportsHbA1cAndTheRestAsEvents() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"]))
        // flags 0x46: meal, tester-health, HbA1c; sequence 7; meal 1 preprandial; tester 1 self / health 5 none; HbA1c 6.5 %.
        let output = session.decode(characteristic: 0x2A34, value: [0x46, 0x07, 0x00, 0x01, 0x51, 0x41, 0xF0], receivedAt: .testStart)
        #expect(output.measurements.map(\.type) == [.hba1c])
        #expect(output.measurements.first?.value?.description == "6.5")
        #expect(output.events == [.deviceInfo(key: "glucoseContext[7].meal", value: "preprandial"),
                                  .deviceInfo(key: "glucoseContext[7].tester", value: "self"),
                                  .deviceInfo(key: "glucoseContext[7].health", value: "no-health-issues")])
    }

    /// Every prefix of a value with all optional fields is either decoded or rejected with a reason;
    /// a short prefix never yields a partial reading.
    @Test func everyTruncationIsARejectionNeverACrash() throws {
        let full: [(String, BluetoothUUID, BluetoothUUID, [UInt8])] = [
            ("ble-blood-pressure", "1810", 0x2A35, [0x1F, 0x78, 0, 0x50, 0, 0x5D, 0, 0xEA, 0x07, 11, 23, 10, 15, 0, 0x48, 0, 1, 0, 0]),
            ("ble-pulse-oximeter", "1822", 0x2A5E, [0x0F, 97, 0, 72, 0, 0xEA, 0x07, 11, 23, 10, 15, 0, 0, 0, 0, 0, 0, 0x23, 0xF0]),
            ("ble-pulse-oximeter", "1822", 0x2A5F, [0x1F, 96, 0, 70, 0, 95, 0, 75, 0, 97, 0, 68, 0, 0, 0, 0, 0, 0, 0x0C, 0xF0]),
            ("ble-health-thermometer", "1809", 0x2A1C, [0x06, 0x42, 0x0E, 0, 0xFE, 0xEA, 0x07, 11, 23, 10, 15, 0, 6]),
            ("ble-weight-scale", "181d", 0x2A9D, [0x0E, 0xB0, 0x36, 0xEA, 0x07, 11, 23, 10, 15, 0, 2, 0xE4, 0, 0xD6, 0x06]),
            ("ble-heart-rate", "180d", 0x2A37, [0x1F, 0x48, 0, 0x36, 0x01, 0x55, 0x03]),
            ("ble-glucose", "1808", 0x2A18, [0x1B, 1, 0, 0xEA, 0x07, 11, 23, 10, 15, 0, 0xA6, 0xFF, 0x78, 0xB0, 0x11, 0, 0]),
            ("ble-glucose", "1808", 0x2A34, [0xDF, 7, 0, 0, 1, 0x32, 0xD0, 1, 0x51, 0x08, 0x07, 40, 1, 0x05, 0xA0, 0x41, 0xF0]),
        ]
        for (driver, service, characteristic, value) in full {
            var session = try DriverRegistry.makeGATTSession(for: bleProfile(driver, services: [service]))
            let whole = session.decode(characteristic: characteristic, value: value, receivedAt: .testStart)
            #expect(rejections(whole).isEmpty && !whole.measurements.isEmpty, "\(driver) \(characteristic.shortText) full value")
            for length in 0..<value.count {
                let output = session.decode(characteristic: characteristic, value: Array(value.prefix(length)), receivedAt: .testStart)
                #expect(output.measurements.isEmpty, "\(driver) prefix \(length)")
                #expect(rejections(output).count == 1, "\(driver) \(characteristic.shortText) prefix \(length)")
            }
        }
    }

    @Test func reservedFlagBitsAndTrailingBytesAreReportedNotFatal() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-heart-rate", services: ["180d"]))
        let output = session.decode(characteristic: 0x2A37, value: [0xE0, 72, 0x99], receivedAt: .testStart)
        #expect(output.measurements.first?.value == DecimalValue(72))
        #expect(output.events == [.deviceInfo(key: "gatt.2A37.reservedFlags", value: "0xE0"),
                                  .deviceInfo(key: "gatt.2A37.trailingBytes", value: "1")])
    }

    /// The normaliser keeps the device's stamp and holds the reading (time-untrusted) when the clock was not set,
    /// and the device time corrected by the measured Current Time offset when it was.
    @Test func normaliserCorrectsGATTTimes() throws {
        var session = try DriverRegistry.makeGATTSession(for: bleProfile("ble-health-thermometer", services: ["1809"]))
        let device = DeviceIdentity(profileId: "ble-health-thermometer", manufacturer: "any", model: "any", bluetoothAddress: "AA:BB:CC:DD:EE:FF")
        let received = try #require(Instant(iso8601: "2026-11-23T10:00:00Z"))
        // 36.50 Cel stamped 2000-01-01 00:00:07 (reset clock).
        let reset = session.decode(characteristic: 0x2A1C, value: [0x02, 0x42, 0x0E, 0, 0xFE, 0xD0, 0x07, 1, 1, 0, 0, 7], receivedAt: received)
        let unset = try #require(reset.measurements.first)
        #expect(unset.status == [.deviceClockNotSet])
        let observation = Normaliser().normalise(unset, device: device, patientId: nil, receivedAt: received)
        #expect(observation.correctedTime == Instant(iso8601: "2000-01-01T00:00:07Z"), "kept, not re-stamped with the receipt time")
        #expect(observation.status.contains(.timeUntrusted))
        #expect(observation.deviceTime == CivilTime(year: 2000, month: 1, day: 1, second: 7))
        // A set clock, 2 s behind the gateway (offset from Current Time), in UTC.
        let clock = try GATTCurrentTime.decode([0xEA, 0x07, 11, 23, 9, 59, 58, 1, 0, 0])
        let offset = try #require(clock.clockOffsetMilliseconds(readAt: received, assumingUTCOffsetMinutes: 0))
        #expect(offset == -2000)
        let stamped = session.decode(characteristic: 0x2A1C, value: [0x02, 0x42, 0x0E, 0, 0xFE, 0xEA, 0x07, 11, 23, 9, 30, 0], receivedAt: received)
        let corrected = Normaliser(deviceClockOffsetMilliseconds: offset).normalise(try #require(stamped.measurements.first), device: device,
                                                                                 patientId: nil, receivedAt: received)
        #expect(corrected.correctedTime == Instant(iso8601: "2026-11-23T09:30:02Z"))
        #expect(corrected.value?.description == "36.50")
    }

    @Test func registryChecksDriverTransportServiceAndOptions() {
        #expect { _ = try DriverRegistry.makeSession(for: bleProfile("ble-glucose", services: ["1808"])) } throws: { error in
            (error as? DriverConfigurationError)?.found == "GATT driver \"ble-glucose\""
        }
        #expect { _ = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"], transport: .serial)) } throws: { error in
            (error as? DriverConfigurationError)?.field == "transport"
        }
        #expect { _ = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1810"])) } throws: { error in
            (error as? DriverConfigurationError)?.description == "profile test-ble-glucose: match.bleServices: expected the service \"1808\" of Glucose Service (0x1808), found \"1810\""
        }
        #expect { _ = try DriverRegistry.makeGATTSession(for: bleProfile("nonin-serial-format8", services: ["1822"])) } throws: { error in
            (error as? DriverConfigurationError)?.field == "driver"
        }
        #expect { _ = try DriverRegistry.makeGATTSession(for: bleProfile("ble-glucose", services: ["1808"], options: ["x": .bool(true)])) } throws: { error in
            (error as? DriverConfigurationError)?.field == "driverOptions.x"
        }
    }

    @Test func everyShippedBluetoothProfileLoadsAndMakesASession() throws {
        let catalog = try Repository.catalog()
        for metadata in GATTProfile.all {
            let profile = try #require(catalog.profile(id: metadata.driverId), "DeviceProfiles/\(metadata.driverId).json")
            #expect(profile.transport == .ble)
            // The generic profile first; after it only models of the same driver whose quirks change the link (A&D's).
            let matching = catalog.matches(bleServices: [metadata.service])
            #expect(matching.first?.id == metadata.driverId)
            #expect(matching.dropFirst().allSatisfy { $0.driver == metadata.driverId && !$0.bluetoothQuirks.isEmpty })
            let session = try DriverRegistry.makeGATTSession(for: profile)
            #expect(session.profile.use(of: metadata.mainMeasurement) != nil)
            #expect(!session.profile.subscriptions.isEmpty)
        }
    }

    @Test func fuzzFindingsAndFixtureValuesKeepTheInvariants() throws {
        let decoders: [(String, any GATTProfileDecoder.Type)] = [
            ("GATTBloodPressure", BloodPressureProfile.self), ("GATTPulseOximeter", PulseOximeterProfile.self),
            ("GATTHealthThermometer", HealthThermometerProfile.self), ("GATTWeightScale", WeightScaleProfile.self),
            ("GATTHeartRate", HeartRateProfile.self), ("GATTGlucose", GlucoseProfile.self),
        ]
        let fixtures = try FixtureCase.all().filter(\.isGATT).map { try $0.capture() }
        for (target, decoder) in decoders {
            for input in FuzzCrashRegressionTests.inputs(target: target) + FuzzCrashRegressionTests.hostileStreams {
                #expect(GATTInvariants.violation(in: input, decoder: decoder) == nil, "\(target) input \(input.prefix(32))")
            }
            for value in fixtures {
                for selector: UInt8 in 0..<8 {
                    #expect(GATTInvariants.violation(in: [selector] + value, decoder: decoder) == nil, "\(target) fixture \(value)")
                }
            }
        }
    }
}
