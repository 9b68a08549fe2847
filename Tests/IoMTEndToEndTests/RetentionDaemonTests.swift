import Foundation
import IoMTCore
import IoMTStore
import Testing

/// The real iomtd runs the retention job (`store.retentionDays`) from its first storage pass: readings DOM accepted
/// longer ago than the window leave the store, audited; recent, pending and quarantined readings stay.
@Suite struct RetentionDaemonTests {
    @Test func iomtdPrunesReadingsDeliveredBeforeTheWindowAtStart() async throws {
        try await withGatewayScenario("retention") { scenario in
            try scenario.writeConfiguration(extra: #", "store": {"retentionDays": 7}"#)
            try FileManager.default.createDirectory(atPath: (scenario.storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let now = SystemClock().now()
            let day: Int64 = 86_400_000
            var ids: [Int64] = []
            do {
                let store = try Store(path: scenario.storePath)
                let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "SN-RET", portPath: "/dev/ttyUSB9")
                ids = try await store.append((0..<5).map { index in
                    let time = now.adding(milliseconds: -30 * day + Int64(index) * 1000)
                    return Observation(type: .spo2, value: DecimalValue(95), unit: "%", receivedAt: time, correctedTime: time,
                                       device: device, patientId: "44051401359", rawFrame: [0x80])
                })
                try await store.markDelivered([ids[0], ids[1]], destination: "dom", at: now.adding(milliseconds: -10 * day))
                try await store.markDelivered([ids[2]], destination: "dom", at: now.adding(milliseconds: -1 * day))
                try await store.quarantine([ids[3]], destination: "dom", reason: "HTTP 422", at: now.adding(milliseconds: -20 * day))
                try await store.checkpoint()
            }
            try scenario.startDaemon()
            let pruned = await LabHarness.waitUntil(seconds: 30) {
                guard let store = try? Store(readOnlyPath: scenario.storePath), let audit = try? await store.auditLog(limit: 50) else { return false }
                return audit.contains { $0.2 == "prune" && $0.3.contains("removed 2 delivered reading(s)") && $0.3.contains("window 7 day(s)") }
            }
            #expect(pruned, "no retention audit entry; iomtd log: \(LabHarness.readLog(scenario.directory.appendingPathComponent("iomtd-1.log")).suffix(2000))")
            let store = try Store(readOnlyPath: scenario.storePath)
            #expect(try await store.observation(id: ids[0]) == nil)
            #expect(try await store.observation(id: ids[1]) == nil)
            for id in ids[2...] { #expect(try await store.observation(id: id) != nil, "reading \(id) must stay") }
        }
    }
}
