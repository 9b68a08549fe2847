import Foundation
import IoMTCore
import IoMTStore
import Testing

/// The real daemon against the receiver misbehaving by script, one fault at a time and mixed. Afterwards every
/// acknowledged reading is at DOM exactly once (or quarantined with DOM's reason), the failures were counted by
/// kind, and every entry DOM received is accounted for: created once, matched as a duplicate, or refused by script.
@Suite(.serialized) struct FaultMatrixTests {
    struct Case: Sendable, CustomStringConvertible {
        let script: String
        /// Failure kinds that must have been counted; "transport" means any non-HTTP kind (timeout, connect, …).
        let kinds: [String]
        /// DOM stored a bundle whose answer the daemon never read, so its resend must have been matched.
        var duplicatesExpected = false
        /// Some rows are refused for their content (4xx entries) and end in quarantine instead of at DOM.
        var quarantineExpected = false
        var description: String { script }
    }

    static let cases: [Case] = [
        Case(script: "1-2:500", kinds: ["http-500"]),
        Case(script: "1-2:503+retry-after=1", kinds: ["http-503"]),
        Case(script: "1:429+retry-after=1", kinds: ["http-429"]),
        Case(script: "1:slow=4500", kinds: ["transport"]), // the daemon's timeout is 3 s
        Case(script: "1:drop", kinds: ["transport"]),
        Case(script: "1:503+retry-after=1,2:drop,3:500,4:429+retry-after=1,5:slow=4500,6:500", kinds: ["http-503", "http-500", "http-429", "transport"]),
        Case(script: "1:429+retry-after-date=1", kinds: ["http-429"]),
        Case(script: "1:lost", kinds: ["transport"], duplicatesExpected: true),
        Case(script: "1:garbage", kinds: ["bad-response"], duplicatesExpected: true),
        Case(script: "1:truncated", kinds: ["bad-response"], duplicatesExpected: true),
        // The daemon's first bundles may hold a single reading, so every Observation entry is refused
        // (`/1`); the Device entries of the same transaction-response are created (201) or matched (200).
        Case(script: "1-2:entries=500/1", kinds: ["entry-500"]),
        Case(script: "1:entries=422/1", kinds: [], quarantineExpected: true),
        // Mixed. `lost` comes first, on a fresh connection: on a reused one libcurl resends by itself.
        Case(script: "1:lost,2:429+retry-after-date=1,3:garbage,4:entries=500/1,5:503+retry-after=1,6:truncated,7:entries=422/1",
             kinds: ["transport", "http-429", "bad-response", "entry-500", "http-503"], duplicatesExpected: true, quarantineExpected: true),
    ]

    @Test(arguments: cases)
    func everyAcknowledgedReadingReachesDOMExactlyOnce(_ fault: Case) async throws {
        try await withGatewayScenario("fault") { lab in
            try lab.startReceiver(fault: fault.script)
            try lab.startSimulator(["--generation", "legacy", "--script", "steady"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration()
            try lab.startDaemon()
            // Up to seven failures in a row: backoff (full jitter, 0.5 s doubling) may add up to half a minute.
            let arrived = await LabHarness.waitUntil(seconds: 45) { (await lab.domObservationCount() ?? 0) >= 8 }
            #expect(arrived, "DOM did not recover from \(fault.script)\n\(lab.logs())")
            // No new readings; the daemon delivers what it acknowledged before it is stopped (a slow answer DOM
            // stored after the daemon gave up on it can put readings at DOM before the daemon knows).
            await LabHarness.stop(lab.simulator!)
            let drained = await LabHarness.waitUntil(seconds: 45) { await lab.storeBacklog() == 0 }
            #expect(drained, "the daemon did not drain its backlog\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            let (rows, stats) = try await lab.storeSnapshot()
            let atDOM = await lab.domObservations()
            #expect(stats.backlog == 0, "\(lab.logs())")
            #expect(!rows.isEmpty)
            #expect(stats.delivered + stats.quarantined == rows.count)
            #expect(stats.quarantined > 0 || !fault.quarantineExpected, "no entry was refused: \(stats)")
            if !fault.quarantineExpected { #expect(stats.quarantined == 0) }
            // Delivered rows are at DOM once each; a quarantined row may be there too only when an earlier answer
            // that carried it was lost (DOM stored it, the resend's entry was refused by script).
            let identifiers = atDOM.compactMap { (($0["identifier"] as? [[String: Any]])?.first?["value"]) as? String }
            #expect(Set(identifiers).count == atDOM.count, "an Observation is at DOM twice")
            #expect(atDOM.count >= stats.delivered && atDOM.count <= rows.count, "at DOM \(atDOM.count), delivered \(stats.delivered), acknowledged \(rows.count)")
            if !fault.duplicatesExpected { #expect(atDOM.count == stats.delivered) }
            // Every entry DOM processed is accounted for: created, matched as a duplicate, or refused by script.
            let domStats = await lab.domStats()
            let created = (domStats["observations"] as? Int ?? -1) + (domStats["devices"] as? Int ?? -1)
            let duplicates = domStats["duplicatesSuppressed"] as? Int ?? -1
            let refused = domStats["entryFailuresInjected"] as? Int ?? -1
            let (entries, observationEntries) = try FHIRValidator.recordedEntryCounts(lab)
            #expect(entries == created + duplicates + refused, "entries \(entries), stats \(domStats)")
            let observationDuplicates = observationEntries - atDOM.count - refused
            #expect(observationDuplicates >= 0, "\(domStats)")
            if fault.duplicatesExpected { #expect(observationDuplicates > 0, "the resend after a lost answer was not matched: \(domStats)") }
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
            #expect(metrics.contains("iomtd_delivered_readings_retained{destination=\"dom\"} \(stats.delivered)\n"), "\(metrics)")
            // Every bundle the daemon sent, including the resent ones, is valid FHIR.
            let bundles = FHIRValidator.recordedBundles(lab)
            #expect(!bundles.isEmpty)
            let (status, output) = try await FHIRValidator.validate(bundles)
            #expect(status == 0, "\(output)")
            #expect(!lab.logs().contains("44051401359"))
        }
    }
}
