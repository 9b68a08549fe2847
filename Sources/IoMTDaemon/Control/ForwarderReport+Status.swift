import IoMTConfiguration
import IoMTControl
import IoMTForward

extension ForwarderStatus {
    /// The delivery loop as the `status` answer carries it (`forwarder`; keys in docs/configuration.md, "Status and doctor").
    func report(quarantined: Int) -> ForwarderReport {
        ForwarderReport(state: paused != nil ? .paused : consecutiveFailures > 0 ? .backoff : .delivering, pausedReason: paused,
                        pausedSince: pausedSince, nextAttempt: nextAttempt, consecutiveFailures: Int64(consecutiveFailures),
                        lastFailureKind: lastFailureKind, quarantined: Int64(quarantined))
    }
}
