import Foundation
import IoMTCore
import IoMTDBus
import IoMTLab
import Synchronization
import Testing

/// `iomt-lab ble-sim --device beurer-po60` and `--device contec-oximeter-ble` on the reference bus, driven as bluetoothd
/// drives them: service FF12 with FF01 (write) and FF02 (notify), commands written, answers notified in order.
/// Against BlueZ itself: the `contec-oximeters` phase of scripts/ble-lab/.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct ContecOximeterSimulatorBusTests {
    static let characteristic = "org.bluez.GattCharacteristic1"
    static let noOptions = DBusValue.stringVariantDictionary([:])

    /// The FF01 and FF02 object paths, after checking the one service and the flags a central looks for.
    static func characteristics(_ simulator: ContecOximeterPeripheral, client: DBusConnection, peer: String) async throws
        -> (command: DBusObjectPath, notified: DBusObjectPath) {
        let managed = try await client.managedObjects(destination: peer, path: simulator.gatt.layout.application)
        let services = managed.compactMap { $0.value["org.bluez.GattService1"]?["UUID"]?.stringValue }
        #expect(services == [BluetoothUUID(0xFF12).description])
        let byUUID = Dictionary(uniqueKeysWithValues: managed.compactMap { path, interfaces in
            interfaces[Self.characteristic].map { ($0["UUID"]?.stringValue ?? "?", (path: path, flags: $0["Flags"])) }
        })
        let command = try #require(byUUID[BluetoothUUID(0xFF01).description]), notified = try #require(byUUID[BluetoothUUID(0xFF02).description])
        #expect(command.flags == .stringArray(["write"]) && notified.flags == .stringArray(["notify"]))
        return (command.path, notified.path)
    }

    static func write(_ bytes: [UInt8], to path: DBusObjectPath, client: DBusConnection, peer: String) async throws {
        _ = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "WriteValue",
                                  body: [.byteArray(bytes), Self.noOptions])
    }

    @Test func thePO60AnswersTheTwoCommandsWithEachRecordAsAnE9AndAPulsePacket() async throws {
        var configuration = ContecOximeterPeripheral.Configuration()
        configuration.kind = .beurerPO60
        configuration.records = 2
        let lines = Mutex<[String]>([])
        let simulator = ContecOximeterPeripheral(configuration: configuration, log: { line in lines.withLock { $0.append(line) } })
        let records = await simulator.storedRecords
        try await simulator.servedOnPrivateBus { server, client in
            let peer = server.uniqueName
            let (command, notified) = try await Self.characteristics(simulator, client: client, peer: peer)
            let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: notified))
            _ = try await client.call(destination: peer, path: notified, interface: Self.characteristic, member: "StartNotify")

            try await Self.write([0x99, 0x00, 0x19], to: command, client: client, peer: peer)
            #expect(lines.withLock { $0 }.contains("command 99 00 19 ignored: 99 00 19 before 90 05 15"))
            try await Self.write([0x90, 0x05, 0x15], to: command, client: client, peer: peer)
            try await Self.write([0x99, 0x00, 0x19], to: command, client: client, peer: peer)
            var values: [[UInt8]] = []
            while values.count < 4 {
                let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
                if let value = change.changed["Value"]?.bytesValue { values.append(value) }
            }
            // The published layout, read here: E9, packet number, end time at 8-13, SpO2 max/min/avg at 17-19; then PR.
            for (index, record) in records.enumerated() {
                let e9 = values[2 * index], pulse = values[2 * index + 1]
                let t = record.endTime
                try #require(e9.count == 23, "record \(index + 1): an E9 packet of 23 bytes, got \(e9)")
                #expect(e9[0] == 0xE9 && Int(e9[1] & 0x0F) == record.number)
                #expect(e9[8...13].map(Int.init) == [t.year - 2000, t.month, t.day, t.hour, t.minute, t.second])
                #expect(e9[17...19].map(Int.init) == [record.spo2Max, record.spo2Min, record.spo2Avg])
                #expect(pulse.map(Int.init) == [record.pulseMax, record.pulseMin, record.pulseAvg])
            }
            #expect(lines.withLock { $0 }.contains("command 99 00 19: 2 stored measurements sent (transfer #1)"))
        }
    }

    /// `--disconnect-after-transfer`: the lab's PO60 switches off after each transfer, so the central connects and reads
    /// again; the drop comes after the transfer's last notification, never inside it.
    @Test func thePO60SwitchesOffAfterATransferWhenToldTo() async throws {
        var configuration = ContecOximeterPeripheral.Configuration()
        configuration.kind = .beurerPO60
        configuration.records = 2
        configuration.disconnectAfterTransferMs = 0
        let lines = Mutex<[String]>([])
        let simulator = ContecOximeterPeripheral(configuration: configuration, log: { line in lines.withLock { $0.append(line) } })
        try await simulator.servedOnPrivateBus { server, client in
            let peer = server.uniqueName
            let (command, notified) = try await Self.characteristics(simulator, client: client, peer: peer)
            _ = try await client.call(destination: peer, path: notified, interface: Self.characteristic, member: "StartNotify")
            try await Self.write([0x90, 0x05, 0x15], to: command, client: client, peer: peer)
            #expect(await Eventually.holds(within: 1, pollMilliseconds: 10) { lines.withLock { $0 }.contains { $0.hasPrefix("command 90 05 15") } })
            #expect(!lines.withLock { $0 }.contains { $0.contains("switches off") }, "the request alone is no transfer")
            try await Self.write([0x99, 0x00, 0x19], to: command, client: client, peer: peer)
            let switchedOff = await Eventually.holds(within: 10, pollMilliseconds: 10) {
                lines.withLock { $0 }.contains("transfer #1 over 0 ms ago: the device switches off")
            }
            #expect(switchedOff, "\(lines.withLock { $0 })")
            let log = lines.withLock { $0 }
            let off = try #require(log.firstIndex { $0.hasSuffix("the device switches off") })
            #expect(log[..<off].filter { $0.hasPrefix("sent FF02") }.count == 4, "all 2 records (E9 + pulse each) before the drop: \(log)")
        }
    }

    @Test func theSleepO2AnswersHelloAndStartThenStreamsLiveFrames() async throws {
        let lines = Mutex<[String]>([])
        var configuration = ContecOximeterPeripheral.Configuration()
        configuration.heartbeatTimeoutSeconds = 600  // this test writes no heartbeat; a stalled test process must not pause the stream
        let simulator = ContecOximeterPeripheral(configuration: configuration, log: { line in lines.withLock { $0.append(line) } })
        try await simulator.servedOnPrivateBus { server, client in
            let peer = server.uniqueName
            let (command, notified) = try await Self.characteristics(simulator, client: client, peer: peer)
            let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: notified))
            _ = try await client.call(destination: peer, path: notified, interface: Self.characteristic, member: "StartNotify")
            try await Self.write([0x89, 0x09], to: command, client: client, peer: peer)
            try await Self.write([0x9B, 0x01, 0x1C], to: command, client: client, peer: peer)
            var values: [[UInt8]] = []
            while values.count < 3 {
                let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
                if let value = change.changed["Value"]?.bytesValue { values.append(value) }
            }
            #expect(values[0] == [0x89, 0x01, 0x0A] && values[1] == [0x9B, 0x01, 0x1C], "the placeholder answers, in order")
            // The live frame of the published layout: EB 01 05 PR SpO2 7F 00, then the 7-bit sum of bytes 0-6.
            let live = values[2]
            try #require(live.count == 8, "a live frame is 8 bytes: \(live)")
            #expect(Array(live[0..<3]) == [0xEB, 0x01, 0x05] && Array(live[5..<7]) == [0x7F, 0x00])
            #expect(Int(live[7]) == live[0..<7].reduce(0) { $0 + Int($1) } & 0x7F)
            #expect((95...98).contains(live[4]) && (68...75).contains(live[3]))
        }
    }
}
