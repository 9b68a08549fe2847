import Foundation
import IoMTCore
import IoMTStore
import Testing

/// The real daemon against the receiver misbehaving by script, one fault at a time and mixed. Afterwards every
/// acknowledged reading is at DOM exactly once and the failures were counted by kind. (429 with an HTTP-date,
/// malformed bodies and per-entry failures cannot be written in the script language — an HTTP-date holds a
/// comma — and are covered through the receiver's hook in ServerFaultResponseTests.)
@Suite(.serialized) struct FaultMatrixTests {
    struct Case: Sendable, CustomStringConvertible {
        let script: String
        /// Failure kinds that must have been counted; "transport" means any non-HTTP kind (timeout, connect, …).
        let kinds: [String]
        var description: String { script }
    }

    static let cases: [Case] = [
        Case(script: "1-2:500", kinds: ["http-500"]),
        Case(script: "1-2:503+retry-after=1", kinds: ["http-503"]),
        Case(script: "1:429+retry-after=1", kinds: ["http-429"]),
        Case(script: "1:slow=4500", kinds: ["transport"]), // the daemon's timeout is 3 s
        Case(script: "1:drop", kinds: ["transport"]),
        Case(script: "1:503+retry-after=1,2:drop,3:500,4:429+retry-after=1,5:slow=4500,6:500", kinds: ["http-503", "http-500", "http-429", "transport"]),
    ]

    @Test(arguments: cases)
    func everyAcknowledgedReadingReachesDOMExactlyOnce(_ fault: Case) async throws {
        let lab = try GatewayScenario(name: "fault")
        defer { lab.stopAll() }
        try lab.startReceiver(fault: fault.script)
        try lab.startSimulator(["--generation", "legacy", "--script", "steady"])
        #expect(await lab.waitForReceiver())
        #expect(await lab.waitForDevice())
        try lab.writeConfiguration()
        try lab.startDaemon()
        let arrived = await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 8 }
        #expect(arrived, "DOM did not recover from \(fault.script)\n\(lab.logs())")
        LabHarness.stop(lab.simulator!)
        LabHarness.stop(lab.daemon!)

        let (rows, stats) = try await lab.storeSnapshot()
        let atDOM = await lab.domObservations()
        #expect(stats.backlog == 0, "\(lab.logs())")
        #expect(!rows.isEmpty)
        #expect(atDOM.count == rows.count)
        #expect(stats.delivered == rows.count)
        let identifiers = atDOM.compactMap { (($0["identifier"] as? [[String: Any]])?.first?["value"]) as? String }
        #expect(Set(identifiers).count == rows.count)
        for kind in fault.kinds {
            if kind == "transport" {
                #expect(stats.failuresByKind.keys.contains { !$0.hasPrefix("http-") }, "\(stats.failuresByKind)")
            } else {
                #expect((stats.failuresByKind[kind] ?? 0) > 0, "\(kind) not counted: \(stats.failuresByKind)")
            }
        }
        // The daemon's textfile metrics agree with the store.
        let metrics = (try? String(contentsOfFile: lab.directory.appendingPathComponent("state/metrics.prom").path, encoding: .utf8)) ?? ""
        #expect(metrics.contains("iomtd_backlog_readings{destination=\"dom\"} 0\n"), "\(metrics)")
        #expect(metrics.contains("iomtd_delivered_readings_total{destination=\"dom\"} \(rows.count)\n"), "\(metrics)")
        // Every bundle the daemon sent, including the resent ones, is valid FHIR.
        let bundles = FHIRValidator.recordedBundles(lab)
        #expect(!bundles.isEmpty)
        let (status, output) = try FHIRValidator.validate(bundles)
        #expect(status == 0, "\(output)")
        #expect(!lab.logs().contains("44051401359"))
    }
}
