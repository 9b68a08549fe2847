import IoMTConfiguration
import IoMTCore
import IoMTIngest
import IoMTProfiles
import IoMTUdev

/// Reads USB-serial devices as they come and go: a plugged-in device that matches a profile (and is
/// not already in `devices[]`) gets its own SerialDeviceRunner; unplugging it stops that runner
/// cleanly (the driver's window is flushed and delivered). Runners are keyed by sysfs path, so
/// several adapters with the same VID:PID are independent.
actor HotplugCoordinator {
    private struct Running {
        let runner: SerialDeviceRunner
        let task: Task<Void, Never>
        let devnode: String
    }

    private let matcher: HotplugMatcher
    /// `devices[]` paths: a device whose node or one of whose udev links (DEVLINKS: /dev/iomt/..., /dev/serial/by-id/...)
    /// is listed there is left to its static runner.
    private let staticPaths: Set<String>
    private let patientId: String?
    private let pipeline: IngestPipeline
    private let health: HealthMonitor
    private let board: DeviceStatusBoard
    private let clock: any WallClock
    private let monitor = UdevMonitor()
    private var running: [String: Running] = [:]
    /// VID:PIDs already reported as matching no profile (said once, not at every plug).
    private var reportedUnmatched: Set<String> = []
    private var serialNumbers = SerialNumberRegistry()
    private var stopped = false

    init(configuration: DaemonConfiguration, profiles: [DeviceProfile], pipeline: IngestPipeline, health: HealthMonitor,
         board: DeviceStatusBoard, clock: any WallClock) {
        matcher = HotplugMatcher(catalog: ProfileCatalog(profiles: profiles))
        staticPaths = Set(configuration.devices.map(\.path))
        patientId = configuration.patientId
        self.pipeline = pipeline; self.health = health; self.board = board; self.clock = clock
    }

    /// Runs until `stop()`. Without udev (no netlink, e.g. a container) only `devices[]` are read.
    func run() async {
        let events: AsyncStream<UdevEvent>
        do { events = try monitor.events() } catch {
            Log.warning("hotplug unavailable, only configured devices are read: \(error)", "hotplug")
            return
        }
        for await event in events {
            switch event {
            case let .added(device): added(device)
            case let .removed(device): await removed(device)
            case let .ready(count): Log.info("watching USB-serial devices (\(count) present at start)", "hotplug")
            case let .overflowed(lost):
                Log.error("\(lost) USB hotplug event(s) lost (this loop fell behind): a device plugged or unplugged meanwhile may be "
                          + "unknown; unplug and replug it, or restart iomtd", "hotplug")
            }
        }
    }

    /// Stops watching and stops every hot-plugged runner, each delivering its flushed window first.
    func stop() async {
        stopped = true
        monitor.stop()
        for syspath in Array(running.keys) { await end(syspath, detail: "stopped") }
    }

    private func added(_ device: USBSerialDevice) {
        guard !stopped, running[device.syspath] == nil, let devnode = device.devnode else { return }
        switch matcher.decide(device, staticPaths: staticPaths) {
        case let .read(profileId, alsoMatched):
            guard let profile = matcher.catalog.profile(id: profileId), let settings = profile.serial else { return }
            start(device, devnode: devnode, profile: profile, settings: settings, alsoMatched: alsoMatched)
        case let .configuredStatically(path):
            Log.debug("\(device) is configured as \(path); left to devices[]", "hotplug")
        case .noProfile:
            if reportedUnmatched.insert(device.usbId).inserted {
                Log.info("USB device \(device.usbId) at \(devnode) matches no device profile; ignored", "hotplug")
            }
        case .notUSBSerial:
            break
        }
    }

    private func start(_ device: USBSerialDevice, devnode: String, profile: DeviceProfile, settings: SerialSettings, alsoMatched: [String]) {
        // Cheap adapters often share one serial number ("0001"): once two were seen at the same time, none of them
        // is identified by it again, so none takes over another's identity (and patient binding) later.
        let identity = serialNumbers.identify(profileId: profile.id, serialNumber: device.serialNumber, syspath: device.syspath)
        if let ports = identity.ambiguousPorts, let serial = device.serialNumber {
            let key = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, serialNumber: serial).key
            let reason = "USB adapters on ports \(ports.joined(separator: ", ")) report the same serial number; readings are identified by port, and this key cannot be bound"
            if board.ambiguity(of: key) == nil { Log.warning("\(device): \(reason)", "hotplug") }
            board.markAmbiguous(key, reason: reason)
        }
        let configured = DaemonConfiguration.Device(profileId: profile.id, path: devnode, serialNumber: identity.serialNumber)
        let runner: SerialDeviceRunner
        do {
            runner = try SerialDeviceRunner(device: configured, profile: profile, settings: settings, patientId: patientId,
                                            pipeline: pipeline, health: health, board: board, clock: clock)
        } catch {
            Log.error("\(device): cannot read with profile \(profile.id): \(error)", "hotplug")
            return
        }
        let syspath = device.syspath
        running[syspath] = Running(runner: runner, task: Task {
            await runner.run()
            await self.runnerEnded(syspath, runner)
        }, devnode: devnode)
        Log.notice("\(device) plugged in: reading it as \(profile.id) (\(runner.identity.key))", "hotplug")
        if !alsoMatched.isEmpty {
            Log.info("\(device) also matches \(alsoMatched.joined(separator: ", ")); to choose, list it in devices[] by its /dev/iomt link", "hotplug")
        }
    }

    /// A runner that ends by itself has failed for good (e.g. an unsupported setting): it leaves the
    /// health check, so one bad adapter cannot starve the watchdog, and plugging it in again retries.
    private func runnerEnded(_ syspath: String, _ runner: SerialDeviceRunner) async {
        guard let entry = running[syspath], entry.runner === runner else { return } // stopped by end()
        running[syspath] = nil
        await runner.stop()
        Log.warning("\(entry.devnode): \(runner.identity.key) is not read; plug it in again to retry", "hotplug")
    }

    private func removed(_ device: USBSerialDevice) async {
        serialNumbers.removed(syspath: device.syspath)
        guard running[device.syspath] != nil else { return }
        await end(device.syspath, detail: "unplugged")
    }

    private func end(_ syspath: String, detail: String) async {
        guard let entry = running.removeValue(forKey: syspath) else { return }
        await entry.runner.stop()
        await entry.task.value // the driver's last window is delivered before this returns
        // Logged before the state is published: whoever sees "disconnected" (iomtctl devices) finds the log line too.
        if detail == "unplugged" { Log.notice("\(entry.devnode) unplugged: \(entry.runner.identity.key) disconnected cleanly", "hotplug") }
        board.set(entry.runner.identity.key, .disconnected, detail: detail, at: clock.now())
    }
}
