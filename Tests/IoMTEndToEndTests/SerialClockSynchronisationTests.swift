import Foundation
import IoMTCore
import Testing

/// Issue 11.3 (leftover): a serial reading is stamped with the gateway's clock, so while that clock is not
/// synchronised the reading is flagged `gateway-clock-unsynchronised` (and never attributed by time), as BLE
/// readings are. The real iomtd with a simulated CMS50E; the kernel's answer is overridden by
/// IOMTD_CLOCK_SYNCHRONISATION, first `unsynchronised`, then `synchronised` after a restart.
@Suite(.serialized) struct SerialClockSynchronisationTests {
    @Test func serialReadingsAreFlaggedWhileTheGatewayClockIsUnsynchronised() async throws {
        try await withGatewayScenario("serial-clock-sync") { lab in
            try lab.writeConfiguration(profile: "contec-cms50e")
            #expect(try await lab.startPeers(simulator: ["--generation", "v46", "--script", "steady"]))
            lab.daemonEnvironment = ["IOMTD_CLOCK_SYNCHRONISATION": "unsynchronised"]
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 2 }, "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let unsynchronised = try await lab.storeSnapshot().acknowledged
            #expect(!unsynchronised.isEmpty)
            #expect(unsynchronised.allSatisfy { $0.observation.status.contains(.gatewayClockUnsynchronised) },
                    "\(unsynchronised.map(\.observation.status))")

            lab.daemonEnvironment = ["IOMTD_CLOCK_SYNCHRONISATION": "synchronised"]
            try lab.startDaemon()
            let before = unsynchronised.count
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= before + 2 }, "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let later = try await lab.storeSnapshot().acknowledged.filter { row in !unsynchronised.contains { $0.id == row.id } }
            #expect(!later.isEmpty)
            #expect(later.allSatisfy { !$0.observation.status.contains(.gatewayClockUnsynchronised) }, "\(later.map(\.observation.status))")
        }
    }
}
