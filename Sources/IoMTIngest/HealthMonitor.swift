import IoMTCore

/// Decides whether the systemd watchdog is fed: only while every registered component makes real progress.
///
/// Each component (the store probe, every device loop, the forwarder loop, the alert clock) registers with how
/// long it may go without progress and reports `progressed` each time its loop turns. A component that stops
/// turning is *hung*: the watchdog starves and systemd restarts the daemon. A component that turns but fails
/// (a device unplugged or refusing to open, DOM unreachable) reports `failing`: it shows in STATUS= and
/// `problems`, and its technical alarm is raised by its owner, but it does not starve the watchdog — a restart
/// would not plug the device in, and would only interrupt the devices that work.
///
/// A store that refuses writes (disk full, read-only, corrupt, locked: `storeFailed`) is failing, not hung: the
/// readings wait in memory (IngestPipeline's bounded queue) and alarms still sound, so a restart would only lose
/// them. It shows as degraded with the `store-unwritable` alarm. A store that hangs stops the store probe's
/// progress and starves the watchdog like any hung component.
public actor HealthMonitor {
    private struct Component {
        var staleAfterMilliseconds: Int64
        var lastProgress: Instant
        /// nil when the component's loop ended for good (it is no longer expected to turn).
        var expectsProgress: Bool
        var failure: String?
    }

    private let clock: any WallClock
    private var lastStoreError: String?
    private var components: [String: Component] = [:]
    private let defaultStaleAfterMilliseconds: Int64

    public init(clock: any WallClock, staleAfterMilliseconds: Int64 = 10_000) {
        self.clock = clock
        defaultStaleAfterMilliseconds = staleAfterMilliseconds
    }

    public func storeSucceeded() { lastStoreError = nil }
    public func storeFailed(_ message: String) { lastStoreError = message }

    /// Starts watching a component; it counts as having progressed now.
    public func register(_ name: String, staleAfterMilliseconds: Int64? = nil) {
        components[name] = Component(staleAfterMilliseconds: staleAfterMilliseconds ?? defaultStaleAfterMilliseconds,
                                     lastProgress: clock.now(), expectsProgress: true, failure: components[name]?.failure)
    }

    /// The component's loop turned (registers it with the default bound if it was not).
    public func progressed(_ name: String) {
        guard components[name] != nil else { return register(name) }
        components[name]?.lastProgress = clock.now()
        components[name]?.expectsProgress = true
    }

    /// The component works but its job fails (nil: it works again). Does not starve the watchdog.
    public func failing(_ name: String, _ reason: String?) {
        if components[name] == nil { register(name) }
        components[name]?.failure = reason
    }

    /// The component's loop ended for good with `reason`: no longer watched for progress, still reported.
    public func ended(_ name: String, reason: String) {
        if components[name] == nil { register(name) }
        components[name]?.expectsProgress = false
        components[name]?.failure = reason
    }

    /// Stops watching and reporting a component (a device removed or stopped on purpose).
    public func remove(_ name: String) { components[name] = nil }

    /// Why the watchdog must not be fed (the store refuses writes, or a component is hung); nil when it may.
    public func problem() -> String? {
        let now = clock.now()
        for (name, component) in components.sorted(by: { $0.key < $1.key }) where component.expectsProgress {
            let silent = now.milliseconds(since: component.lastProgress)
            if silent > component.staleAfterMilliseconds { return "\(name) stalled for \(silent) ms" }
        }
        return nil
    }

    /// Components failing without being hung, "name: reason", sorted by name.
    public func failures() -> [String] {
        let store = lastStoreError.map { ["store writes: \($0)"] } ?? []
        return store + components.sorted(by: { $0.key < $1.key }).compactMap { name, component in component.failure.map { "\(name): \($0)" } }
    }

    /// The STATUS= text while the watchdog is fed.
    public func statusLine(running: String) -> String {
        let failing = failures()
        return failing.isEmpty ? running : "\(running); degraded: " + failing.joined(separator: "; ")
    }
}
