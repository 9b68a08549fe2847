import Foundation
import IoMTAlerts
import IoMTControl
import IoMTConfiguration
import IoMTCore
@testable import IoMTDaemon
import IoMTDrivers
import IoMTIngest
import IoMTLab
import IoMTProfiles
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 15: a two-user Omron cuff is one device entry (one address, one connection) whose user areas are parts
/// (`bt:…/user1`, `bt:…/user2`), each bound to its own patient. The real classic reader syncs with the lab's simulated
/// HEM-7322T; its outputs go through the daemon's ingest step (`DeviceIngest`, as the BLE runner drives it) into a real
/// store file, and bindings are made through the daemon's control handler, as `iomtctl bind` makes them.
@Suite struct OmronTwoUserCuffTests {
    static let userOnePatient = "44051401359"
    static let userTwoPatient = "02070803628"
    static let cuff = DeviceIdentity(profileId: "omron-hem-7322t", manufacturer: "Omron Healthcare", model: "HEM-7322T", bluetoothAddress: "00:5F:BF:11:22:33")
    static let now = CivilTime(year: 2026, month: 11, day: 17, hour: 8).instant(assumingOffsetMinutes: 0)
    static let root = PeerCredentials(pid: 1, uid: 0, gid: 0, groups: [])

    struct Rig {
        let store: Store
        let board: DeviceStatusBoard
        let ingest: DeviceIngest
        let control: DaemonControl
        let clock: ManualClock
        let directory: TemporaryDirectory
        var reader: OmronClassicReader
    }

    /// A gateway reading the cuff: in clinic mode, or a home hub when `homePatient` is given.
    func rig(homePatient: String? = nil) async throws -> Rig {
        let directory = TemporaryDirectory("iomt-omron-users")
        let clock = ManualClock(Self.now)
        let store = try Store(path: directory.database, clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: RuleSet(rules: []), store: store),
                                      dispatcher: AlertDispatcher(store: store, channels: [LogAlertChannel()], clock: clock),
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        let patient = homePatient.map { #", "patient": {"pesel": "\#($0)"}"# } ?? ""
        let configuration = try DaemonConfiguration.parse("""
            {"stateDirectory": "\(directory.path)", "profilesDirectory": "/usr/share/iomtd/profiles",
             "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "http://127.0.0.1:9/fhir"}\(patient)}
            """, file: "iomtd.json")
        let reader = try #require(try DriverRegistry.makeReader(for: try profile()) as? OmronClassicReader)
        let board = DeviceStatusBoard()
        // As the daemon does it: the coordinator puts every configured device on the board at start (it knows no
        // reader yet, so no parts), then the device's runner declares the parts its reader has.
        board.register(key: Self.cuff.key, profileId: "omron-hem-7322t", transport: "ble", address: "00:5F:BF:11:22:33", at: Self.now)
        BLEDeviceRunner.register(Self.cuff, profileIds: ["omron-hem-7322t"], address: "00:5F:BF:11:22:33", parts: reader.subDevices,
                                 on: board, at: Self.now)
        let ingest = DeviceIngest(identity: Self.cuff, patientId: homePatient, pipeline: pipeline, board: board, category: "bluetooth",
                                  rejectionsAreRoutine: false, homePatientSubDevice: reader.homePatientSubDevice)
        let control = DaemonControl(store: store, board: board, configuration: configuration, startedAt: Self.now, clock: clock, pipeline: pipeline)
        return Rig(store: store, board: board, ingest: ingest, control: control, clock: clock, directory: directory, reader: reader)
    }

    func profile() throws -> DeviceProfile {
        let path = RepositoryRoot.url.appendingPathComponent("DeviceProfiles/omron-hem-7322t.json").path
        return try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))), sourcePath: path)
    }

    /// One connection: the marks the store holds for each user (as the BLE connection asks them), then the reader and
    /// the cuff until the sync ends, every output stored by the ingest step. Returns the readings stored.
    @discardableResult
    func sync(_ rig: inout Rig, _ cuff: inout OmronCuffDevice) async throws -> Int {
        var marks: [String: DeviceRecordMark] = [:]
        for part in rig.reader.subDevices { marks[part] = try await rig.store.recordMark(deviceKey: Self.cuff.part(part).key) }
        rig.reader.resume(subDeviceMarks: marks)
        let time = rig.clock.now()
        let civil = CivilTime(instant: time, utcOffsetMinutes: 0)
        let cuffTime = BLECurrentTime(year: civil.year, month: civil.month, day: civil.day, hour: civil.hour, minute: civil.minute, second: civil.second, dayOfWeek: 0)
        var outputs = [rig.reader.handle(.linkUp, at: time)]
        var stored = 0
        while !outputs.isEmpty {
            let output = outputs.removeFirst()
            #expect(output.rejections.isEmpty, "\(output.rejections)")
            stored += output.measurements.count
            #expect(await rig.ingest.deliver(output, receivedAt: time, normaliser: Normaliser()))
            for write in output.writes {
                for (characteristic, bytes) in cuff.written(write.characteristic, write.value, now: cuffTime).notifications {
                    outputs.append(rig.reader.handle(.value(characteristic: characteristic, bytes: bytes), at: time))
                }
            }
        }
        return stored
    }

    static func record(user: Int, systolic: Int, minute: Int) -> OmronCuffDevice.Record {
        OmronCuffDevice.Record(user: user, systolic: systolic, diastolic: systolic - 40, pulse: 70,
                               time: BLECurrentTime(year: 2026, month: 11, day: 17, hour: 7, minute: minute, second: 0, dayOfWeek: 0))
    }

    /// A cuff with two records of user 1 and one of user 2.
    static func twoUserCuff() -> OmronCuffDevice {
        var cuff = OmronCuffDevice(key: OmronClassicReader.defaultUnlockKey)
        cuff.add(record(user: 1, systolic: 121, minute: 1))
        cuff.add(record(user: 1, systolic: 126, minute: 2))
        cuff.add(record(user: 2, systolic: 171, minute: 3))
        return cuff
    }

    func bind(_ rig: Rig, _ device: String, _ patient: String, releaseHeld: Bool = false) async -> ControlReply {
        await rig.control.handle(.bind(ControlCommand.BindArguments(device: device, patient: patient, from: Self.now.adding(milliseconds: -7_200_000),
                                                                    releaseHeld: releaseHeld)), from: Self.root)
    }

    /// Systolic values of the stored readings of `part` waiting for DOM (pending), with their patient.
    func pending(_ rig: Rig) async throws -> [(device: String, patient: String?, systolic: String)] {
        try await rig.store.pending(destination: "dom", limit: 100).compactMap { row in
            let observation = row.observation
            guard let systolic = observation.components.first(where: { $0.type == .systolic })?.value?.description else { return nil }
            return (observation.device.key, observation.patientId, systolic)
        }
    }

    func held(_ rig: Rig) async throws -> [(device: String, patient: String?)] {
        try await rig.store.quarantined(destination: "dom", limit: 100).filter { $0.1 == Store.heldBackReason }
            .map { ($0.0.observation.device.key, $0.0.observation.patientId) }
    }

    @Test func userTwosRecordsReachUserTwosBindingAndWhileUnboundAreHeldNotGivenToUserOne() async throws {
        var rig = try await rig()
        let userOne = Self.cuff.part("user1").key, userTwo = Self.cuff.part("user2").key
        // The whole cuff cannot be bound: its readings are its users'.
        let whole = await bind(rig, "00:5F:BF:11:22:33", Self.userOnePatient)
        #expect(whole.exitCode == .usage && whole.error?.contains("expected one of \(userOne), \(userTwo)") == true, "\(whole)")
        #expect(await bind(rig, userOne, Self.userOnePatient).exitCode == .ok)

        var cuff = Self.twoUserCuff()
        #expect(try await sync(&rig, &cuff) == 6)
        let sent = try await pending(rig)
        #expect(sent.map(\.systolic) == ["121", "126"])
        #expect(sent.allSatisfy { $0.device == userOne && $0.patient == Self.userOnePatient })
        // User 2's blood pressure and pulse: held (no patient), not user 1's.
        let waiting = try await held(rig)
        #expect(waiting.count == 2 && waiting.allSatisfy { $0.device == userTwo && $0.patient == nil }, "\(waiting)")
        #expect(try await rig.store.stats(destination: "dom").held == 2)

        // Binding user 2 releases them to user 2's patient only.
        let bound = await bind(rig, userTwo, Self.userTwoPatient, releaseHeld: true)
        #expect(bound.exitCode == .ok, "\(bound)")
        #expect(try BindReply(json: try #require(bound.result)).releasedHeldReadings == 2)
        let after = try await pending(rig)
        #expect(after.filter { $0.device == userTwo }.map(\.systolic) == ["171"])
        #expect(after.allSatisfy { $0.patient == ($0.device == userTwo ? Self.userTwoPatient : Self.userOnePatient) })
        #expect(try await held(rig).isEmpty)

        // A new record of user 2 goes to user 2's binding when it is stored.
        cuff.add(Self.record(user: 2, systolic: 177, minute: 20))
        #expect(try await sync(&rig, &cuff) == 2)
        #expect(try await pending(rig).filter { $0.patient == Self.userTwoPatient }.map(\.systolic) == ["171", "177"])
    }

    @Test func eachUserKeepsItsOwnMark() async throws {
        var rig = try await rig()
        var cuff = Self.twoUserCuff()
        try await sync(&rig, &cuff)
        #expect(try await rig.store.recordMark(deviceKey: Self.cuff.part("user1").key)?.sequenceNumber == 2)
        #expect(try await rig.store.recordMark(deviceKey: Self.cuff.part("user2").key)?.sequenceNumber == 1)
        #expect(try await rig.store.recordMark(deviceKey: Self.cuff.key) == nil)

        // Nothing new: nothing read again. Then one new record of user 2: only it, user 1's mark where it was.
        #expect(try await sync(&rig, &cuff) == 0)
        cuff.add(Self.record(user: 2, systolic: 180, minute: 30))
        #expect(try await sync(&rig, &cuff) == 2)
        #expect(try await rig.store.recordMark(deviceKey: Self.cuff.part("user2").key)?.sequenceNumber == 2)
        #expect(try await rig.store.recordMark(deviceKey: Self.cuff.part("user1").key)?.sequenceNumber == 2)
    }

    @Test func devicesAndBindingsShowBothUsers() async throws {
        let rig = try await rig()
        let userOne = Self.cuff.part("user1").key, userTwo = Self.cuff.part("user2").key
        let listed = try DeviceList(json: try #require(await rig.control.handle(.devices, from: Self.root).result)).devices
        #expect(listed.map(\.key) == [Self.cuff.key, userOne, userTwo])
        #expect(listed.first?.parts == [userOne, userTwo])
        #expect(listed.dropFirst().allSatisfy { $0.partOf == Self.cuff.key && $0.address == "00:5F:BF:11:22:33" })

        #expect(await bind(rig, userOne, Self.userOnePatient).exitCode == .ok)
        #expect(await bind(rig, userTwo, Self.userTwoPatient).exitCode == .ok)
        let bindings = try BindingList(json: try #require(await rig.control.handle(.bindings(showPatient: false), from: Self.root).result)).bindings
        #expect(bindings.map(\.device) == [userOne, userTwo])
        #expect(bindings.allSatisfy { !$0.patient.contains(Self.userOnePatient) && !$0.patient.contains(Self.userTwoPatient) })
    }

    /// `iomtctl replay` of a recorded sync (the daemon's capture tap on the reader) with a patient: that patient is the
    /// cuff's home user's; the other user's readings stay that user's part and get no patient (held), never this one.
    @Test func aReplayedSyncGivesThePatientOnlyTheHomeUsersReadings() throws {
        let tap = CaptureTap()
        #expect(tap.start(at: Self.now))
        var reader = CapturingReader(try DriverRegistry.makeReader(for: try profile()), tap: tap)
        var cuff = Self.twoUserCuff()
        let civil = CivilTime(instant: Self.now, utcOffsetMinutes: 0)
        let cuffTime = BLECurrentTime(year: civil.year, month: civil.month, day: civil.day, hour: civil.hour, minute: civil.minute, second: civil.second, dayOfWeek: 0)
        var writes = reader.handle(.linkUp, at: Self.now).writes
        while !writes.isEmpty {
            let write = writes.removeFirst()
            for (characteristic, bytes) in cuff.written(write.characteristic, write.value, now: cuffTime).notifications {
                writes += reader.handle(.value(characteristic: characteristic, bytes: bytes), at: Self.now).writes
            }
        }
        let transcript = try #require(tap.finish(at: Self.now)).transcript.text
        let replayed = try CaptureReplay(profile: try profile(), bytes: [], patientId: Self.userOnePatient, label: "two users", transcript: transcript)
            .run(endingAt: Self.now).observations.filter { $0.type == .bloodPressure }
        #expect(replayed.count == 3)
        #expect(replayed.filter { $0.device.subDevice == "user1" }.map(\.patientId) == [Self.userOnePatient, Self.userOnePatient])
        let userTwo = replayed.filter { $0.device.subDevice == "user2" }
        #expect(userTwo.count == 1 && userTwo.allSatisfy { $0.patientId == nil && $0.device.key.hasSuffix("/user2") }, "\(userTwo)")
    }

    /// A home hub has one patient: the user area `homeHubUser` names (1 by default) is that patient's; the other user's
    /// records are held, never the hub patient's.
    @Test func onAHomeHubTheOtherUsersRecordsAreHeld() async throws {
        var rig = try await rig(homePatient: Self.userOnePatient)
        var cuff = Self.twoUserCuff()
        try await sync(&rig, &cuff)
        let sent = try await pending(rig)
        #expect(sent.map(\.systolic) == ["121", "126"] && sent.allSatisfy { $0.patient == Self.userOnePatient })
        let waiting = try await held(rig)
        #expect(waiting.count == 2 && waiting.allSatisfy { $0.device == Self.cuff.part("user2").key && $0.patient == nil }, "\(waiting)")
    }
}
