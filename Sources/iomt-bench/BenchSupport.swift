import Foundation
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTStore
import IoMTTransport
import Synchronization

struct BenchOptions {
    var quick = false
    var daemonSeconds = 60
    var skipDaemon = false
    var only: Int? = nil
    /// Drain: rows to pre-fill (default 1,000,000; 200,000 with --quick) and a fixed bundle size (skips the sweep).
    var drainRows: Int? = nil
    var drainBundle: Int? = nil
}

/// Collects figures and prints them with their targets.
final class BenchReport: @unchecked Sendable {
    private var lines: [(String, String, String)] = []
    func add(_ name: String, _ value: String, target: String) {
        lines.append((name, value, target))
        print(String(format: "  %-58@ %18@   (target %@)", name as NSString, value as NSString, target as NSString))
    }
    /// The median and the 99th percentile of `latencies` (milliseconds): "`name` p50, `setting` (N `counted`)" and
    /// "`name` p99, `setting`", the target on the p99.
    func addPercentiles(_ name: String, setting: String, counted: String, _ latencies: [Double], p99Target: String) {
        add("\(name) p50, \(setting) (\(latencies.count) \(counted))", String(format: "%.3f ms", Percentile.of(latencies, 50)), target: "—")
        add("\(name) p99, \(setting)", String(format: "%.3f ms", Percentile.of(latencies, 99)), target: p99Target)
    }
    func printSummary() {
        print("\n| measurement | value | target |\n|---|---|---|")
        for (name, value, target) in lines { print("| \(name) | \(value) | \(target) |") }
    }
}

enum Percentile {
    static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }
}

enum BenchPaths {
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
    static var profiles: String { repositoryRoot.appendingPathComponent("DeviceProfiles").path }
    static var binDirectory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    static func scratch(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "iomt-bench-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A fresh scratch directory and a store in it (`bench.sqlite`); nil, said on the output, when the store cannot open.
    static func scratchStore(_ name: String, configuration: StoreConfiguration = StoreConfiguration()) -> (directory: String, store: Store)? {
        let directory = scratch(name)
        do { return (directory, try Store(path: directory + "/bench.sqlite", configuration: configuration)) } catch {
            print("  cannot open store: \(error)"); return nil
        }
    }
}

/// Writes one legacy CMS50 frame per device per second on its pty, the devices staggered across the
/// second (100 slots of 10 ms), for `seconds`; `spo2(tick)` picks the value, `wrote` stamps each write.
/// Runs on its own thread so the writes keep time whatever the async side does.
func startStaggeredCMS50Writer(ptys: [PseudoTerminal], seconds: Int, spo2: @escaping @Sendable (Int) -> Int,
                               wrote: @escaping @Sendable (Int) -> Void) {
    let devices = ptys.count
    let writer = Thread {
        let start = monotonicNanoseconds()
        var tick = 0
        while monotonicNanoseconds() - start < UInt64(seconds) * 1_000_000_000 {
            let slot = tick % 100
            for device in stride(from: slot, to: devices, by: 100) {
                let sample = CMS50Sample(pleth: 50, signalStrength: 6, barGraph: 5, beat: false, fingerOut: false, searching: false,
                                         probeError: false, spo2Dropping: false, pulseRate: 72, spo2: spo2(tick))
                wrote(device)
                _ = ptys[device].writeMaster(CMS50Frame.legacy(sample))
            }
            tick += 1
            let next = start + UInt64(tick) * 10_000_000
            let now = monotonicNanoseconds()
            if next > now { usleep(UInt32((next - now) / 1000)) }
        }
    }
    writer.start()
}

/// What the pty benches (2 and 5) start from: 100 simulated CMS50D+ (the profile and serial settings they are read
/// with), how long they write (8 s with --quick), a fresh store in a scratch directory, and each device's last write.
struct PtyFleetBench {
    static let devices = 100
    let seconds: Int
    let profile: DeviceProfile
    let settings: SerialSettings
    let directory: String
    let store: Store
    let writes = FrameWriteTimes(devices: PtyFleetBench.devices)

    /// nil after saying why (no profiles, no store).
    init?(_ options: BenchOptions, seconds: Int, scratch name: String) {
        guard let (profile, settings) = PtyDeviceFleet.cms50Profile(), let (directory, store) = BenchPaths.scratchStore(name) else { return nil }
        (self.profile, self.settings, self.directory, self.store) = (profile, settings, directory, store)
        self.seconds = options.quick ? 8 : seconds
    }

    /// The devices on their ptys, read into `pipeline` (`PtyDeviceFleet.open`).
    func openFleet(serialPrefix: String, pipeline: IngestPipeline, accepted: @escaping @Sendable (Int) -> Void = { _ in }) -> PtyDeviceFleet? {
        PtyDeviceFleet.open(devices: Self.devices, profile: profile, settings: settings, serialPrefix: serialPrefix, pipeline: pipeline,
                            accepted: accepted)
    }

    /// Closes the ptys and removes the scratch directory.
    func finish(_ fleet: PtyDeviceFleet) {
        fleet.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Simulated devices on pseudo-terminals read the daemon's serial way: a `SerialConnection` per pty, the profile's
/// reader and a `Normaliser`, every chunk's measurements handed to `pipeline`; `accepted(device)` runs once the
/// pipeline took a device's readings (the latency benchmarks time it).
struct PtyDeviceFleet {
    let terminals: [PseudoTerminal]
    let identities: [DeviceIdentity]
    private let connections: [SerialConnection]
    private let readers: [Task<Void, Never>]

    /// nil (after saying why) when a pty cannot be opened.
    static func open(devices: Int, profile: DeviceProfile, settings: SerialSettings, serialPrefix: String, pipeline: IngestPipeline,
                     accepted: @escaping @Sendable (Int) -> Void = { _ in }) -> PtyDeviceFleet? {
        var terminals: [PseudoTerminal] = []
        for _ in 0..<devices {
            guard let pty = try? PseudoTerminal() else { print("  cannot open pty"); return nil }
            terminals.append(pty)
        }
        var connections: [SerialConnection] = []
        var identities: [DeviceIdentity] = []
        var readers: [Task<Void, Never>] = []
        for (index, pty) in terminals.enumerated() {
            let connection = SerialConnection(path: pty.slavePath, settings: settings)
            connections.append(connection)
            let device = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                        serialNumber: "\(serialPrefix)-\(index)")
            identities.append(device)
            readers.append(Task {
                var reader = try! DriverRegistry.makeReader(for: profile)
                let normaliser = Normaliser()
                for await event in connection.chunks() {
                    guard case let .data(bytes, at) = event else { continue }
                    let output = reader.handle(.bytes(bytes), at: at)
                    guard !output.measurements.isEmpty else { continue }
                    await pipeline.accept(output.measurements.map { normaliser.normalise($0, device: device, patientId: nil, receivedAt: at) })
                    accepted(index)
                }
            })
        }
        return PtyDeviceFleet(terminals: terminals, identities: identities, connections: connections, readers: readers)
    }

    /// The CMS50D+ profile the pty benchmarks read their devices with, and its serial settings; nil after saying why.
    static func cms50Profile() -> (DeviceProfile, SerialSettings)? {
        guard let profile = try? ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: BenchPaths.profiles)
            .first(where: { $0.id == "contec-cms50d-plus" }), let settings = profile.serial else { print("  cannot load profiles"); return nil }
        return (profile, settings)
    }

    /// Every device writes one frame a second for `seconds` (`startStaggeredCMS50Writer`); the readers get `settleSeconds`
    /// more to finish, then stop.
    func feed(seconds: Int, settleSeconds: Int, spo2: @escaping @Sendable (Int) -> Int, wrote: @escaping @Sendable (Int) -> Void) async {
        startStaggeredCMS50Writer(ptys: terminals, seconds: seconds, spo2: spo2, wrote: wrote)
        try? await Task.sleep(for: .seconds(seconds + settleSeconds))
        stopReading()
    }

    /// Stops the connections and their readers; the ptys stay open until `close()`.
    func stopReading() {
        for connection in connections { connection.stop() }
        for reader in readers { reader.cancel() }
    }

    func close() { for pty in terminals { pty.close() } }
}

/// When each device's last frame was written, and which device a device key is: what the latency benches measure from.
final class FrameWriteTimes: Sendable {
    private let lastWrite: Mutex<[UInt64]>
    private let indexByKey = Mutex<[String: Int]>([:])
    init(devices: Int) { lastWrite = Mutex([UInt64](repeating: 0, count: devices)) }
    func register(key: String, index: Int) { indexByKey.withLock { $0[key] = index } }
    func wrote(device: Int) { lastWrite.withLock { $0[device] = monotonicNanoseconds() } }

    /// Milliseconds since the device's last frame was written.
    func sinceLastWrite(device: Int) -> Double {
        let written = lastWrite.withLock { $0[device] }
        return Double(monotonicNanoseconds() - written) / 1e6
    }

    func sinceLastWrite(key: String) -> Double? {
        indexByKey.withLock { $0[key] }.map { sinceLastWrite(device: $0) }
    }
}

/// Latencies (ms) recorded from any thread, read once the run is over.
final class LatencySamples: Sendable {
    private let measured = Mutex<[Double]>([])
    func append(_ latency: Double) { measured.withLock { $0.append(latency) } }
    var latencies: [Double] { measured.withLock { $0 } }
}
