import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// The one device contract: every profile's driver is reached through `DriverRegistry.makeReader`, says what it needs
/// from its transport, and answers an input of the other transport kind with a rejection, never a crash.
struct DeviceReaderContractTests {
    @Test func everyProfileIsReadThroughTheOneContractAndItsNeedsMatchItsTransport() throws {
        let profiles = try Repository.catalog().profiles
        #expect(profiles.count >= 11)
        for profile in profiles {
            var reader = try DriverRegistry.makeReader(for: profile)
            switch (profile.transport, reader.needs) {
            case (.ble, .gatt(let gatt)):
                #expect(profile.match.bleServices.contains(gatt.service), "\(profile.id)")
                #expect(reader.handle(.bytes([0x01, 0x02]), at: .testStart).rejections.count == 1, "\(profile.id)")
            case (.serial, .byteStream):
                #expect(reader.handle(.value(characteristic: 0x2A35, bytes: [0x00]), at: .testStart).rejections.count == 1, "\(profile.id)")
            default:
                Issue.record("\(profile.id): transport \(profile.transport.rawValue) but the reader needs \(reader.needs)")
            }
        }
    }

    @Test func linkUpTickAndLinkDownAreTheStreamDriversStartTickAndFinish() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: CMS50Registration.v46Id))
        #expect(reader.handle(.linkUp, at: .test(0)).byteCommands == [CMS50V46Decoder.startLiveData])
        let frame = CMS50Encoder.v46(spo2: 97, pulse: 72)
        _ = reader.handle(.bytes(frame + frame), at: .test(100))
        #expect(reader.handle(.tick, at: .test(5000)).byteCommands == [CMS50V46Decoder.startLiveData], "the keep-alive")
        _ = reader.handle(.bytes(frame), at: .test(5100))
        let last = reader.handle(.linkDown, at: .test(5200))
        #expect(last.measurements.count == 2, "link down flushes the open window (SpO2 and pulse)")
    }

    @Test func registeredOptionsAreCheckedBeforeTheDriverReadsThem() {
        #expect { _ = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format2Id, options: ["selectFromat": .bool(true)])) }
            throws: { ($0 as? DriverConfigurationError)?.field == "driverOptions.selectFromat" }
        var gatt = profile(driver: "ble-heart-rate", options: ["interval": .number(1)])
        gatt.transport = .ble
        gatt.match = MatchRules(bleServices: ["180d"])
        #expect { _ = try DriverRegistry.makeReader(for: gatt) }
            throws: { ($0 as? DriverConfigurationError)?.expected == "no driverOptions (this driver takes none)" }
        #expect { _ = try DriverRegistry.makeReader(for: profile(driver: "no-such-driver")) }
            throws: { ($0 as? DriverConfigurationError)?.field == "driver" }
    }

    /// A driver written against the contract only (as a new driver folder would be): it sees the inputs in order.
    struct InputRecorder: DeviceReader {
        var seen: [(DeviceInput, Int64)] = []
        var needs: DeviceNeeds { .byteStream }
        mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
            seen.append((input, time.milliseconds(since: .testStart)))
            return DeviceOutput()
        }
    }

    @Test func aReplayedCaptureArrivesAtItsLineRateWithATickEverySecondAndEndsWithLinkDown() {
        var recorder = InputRecorder()
        let capture = [UInt8](repeating: 0x55, count: 250)
        _ = recorder.replay(capture, byteRate: 100, from: .testStart, chunkSize: 100)
        let shape = recorder.seen.map { input, at -> String in
            switch input {
            case .linkUp: "up@\(at)"
            case let .bytes(bytes): "\(bytes.count)B@\(at)"
            case .tick: "tick@\(at)"
            case .linkDown: "down@\(at)"
            case .value: "value@\(at)"
            }
        }
        #expect(shape == ["up@0", "100B@0", "tick@1000", "100B@1000", "tick@2000", "50B@2000", "tick@3500", "down@3500"])
    }
}
