import Foundation
import IoMTAlerts
import IoMTCore
import IoMTTestSupport

/// What the in-process store-fault tests add to the shared fixtures (IoMTTestSupport): the rules they evaluate and
/// the exec hook whose lines they read.
extension StoreFaultFixtures {
    static let rules = RuleSet(rules: [.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high),
                                       AlertRule(id: "store-unwritable", kind: .technical(condition: "store-unwritable"), priority: .medium)])

    /// An exec hook that appends "IOMT_ALERT_ID IOMT_ALERT_RULE IOMT_ALERT_READING_STORED" per alert.
    static func hook(in directory: String) throws -> (path: String, output: String) {
        let output = directory + "/hook.out"
        let path = directory + "/hook.sh"
        try ExecutableScript.write("#!/bin/sh\necho \"$IOMT_ALERT_ID $IOMT_ALERT_RULE $IOMT_ALERT_READING_STORED\" >> \(output)\n", to: path)
        return (path, output)
    }
}
