import IoMTLab
import IoMTTestSupport
import Foundation
import Testing

/// USB hotplug against a umockdev testbed: the real iomtd, its real libudev calls (enumeration and the
/// uevent monitor, redirected by umockdev's preload), a pty per simulated adapter, the local DOM receiver.
@Suite(.serialized, .enabled(if: LabPrerequisite.umockdev.shouldRun, "\(LabPrerequisite.umockdev.skipNote)"))
struct HotplugTests {
    func devices(_ lab: GatewayScenario) async -> [[String: Any]] { await lab.devices() }

    func device(_ lab: GatewayScenario, _ key: String) async -> [String: Any]? {
        await devices(lab).first { $0["key"] as? String == key }
    }

    func daemonLog(_ lab: GatewayScenario) -> String { LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log")) }

    /// A configuration with one static device (/dev/ttyUSB9) and hotplug left at its default (on).
    func writeConfiguration(_ lab: GatewayScenario, hotplug: String = "") throws {
        try """
            {
              "stateDirectory": "\(lab.directory.appendingPathComponent("state").path)",
              "profilesDirectory": "\(LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path)",
              "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "E2E-HUB"},
              "patient": {"pesel": "44051401359"},
              "control": {"socketPath": "\(lab.controlSocket)"},
              "devices": [{"profile": "contec-cms50d-plus", "path": "/dev/ttyUSB9", "serialNumber": "STATIC-1"}],
              "dom": {"baseURL": "\(lab.baseURL)/fhir", "batchSize": 20, "timeoutMs": 3000}\(hotplug),
              "logLevel": "debug"
            }
            """.write(toFile: lab.configPath, atomically: true, encoding: .utf8)
    }

    @Test func pluggedDeviceIsReadWithoutRestartAndUnplugIsACleanDisconnect() async throws {
        try await withGatewayScenario("hotplug") { lab in
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            let testbed = try await UmockdevTestbed(log: lab.directory.appendingPathComponent("umockdev.log"))
            try await withAsyncCleanup({ await testbed.stop() }) {
                let second = UmockdevTestbed.legacyCMS50Second()
                let other = UmockdevTestbed.legacyCMS50Second(spo2: 95, pulseRate: 80)

                // Present before the daemon starts: found by the start-up enumeration.
                try await testbed.add("ttyUSB0", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0001")
                try await testbed.stream("ttyUSB0", second)
                // umockdev's preload leaks a little on every failed open, so the static device is there from the start
                // rather than retried until it appears.
                try await testbed.add("ttyUSB9", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0009")
                try await testbed.stream("ttyUSB9", UmockdevTestbed.legacyCMS50Second(spo2: 93, pulseRate: 90))
                try writeConfiguration(lab)
                lab.daemonEnvironment = testbed.environment
                try lab.startDaemon()
                let first = "sn:contec-cms50d-plus:HP-0001"
                #expect(await LabHarness.waitUntil(seconds: 60) { (await device(lab, first)?["readings"] as? Int ?? 0) >= 2 }, "\(lab.logs())")
                #expect(daemonLog(lab).contains("(2 present at start)"))

                // Plugged in while running: read without a restart, independent of the first (same VID:PID).
                try await testbed.add("ttyUSB1", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0002")
                try await testbed.stream("ttyUSB1", other)
                let plugged = "sn:contec-cms50d-plus:HP-0002"
                #expect(await LabHarness.waitUntil(seconds: 60) {
                    let entry = await device(lab, plugged)
                    return entry?["state"] as? String == "connected" && (entry?["readings"] as? Int ?? 0) >= 2
                }, "\(lab.logs())")
                #expect(await LabHarness.waitUntil(seconds: 60) { (await lab.domObservationCount() ?? 0) >= 4 }, "\(lab.logs())")

                // Unplugged: a clean disconnect, shown as such; the other device keeps being read.
                try await testbed.remove("ttyUSB1")
                let unplugged = await LabHarness.waitUntil(seconds: 10) {
                    let entry = await device(lab, plugged)
                    return entry?["state"] as? String == "disconnected" && entry?["detail"] as? String == "unplugged"
                }
                let listedAtUnplug = await devices(lab)
                #expect(unplugged, "\(listedAtUnplug)\n\(lab.logs())")
                #expect(daemonLog(lab).contains("/dev/ttyUSB1 unplugged: \(plugged) disconnected cleanly"))
                let readingsAtUnplug = await device(lab, plugged)?["readings"] as? Int ?? 0
                let firstBefore = await device(lab, first)?["readings"] as? Int ?? 0
                #expect(await LabHarness.waitUntil(seconds: 10) { (await device(lab, first)?["readings"] as? Int ?? 0) > firstBefore + 1 })
                #expect(await device(lab, plugged)?["readings"] as? Int == readingsAtUnplug)

                // Plugged in again (the kernel may give it another node): read again, under the same identity.
                try await testbed.add("ttyUSB4", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0002")
                try await testbed.stream("ttyUSB4", other)
                #expect(await LabHarness.waitUntil(seconds: 60) {
                    let entry = await device(lab, plugged)
                    return entry?["state"] as? String == "connected" && (entry?["readings"] as? Int ?? 0) > readingsAtUnplug
                }, "\(lab.logs())")

                // A USB-serial adapter no profile matches (FTDI 0403:6001): ignored, said once per VID:PID.
                try await testbed.add("ttyUSB2", vendor: "0403", product: "6001", productName: "FT232R USB UART", serial: "FT-1")
                try await testbed.add("ttyUSB3", vendor: "0403", product: "6001", productName: "FT232R USB UART", serial: "FT-2")
                #expect(await LabHarness.waitUntil(seconds: 10) { daemonLog(lab).contains("0403:6001 at /dev/ttyUSB2 matches no device profile") })
                // The daemon handles udev events in order: once a device plugged after ttyUSB3 is logged, ttyUSB3 was handled
                // too (a fixed pause here proved nothing when the machine was slow).
                try await testbed.add("ttyUSB5", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0005")
                #expect(await LabHarness.waitUntil(seconds: 60) { daemonLog(lab).contains("/dev/ttyUSB5 (10c4:ea60) plugged in") }, "\(lab.logs())")
                #expect(daemonLog(lab).components(separatedBy: "0403:6001").count == 2, "\(daemonLog(lab))")
                #expect(await !devices(lab).contains { ($0["address"] as? String ?? "").hasPrefix("/dev/ttyUSB2") || ($0["address"] as? String ?? "") == "/dev/ttyUSB3" })

                // The statically configured port (present at start) stays with devices[]: no second runner for it.
                let staticRead = await LabHarness.waitUntil(seconds: 60) { (await device(lab, "sn:contec-cms50d-plus:STATIC-1")?["readings"] as? Int ?? 0) >= 1 }
                let listed = await devices(lab)
                #expect(staticRead, "\(listed)\n\(lab.logs())")
                #expect(await device(lab, "sn:contec-cms50d-plus:HP-0009") == nil)
                #expect(daemonLog(lab).contains("/dev/ttyUSB9 (10c4:ea60) is configured as /dev/ttyUSB9"))

                // Nothing lost: after a clean stop, every reading the store took is at DOM.
                await LabHarness.stop(lab.daemon!)
                #expect(lab.daemon!.terminationReason == .exit && lab.daemon!.terminationStatus == 0, "\(daemonLog(lab))")
                let (acknowledged, stats) = try await lab.storeSnapshot()
                #expect(stats.backlog == 0)
                let atDOM = await lab.domObservationCount()
                // Nothing set aside either: two oximetry windows closed by one late chunk once shared a receipt time and a
                // PHD identifier (CMS50SessionTests.windowsClosedMillisecondsApartKeepTheirOwnInstants).
                #expect(stats.duplicates == 0 && atDOM == acknowledged.count,
                        "store \(acknowledged.count), DOM \(atDOM ?? -1), set aside as duplicates \(stats.duplicates)")
            }
        }
    }

    @Test func hotplugOffReadsOnlyConfiguredDevices() async throws {
        try await withGatewayScenario("hotplug-off") { lab in
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            let testbed = try await UmockdevTestbed(log: lab.directory.appendingPathComponent("umockdev.log"))
            try await withAsyncCleanup({ await testbed.stop() }) {
                // The configured device is there from the start (see above: umockdev's preload leaks on failed opens).
                try await testbed.add("ttyUSB9", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0009")
                try await testbed.stream("ttyUSB9", UmockdevTestbed.legacyCMS50Second(spo2: 93, pulseRate: 90))
                try writeConfiguration(lab, hotplug: #", "hotplug": {"enabled": false}"#)
                lab.daemonEnvironment = testbed.environment
                try lab.startDaemon()
                let configured = "sn:contec-cms50d-plus:STATIC-1"
                func configuredReadings() async -> Int { await device(lab, configured)?["readings"] as? Int ?? 0 }
                #expect(await LabHarness.waitUntil(seconds: 60) { await configuredReadings() >= 2 }, "\(lab.logs())")
                try await testbed.add("ttyUSB0", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "HP-0001")
                try await testbed.stream("ttyUSB0", UmockdevTestbed.legacyCMS50Second())
                // Nothing marks a uevent ignored: the configured device's next readings show the daemon went on working
                // past it instead (a hotplugging daemon takes the adapter within a second of its uevent).
                let before = await configuredReadings()
                #expect(await LabHarness.waitUntil(seconds: 30) { await configuredReadings() >= before + 6 }, "\(lab.logs())")
                #expect(await devices(lab).map { $0["key"] as? String } == [configured])
                #expect(!daemonLog(lab).contains("hotplug"))
            }
        }
    }
}
