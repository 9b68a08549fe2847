import Dispatch
import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Synchronization

/// Debian's mosquitto and mosquitto_pub; CI=true fails instead of skipping when they are missing.
let mosquittoTools = LabPrerequisite(name: "mosquitto and mosquitto_pub", remedy: "Debian packages mosquitto, mosquitto-clients (scripts/setup.sh)") {
    MosquittoBroker.isInstalled && access("/usr/bin/mosquitto_pub", X_OK) == 0
}

let patient = "85010112345"
let topicPrefix = "iomt/test"

/// DOM requests as events: tests wait for the next request (or a short re-check tick) instead of sleeping, and may
/// hold one request at DOM until they release it. The waits block a thread of their own (the receiver's connection
/// threads block in `hook`), never one of the cooperative pool's 2: a test holding one for up to a minute stalls every
/// other test of a parallel pass.
final class DOMEvents: Sendable {
    private let arrived = DispatchSemaphore(value: 0)
    private let state = Mutex((requests: 0, holdSequence: 0, delayMilliseconds: 0, kill: (sequence: 0, pid: pid_t(0))))
    let held = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    var requests: Int { state.withLock { $0.requests } }

    /// Requests with this 1-based sequence number wait at DOM until `release` is signalled, then get a 503.
    func hold(sequence: Int) { state.withLock { $0.holdSequence = sequence } }

    /// Every request is answered this much later (a DOM that takes its time), so a stream lasts long enough to be cut.
    func slowDown(milliseconds: Int) { state.withLock { $0.delayMilliseconds = milliseconds } }

    /// SIGKILLs `pid` when the request with this 1-based sequence number arrives, its answer outstanding: from the
    /// receiver's thread, at once, where a test resuming on a busy cooperative pool could come after the stream ended.
    func kill(_ pid: pid_t, atRequest sequence: Int) { state.withLock { $0.kill = (sequence, pid) } }

    var hook: @Sendable (ReceivedRequestSummary) -> InjectedFault? {
        { [self] request in
            let (hold, delay, victim) = state.withLock { state -> (Bool, Int, pid_t?) in
                state.requests += 1
                return (request.sequence == state.holdSequence, state.delayMilliseconds,
                        request.sequence == state.kill.sequence ? state.kill.pid : nil)
            }
            if let victim { Glibc.kill(victim, SIGKILL) }
            arrived.signal()
            guard hold else { return delay > 0 ? .delay(milliseconds: delay) : nil }
            held.signal()
            release.wait()
            return .respond(status: 503, headers: [:], body: "{}")
        }
    }

    /// Re-checks `condition` after every DOM request (and every 100 ms, for the request that completes last) until it
    /// holds or `seconds` pass.
    func wait(seconds: Double, until condition: () -> Bool) async -> Bool {
        let deadline = DispatchTime.now() + seconds
        while !condition() {
            if DispatchTime.now() >= deadline { return false }
            await LabChildProcess.offThePool { [arrived] in _ = arrived.wait(timeout: .now() + .milliseconds(100)) }
        }
        return true
    }

    /// Waits up to `seconds` for the request `hold(sequence:)` named to arrive at DOM; returns whether it did.
    func waitForHeldRequest(seconds: Double) async -> Bool {
        await LabChildProcess.offThePool { [held] in held.wait(timeout: .now() + seconds) == .success }
    }
}

/// Broker, DOM receiver and iomt-collector processes in one temporary directory.
final class CollectorLab {
    let directory: URL
    let broker: MosquittoBroker
    let dom: DOMReceiver
    let events = DOMEvents()
    let configPath: String
    private var processes: [Process] = []

    static let binDirectory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { break }
        }
        return ProcessInfo.processInfo.environment["IOMT_BIN_DIR"].map { URL(fileURLWithPath: $0) } ?? url.appendingPathComponent(".build/debug")
    }()

    init(name: String) async throws {
        try mosquittoTools.require()
        directory = URL(fileURLWithPath: "/tmp/iomt-collector-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        broker = try await MosquittoBroker()
        dom = DOMReceiver(configuration: DOMReceiverConfiguration(port: 0, faults: events.hook))
        let port = try dom.start()
        configPath = directory.appendingPathComponent("collector.json").path
        let configuration = """
        {
          "broker": {"url": "\(broker.url)", "clientId": "unused", "group": "dom", "topicPrefix": "\(topicPrefix)", "receiveMaximum": 4},
          "dom": {"baseURL": "http://127.0.0.1:\(port)/fhir", "timeoutMs": 5000},
          "stateDirectory": "\(directory.path)/state",
          "logLevel": "info"
        }
        """
        try configuration.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var quarantineDirectory: String { directory.path + "/state/quarantine" }

    /// Starts one collector instance and waits until it subscribed (its READY=1).
    @discardableResult
    func startCollector(_ clientId: String, config: String? = nil, within seconds: Double = 20) async throws -> Process {
        let notify = try SystemdNotifyListener(path: directory.appendingPathComponent("\(clientId).\(processes.count).sock").path)
        let process = Process()
        process.executableURL = Self.binDirectory.appendingPathComponent("iomt-collector")
        guard FileManager.default.isExecutableFile(atPath: process.executableURL!.path) else {
            throw LabFailure("\(process.executableURL!.path) is missing: run `swift build` first")
        }
        process.arguments = ["--config", config ?? configPath, "--client-id", clientId]
        let log = logURL(clientId)
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        process.environment = environment
        try process.run()
        processes.append(process)
        guard await notify.wait(for: "READY=1", seconds: seconds) else {
            throw LabFailure("collector \(clientId) did not subscribe within \(seconds) s: \(self.log(clientId))")
        }
        return process
    }

    func logURL(_ clientId: String) -> URL { directory.appendingPathComponent("\(clientId).log") }
    func log(_ clientId: String) -> String { (try? String(contentsOf: logURL(clientId), encoding: .utf8)) ?? "" }

    func kill(_ process: Process) async {
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = await ChildProcessWait.exit(of: process, within: 10)
    }

    /// Publishes each bundle as one QoS 1 message (mosquitto_pub -l: one message per line) and waits until the
    /// broker acknowledged them all (mosquitto_pub exits after the last PUBACK).
    func publish(_ bundles: [[UInt8]], gateway: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        process.arguments = ["-V", "mqttv5", "-q", "1", "-h", "127.0.0.1", "-p", "\(broker.port)", "-i", "publisher-\(gateway)",
                             "-t", "\(topicPrefix)/\(gateway)/observations", "-l"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        for bundle in bundles {
            precondition(!bundle.contains(UInt8(ascii: "\n")), "mosquitto_pub -l sends one message per line")
            input.fileHandleForWriting.write(Data(bundle + [UInt8(ascii: "\n")]))
        }
        try input.fileHandleForWriting.close()
        guard await ChildProcessWait.exit(of: process, within: 60) else {
            Glibc.kill(process.processIdentifier, SIGKILL)
            throw LabFailure("mosquitto_pub did not finish within 60 s")
        }
        guard process.terminationStatus == 0 else { throw LabFailure("mosquitto_pub exited with \(process.terminationStatus)") }
    }

    /// The identifiers of the Observations DOM holds (conditional create keeps one per identifier).
    func storedIdentifiers() -> [String] {
        dom.observations().compactMap { $0["identifier"]?[0]?["value"]?.stringValue }
    }

    /// A deinit cannot await: collectors still running are killed without waiting (Foundation reaps them).
    deinit {
        for process in processes where process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        dom.stop()
        broker.stopBlocking(signal: SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Transaction Bundles as a gateway publishes them: `count` bundles of `perBundle` distinct readings.
func gatewayBundles(systemId: String, count: Int, perBundle: Int) -> (bundles: [[UInt8]], identifiers: [String]) {
    let gateway = GatewayIdentity(systemId: systemId, serialNumber: "GW-\(systemId.suffix(4))", softwareVersion: "0.1.0")
    let format = FHIRPHDWireFormat(gateway: gateway)
    let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "SN-\(systemId.suffix(4))",
                                portPath: "/dev/ttyUSB0")
    var bundles: [[UInt8]] = []
    var identifiers: [String] = []
    var id: Int64 = 0
    for _ in 0..<count {
        var rows: [StoredObservation] = []
        for _ in 0..<perBundle {
            id += 1
            let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000 + id * 1000)
            let observation = Observation(type: .spo2, value: DecimalValue(90 + Int(id % 9)), unit: "%", receivedAt: time, correctedTime: time,
                                          device: device, patientId: patient, rawFrame: [0x80])
            rows.append(StoredObservation(id: id, observation: observation, alertPriority: nil, attempts: 0))
            identifiers.append(PHDObservationIdentifier.value(for: observation))
        }
        bundles.append(format.encode(rows))
    }
    return (bundles, identifiers)
}
