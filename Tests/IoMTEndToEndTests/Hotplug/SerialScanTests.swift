import IoMTLab
import IoMTTestSupport
import Foundation
import Testing

/// `iomtctl scan --serial` on a umockdev testbed: the adapters udev knows, each with the profile hotplug would use.
@Suite(.enabled(if: LabPrerequisite.umockdev.shouldRun, "\(LabPrerequisite.umockdev.skipNote)"))
struct SerialScanTests {
    @Test func listsPresentAdaptersWithTheirProfile() async throws {
        let directory = try LabHarness.temporaryDirectory("scan-serial")
        defer { try? FileManager.default.removeItem(at: directory) }
        let testbed = try await UmockdevTestbed(log: directory.appendingPathComponent("umockdev.log"))
        try await withAsyncCleanup({ await testbed.stop() }) {
            try await testbed.add("ttyUSB0", vendor: "10c4", product: "ea60", productName: "USB to UART Bridge Controller", serial: "SCAN-1")
            try await testbed.add("ttyUSB1", vendor: "0403", product: "6001", productName: "FT232R USB UART", serial: "SCAN-2")
            let iomtctl = LabHarness.binDirectory.appendingPathComponent("iomtctl").path
            let (status, output) = try await LabHarness.runProgram(iomtctl, ["scan", "--serial", "--json", "--profiles-dir",
                                                                       LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path],
                                                             environment: testbed.environment)
            #expect(status == 0, "\(output)")
            let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let found = document?["serial"] as? [[String: Any]] ?? []
            let byUSB = Dictionary(found.map { ($0["usb"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(found.count == 2, "\(output)")
            #expect(byUSB["10c4:ea60"]?["profile"] as? String == "contec-cms50d-plus")
            #expect((byUSB["10c4:ea60"]?["alsoMatched"] as? [String])?.contains("contec-cms50e") == true)
            #expect(byUSB["0403:6001"]?["profile"] is NSNull, "an adapter no profile names is listed without one")
        }
    }
}
