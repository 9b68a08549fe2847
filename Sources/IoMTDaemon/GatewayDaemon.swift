import Dispatch
import Glibc
import IoMTAlerts
import IoMTConfiguration
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTProfiles
import IoMTSpirometry
import IoMTStore
import IoMTTransport

/// The daemon: loads configuration and profiles, opens the store, starts one runner per device,
/// the forwarder and the alert dispatcher, talks to systemd, and stops cleanly on SIGTERM/SIGINT.
public final class GatewayDaemon: Sendable {
    public static let version = ProductVersion.current

    let configuration: DaemonConfiguration
    let profiles: [DeviceProfile]
    /// Stamps readings and events, and schedules the periodic jobs (DaemonSchedule.swift).
    let clock: any SchedulingClock
    /// The rule file's rules followed by the inline `alerts.rules`.
    let ruleSet: RuleSet
    /// Where the rules came from and their text, recorded in the store so rule changes are audited.
    let ruleSource: (path: String, text: String)

    public init(configuration: DaemonConfiguration, profiles: [DeviceProfile], clock: any SchedulingClock = SystemClock(),
                ruleFile: (path: String, text: String, rules: RuleSet)? = nil) {
        self.configuration = configuration; self.profiles = profiles; self.clock = clock
        let inline = configuration.rules
        if let ruleFile {
            ruleSet = RuleSet(version: ruleFile.rules.version, rules: ruleFile.rules.rules + inline)
            ruleSource = (ruleFile.path, ruleFile.text)
        } else {
            ruleSet = RuleSet(rules: inline)
            ruleSource = (configuration.sourcePath, inline.map(\.id).joined(separator: ","))
        }
    }

    /// Loads and cross-checks configuration and profiles (`GatewayConfiguration.load`, shared with `iomtctl doctor`).
    public static func load(configPath: String, clock: any SchedulingClock = SystemClock()) throws(StartupError) -> GatewayDaemon {
        let loaded = try GatewayConfiguration.load(configPath: configPath)
        return GatewayDaemon(configuration: loaded.configuration, profiles: loaded.profiles, clock: clock, ruleFile: loaded.ruleFile)
    }

    public typealias StartupError = GatewayConfiguration.LoadError

    /// SIGTERM and SIGINT are handled from the call on (before, they end the process at once).
    private static func stopOnSignal() -> @Sendable () async -> Void {
        let signals = StopSignal()
        return { await signals.wait() }
    }

    /// libcurl with DOM's TLS settings; with `dom.oauth2`, wrapped so every request carries a bearer token.
    /// Proxies come from the environment (`https_proxy`, `no_proxy`), which libcurl reads itself.
    func makeDOMTransport(_ dom: DaemonConfiguration.DOM) -> any HTTPTransport { dom.makeTransport(clock: clock) }

    /// Runs until SIGTERM or SIGINT. Returns the process exit code.
    public func run() async -> Int32 { await run(until: nil) }

    /// Runs until `stopRequested` returns (nil: until SIGTERM or SIGINT), so a test can run the daemon in its own
    /// process. Returns the process exit code.
    package func run(until stopRequested: (@Sendable () async -> Void)?) async -> Int32 {
        Log.setLevel(configuration.logLevel)
        if let unsafe = TestOnlySynchronousOverride.requested {
            Log.error("\(TestOnlySynchronousOverride.variable)=\(unsafe.name): the store runs with synchronous=\(unsafe.name) — acknowledged readings can be lost at a power cut (power-cut harness negative control only)", "store")
        }
        let notifier = SystemdNotifySocket.fromEnvironment()
        var storeConfiguration = StoreConfiguration(maxUndeliveredRows: configuration.maxUndeliveredReadings, destinations: configuration.deliveryDestinations)
        storeConfiguration.storage = configuration.storage
        storeConfiguration.deliveredRetentionMilliseconds = Int64(configuration.deliveredRetentionDays) * 86_400_000
        let store: Store
        var storeMovedAside: String? = nil
        var storeUnavailable: StoreError? = nil
        do throws(StoreError) {
            do { try FileIO.createDirectory(configuration.stateDirectory) } catch {
                throw StoreError.open(path: configuration.storePath, message: "cannot create \(configuration.stateDirectory): \(error)")
            }
            (store, storeMovedAside) = try StoreIntegrity.openMovingAsideCorrupt(path: configuration.storePath, configuration: storeConfiguration, clock: clock)
        } catch {
            // Not a reason to stop reading devices or sounding alarms (and a restart would not help): run degraded on
            // an empty stand-in, readings wait in memory, and the file is opened as soon as it can be written.
            Log.error("cannot open the store: \(error); running DEGRADED: readings wait in memory, alarms go out on the local channels, opening is retried", "store")
            storeUnavailable = error
            do { store = try Store(standInFor: configuration.storePath, error: error, configuration: storeConfiguration, clock: clock) } catch {
                Log.error("cannot create the in-memory stand-in for the store: \(error)", "store")
                return 1
            }
        }
        let health = HealthMonitor(clock: MonotonicClock()) // liveness must not jump with the wall clock
        let patientReferences = configuration.patientId.flatMap { id in configuration.patientReference.map { [id: $0] } } ?? [:]
        var channels: [any AlertChannel] = [LogAlertChannel()]
        if let hook = configuration.alertExecHook { channels.append(ExecHookChannel(executablePath: hook, timeoutMilliseconds: configuration.alertExecHookTimeoutMilliseconds)) }
        if let webhook = configuration.alertWebhook {
            let http = CurlHTTPClient(configuration: CurlHTTPClient.Configuration(caBundlePath: webhook.caBundlePath,
                                                                                  totalTimeoutMilliseconds: webhook.timeoutMilliseconds))
            channels.append(WebhookChannel(url: webhook.url, transport: http, gatewayId: configuration.gateway.systemId,
                                           patientReferences: patientReferences, timeoutMilliseconds: webhook.timeoutMilliseconds))
        }
        let http: (any HTTPTransport)?
        if let dom = configuration.dom { http = makeDOMTransport(dom) } else { http = nil }
        let gatewayIdentity = GatewayIdentity(
            systemId: configuration.gateway.systemId, serialNumber: configuration.gateway.serialNumber ?? configuration.gateway.systemId,
            softwareVersion: Self.version)
        // Alerts go to DOM on their own channel, ahead of the readings backlog.
        if let dom = configuration.dom, let http {
            channels.append(DOMAlertChannel(baseURL: dom.baseURL, transport: http, gateway: gatewayIdentity, store: store,
                                            timeoutMilliseconds: dom.timeoutMilliseconds))
        }
        // One resolver for the bundles and the alert engine: the binding's demographics, else the configuration's. The store
        // tells it every binding change before the change's readings can be read.
        let demographics = await PatientDemographicsResolver.following(store, configured: configuration.patientDemographics)
        // MQTT uplink (issue 17): a second destination with its own delivery state.
        let uplink: MQTTUplink?
        switch MQTTUplink.make(configuration, gateway: gatewayIdentity, demographics: demographics, store: store, clock: clock) {
        case let .success(made): uplink = made
        case let .failure(error):
            Log.error("\(configuration.sourcePath): mqtt.passwordFile: \(error)", "mqtt")
            return 2 // a configuration error: the only reason to stop at start
        }
        // Alerts also go to the broker's alerts topic, with their own dispatch state ("mqtt" channel).
        if let uplink { channels.append(uplink.alertChannel) }
        let dispatcher = AlertDispatcher(store: store, channels: channels, clock: clock)
        let ruleSet = self.ruleSet
        let context = AlertContext(deviceClasses: Dictionary(profiles.map { ($0.id, $0.deviceClass) }, uniquingKeysWith: { a, _ in a }),
                                   patientReferences: patientReferences, demographics: demographics)
        let startedDetail = "version \(Self.version), \(configuration.devices.count) devices, rule set \(ruleSet.hash)"
        let recordStart = { @Sendable [clock, ruleSet, ruleSource] in
            do {
                try await store.recordRuleSet(hash: ruleSet.hash, version: ruleSet.version, source: ruleSource.path, text: ruleSource.text,
                                              actor: "iomtd (uid \(getuid()), file owner uid \(Self.ownerUid(ruleSource.path)))", at: clock.now())
            } catch {
                Log.error("cannot record the rule set: \(error)", "alerts")
            }
            try? await store.audit(actor: "iomtd", action: "start", detail: startedDetail, at: clock.now())
        }
        if storeUnavailable == nil { await recordStart() }

        let wireFormat = FHIRPHDWireFormat(gateway: gatewayIdentity, demographics: demographics)
        let forwarder: Forwarder?
        if let dom = configuration.dom, let http {
            forwarder = Forwarder(store: store, destination: "dom", baseURL: dom.baseURL, wireFormat: wireFormat, transport: http,
                                  configuration: ForwarderConfiguration(batchSize: dom.batchSize), clock: clock)
        } else {
            forwarder = nil
        }
        // The engine continues where it stopped (episodes, windows, acknowledgements, timers survive a restart).
        let evaluator = AlertEvaluator(ruleSet: ruleSet, context: context, store: store)
        let undecided = await evaluator.restore()
        if !undecided.isEmpty { await dispatcher.raise(undecided) }
        let pipeline = IngestPipeline(store: store, alerts: evaluator, dispatcher: dispatcher,
                                      forwarder: forwarder ?? uplink?.forwarder, health: health, clock: clock,
                                      demonstration: configuration.demonstration)
        if configuration.demonstration {
            Log.warning("DEMONSTRATION gateway (configuration \"demonstration\": true): every reading is labelled demonstration data and its alarms are flagged test", "iomtd")
        }

        let board = DeviceStatusBoard()
        var runners: [SerialDeviceRunner] = []
        for device in configuration.devices {
            guard let profile = profiles.first(where: { $0.id == device.profileId }), let settings = profile.serial else { continue }
            do {
                runners.append(try SerialDeviceRunner(device: device, profile: profile, settings: settings,
                                                      patientId: configuration.patientId, pipeline: pipeline,
                                                      health: health, board: board, clock: clock))
            } catch {
                Log.error("\(configuration.sourcePath): devices: \(device.path): \(error)")
                return 2
            }
        }

        // Bluetooth Classic SPP devices (an address and a byte-stream profile): read like a serial port, over the RFCOMM
        // sockets the coordinator's SerialPortProfile receives.
        var classicLinks: [String: RFCOMMDeviceLink] = [:]
        var classicRoles: [String: SPPRole] = [:]
        for device in configuration.bluetooth.devices {
            guard let profile = profiles.first(where: { $0.id == device.profileId }), profile.transport == .serial else { continue }
            let link = RFCOMMDeviceLink(address: device.address)
            do {
                runners.append(try SerialDeviceRunner(classic: link, profile: profile, patientId: configuration.patientId, pipeline: pipeline,
                                                      health: health, board: board, clock: clock))
                classicLinks[device.address] = link
                classicRoles[device.address] = profile.sppRole
            } catch {
                Log.error("\(configuration.sourcePath): devices[\(device.index)]: \(device.address): \(error)")
                return 2
            }
        }

        if let storeMovedAside { await pipeline.storeReplaced(movedAside: storeMovedAside) }
        if let storeUnavailable { await pipeline.storeUnavailableAtStart(storeUnavailable, opened: recordStart) }
        Log.notice("iomtd \(Self.version) started: \(runners.count) device(s), \(ruleSet.rules.count) alert rule(s) (version \(ruleSet.version), set \(ruleSet.hash)), \(configuration.dom.map { "DOM \($0.baseURL)" } ?? "no DOM")\(configuration.mqtt.map { ", MQTT \($0.endpoint)" } ?? "")")

        let bluetooth = configuration.bluetooth.enabled
            ? BluetoothCoordinator(configuration: configuration, profiles: profiles, classicLinks: classicLinks, classicRoles: classicRoles,
                                   pipeline: pipeline, board: board,
                                   clock: clock) : nil
        var controlHandler = DaemonControl(store: store, board: board, configuration: configuration,
                                           startedAt: clock.now(), clock: clock, profiles: profiles, pipeline: pipeline)
        controlHandler.bluetooth = bluetooth
        let control = ControlServer(path: configuration.control.socketPath, policy: ControlAccessPolicy(groupName: configuration.control.group),
                                    handler: controlHandler.handle)
        do { try control.start() } catch {
            // Readings matter more than the technician's socket: keep measuring, say so loudly.
            Log.error("control socket unavailable, iomtctl cannot reach this daemon: \(error)", "control")
        }

        let hotplug = configuration.hotplug.enabled
            ? HotplugCoordinator(configuration: configuration, profiles: profiles, pipeline: pipeline, health: health, board: board, clock: clock) : nil
        let hotplugging = Task { await hotplug?.run() }
        let bluetoothRunning = Task { await bluetooth?.run() }
        let stopRequested = stopRequested ?? Self.stopOnSignal()
        let tasks = runners.map { runner in Task { await runner.run() } }
        if forwarder != nil { await health.register(Self.forwarderComponent, staleAfterMilliseconds: Self.forwarderStaleAfterMilliseconds(configuration)) }
        let forwarding = Task {
            await forwarder?.run { status in
                await health.progressed(Self.forwarderComponent)
                await health.failing(Self.forwarderComponent, status.consecutiveFailures == 0 ? nil
                    : "DOM delivery failing (\(status.lastFailureKind ?? "unknown"), \(status.consecutiveFailures) attempt(s))")
            }
        }
        // Alerts stored before a crash but not yet dispatched go out first — on their own: a hung or slow
        // channel (its own timeout) never holds up reading or READY=1. Then retried every 5 s.
        let mqttForwarding = Task { await uplink?.forwarder.run() }
        let alertRetry = Task { [clock] in
            await clock.nowAndEvery(DaemonSchedule.alertRetryPeriod) { await dispatcher.dispatchPending() }
        }
        // Once a second: clinicians' acknowledgements and silences (from iomtctl, via the store), gateway
        // conditions, then a tick, so persistence, missed-measurement and escalation timers run on time.
        // Its store query is the store's liveness probe (completing, even with an error, means SQLite is not hung).
        await health.register(Self.storeComponent, staleAfterMilliseconds: Self.storeStaleAfterMilliseconds)
        await health.register(Self.alertClockComponent, staleAfterMilliseconds: Self.storeStaleAfterMilliseconds)
        let alertClock = Task { [clock, configuration] in
            // Every action from the first: acknowledgements and silences are idempotent, and one recorded while the
            // daemon was down (or just before it died) must still reach the restored engine.
            var lastAction: Int64 = 0
            var conditions = GatewayConditions()
            await clock.every(DaemonSchedule.alertClockPeriod) {
                var inputs: [AlertInput] = []
                var actions: [AlertAction]? = nil
                do {
                    actions = try await store.alertActions(after: lastAction)
                    await health.failing(Self.storeComponent, nil)
                } catch {
                    await health.failing(Self.storeComponent, "cannot read: \(error)")
                }
                await health.progressed(Self.storeComponent)
                if let actions {
                    for action in actions {
                        switch action.kind {
                        case .acknowledge: inputs.append(.acknowledge(episode: action.episode, at: clock.now()))
                        case .silence: inputs.append(.silence(episode: action.episode, until: action.until ?? clock.now(), at: clock.now()))
                        }
                        lastAction = action.id
                    }
                }
                let forwarderStatus = await forwarder?.status
                inputs += await conditions.changes(store: store, forwarder: forwarderStatus, stateDirectory: configuration.stateDirectory, now: clock.now())
                inputs.append(.tick(clock.now()))
                await pipeline.process(inputs)
                await pipeline.retryDeferred() // readings and alerts kept while the store could not write
                await health.progressed(Self.alertClockComponent)
            }
        }
        // The disk bound's policy (StoragePressure.swift): cheap below 90 % of store.maxMegabytes, so it runs often;
        // and the retention job (store.retentionDays), which prunes once an hour on the daemon's clock.
        let storageRelief = Task { [clock] in
            await clock.nowAndEvery(DaemonSchedule.storageReliefPeriod) {
                do {
                    if let pruned = try await store.pruneIfDue(now: clock.now()), pruned > 0 {
                        Log.info("retention: \(pruned) reading(s) delivered more than \(configuration.deliveredRetentionDays) day(s) ago pruned", "store")
                    }
                } catch {
                    Log.error("retention prune failed: \(error)", "store")
                }
                do {
                    let report = try await store.relieveStoragePressure(now: clock.now())
                    if report.prunedDelivered > 0 || report.compactedReadings > 0 || report.refusing {
                        Log.warning("store at \(Int(report.usedFraction * 100)) % of its bound: \(report.prunedDelivered) delivered reading(s) pruned, \(report.compactedReadings) stream reading(s) compacted into \(report.summariesWritten) summaries\(report.refusing ? "; NEW READINGS ARE REFUSED" : "")", "store")
                    }
                } catch {
                    Log.error("storage relief failed: \(error)", "store")
                }
            }
        }
        // Prometheus textfile (node_exporter style): written at start, then every 15 s, and once more at stop.
        let stateDirectory = configuration.stateDirectory
        let clock = self.clock
        let metricsWriter = Task {
            var reported = false
            await clock.nowAndEvery(DaemonSchedule.metricsPeriod) {
                await Self.writeMetrics(store: store, destinations: configuration.deliveryDestinations, pipeline: pipeline, stateDirectory: stateDirectory, clock: clock, reportFailure: !reported ? { reported = true } : nil)
            }
        }
        let running = "running, \(runners.count) device(s)"
        _ = try? notifier.ready(status: running)
        // Fed only while every component progresses; failing-but-turning components show in STATUS= instead.
        let watchdog = Task {
            var wasHealthy = true
            var lastStatus = running
            await clock.every(DaemonSchedule.watchdogPeriod(SystemdWatchdog.fromEnvironment())) {
                if let problem = await health.problem() {
                    if wasHealthy { Log.error("pipeline unhealthy, watchdog not fed: \(problem)") }
                    _ = try? notifier.status("unhealthy: \(problem)")
                    wasHealthy = false
                    lastStatus = ""
                } else {
                    let status = await health.statusLine(running: running)
                    if status != lastStatus, status != running { Log.warning("degraded: \(status)") }
                    _ = try? notifier.send(status == lastStatus ? ["WATCHDOG=1"] : ["WATCHDOG=1", "STATUS=\(status)"])
                    wasHealthy = true
                    lastStatus = status
                }
            }
        }

        await stopRequested()
        Log.notice("stopping")
        control.stop()
        _ = try? notifier.stopping()
        for runner in runners { await runner.stop() }
        for task in tasks { await task.value } // each runner delivers its flushed window before ending
        await hotplug?.stop()
        await hotplugging.value
        await bluetooth?.stop()
        await bluetoothRunning.value
        // Give DOM a few seconds to take what is queued, then let the batch in flight finish
        // (a delivered batch is marked before the forwarder stops), so a clean stop leaves no resend.
        for _ in 0..<DaemonSchedule.stopDrainPolls where forwarder != nil {
            guard let backlog = try? await store.stats(destination: "dom").backlog, backlog > 0 else { break }
            try? await clock.sleep(for: DaemonSchedule.stopDrainPollPeriod)
        }
        forwarding.cancel()
        await forwarding.value
        mqttForwarding.cancel()
        await mqttForwarding.value
        await uplink?.client.close()
        alertRetry.cancel()
        storageRelief.cancel()
        alertClock.cancel()
        watchdog.cancel()
        metricsWriter.cancel()
        await Self.writeMetrics(store: store, destinations: configuration.deliveryDestinations, pipeline: pipeline, stateDirectory: stateDirectory, clock: clock, reportFailure: nil)
        try? await store.audit(actor: "iomtd", action: "stop", detail: "signal", at: clock.now())
        return 0
    }
}

extension GatewayDaemon {
    static let storeComponent = "store"
    static let alertClockComponent = "alert clock"
    static let forwarderComponent = "forwarder"
    /// A store query queued behind group commits and the metrics writer's counts: 20 s without one completing is a hang.
    static let storeStaleAfterMilliseconds: Int64 = 20_000

    /// The forwarder may legitimately sleep through its longest backoff or Retry-After, then spend a token request
    /// and a delivery request (each up to DOM's timeout); only longer than that without a turn is a hang.
    static func forwarderStaleAfterMilliseconds(_ configuration: DaemonConfiguration) -> Int64 {
        let defaults = ForwarderConfiguration()
        let longestSleep = max(defaults.backoff.capMilliseconds, defaults.maxRetryAfterMilliseconds, defaults.idlePollMilliseconds)
        return longestSleep + 2 * Int64(configuration.dom?.timeoutMilliseconds ?? 10_000) + 30_000
    }

    static func ownerUid(_ path: String) -> String {
        var info = stat()
        return stat(path, &info) == 0 ? String(info.st_uid) : "?"
    }

    /// One metrics.prom write; a failure is logged once (`reportFailure` non-nil) so a full disk cannot flood the log.
    /// Every destination's queue (DOM and the broker when both are configured), each metric named once.
    static func writeMetrics(store: Store, destinations: [String], pipeline: IngestPipeline, stateDirectory: String, clock: any WallClock, reportFailure: (() -> Void)?) async {
        do {
            var figures: [(destination: String, stats: DeliveryStats)] = []
            for destination in destinations { figures.append((destination, try await store.stats(destination: destination))) }
            let health = await pipeline.storeHealth()
            try DeliveryMetrics.write(figures, now: clock.now(), stateDirectory: stateDirectory, appending: health.metricsText + StreamOverflowTally.metricsText)
        } catch {
            if let reportFailure {
                Log.error("cannot write \(stateDirectory)/\(DeliveryMetrics.fileName): \(error)")
                reportFailure()
            }
        }
    }
}
