import Foundation
import IoMTCore
import IoMTHTTP
import IoMTStore
import IoMTTestSupport

/// One lab set-up: local DOM receiver + simulated CMS50 on a pty + the iomtd daemon, each a real process.
final class GatewayScenario {
    let directory: URL
    let port: UInt16
    let devicePath: String
    var receiver: Process?
    var simulator: Process?
    var daemon: Process?
    var daemonStarts = 0
    /// Certificates for an https receiver; nil keeps the plain-HTTP receiver every older test uses.
    var pki: TestPKI?
    /// With TLS: the receiver demands a client certificate issued by the test CA.
    var requireClientCertificate = false
    /// More `dom-receiver` options (e.g. `--oauth2-client ID:SECRET`).
    var receiverOptions: [String] = []
    /// Extra environment for iomtd (e.g. `https_proxy`).
    var daemonEnvironment: [String: String] = [:]

    init(name: String) throws {
        directory = try LabHarness.temporaryDirectory(name)
        port = LabHarness.freePort()
        devicePath = directory.appendingPathComponent("ttyCMS50").path
    }

    var configPath: String { directory.appendingPathComponent("iomtd.json").path }
    var storePath: String { directory.appendingPathComponent("state/iomtd.sqlite").path }
    var controlSocket: String { directory.appendingPathComponent("control.sock").path }
    var bundlesDirectory: URL { directory.appendingPathComponent("bundles") }
    var alertsFile: URL { directory.appendingPathComponent("alerts.txt") }

    var scheme: String { pki == nil ? "http" : "https" }
    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// `fault`: a receiver fault script (`1-3:503+retry-after=2,5:drop,7:slow=1500`), see FaultScript.
    func startReceiver(fault: String? = nil) throws {
        var tlsOptions: [String] = []
        if let pki {
            tlsOptions = ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey]
            if requireClientCertificate { tlsOptions += ["--client-ca", pki.caCertificate] }
        }
        receiver = try LabHarness.launch("iomt-lab", ["dom-receiver", "--port", "\(port)",
                                                      "--data", directory.appendingPathComponent("dom.ndjson").path,
                                                      "--record", bundlesDirectory.path] + tlsOptions + receiverOptions
                                                      + (fault.map { ["--fault", $0] } ?? []),
                                         log: directory.appendingPathComponent("receiver.log"))
    }

    func startSimulator(_ arguments: [String]) throws {
        simulator = try LabHarness.launch("iomt-lab", ["sim", "cms50", "--link", devicePath] + arguments,
                                          log: directory.appendingPathComponent("simulator.log"))
    }

    /// Writes the daemon's configuration (hotplug off: a real adapter on the test machine must not join in): the one device on the simulator's pty, an exec hook that
    /// appends the alert's environment to alerts.txt, and the given rules.
    /// `dom` adds members to the `dom` object (starting with a comma), e.g. TLS files or `oauth2`.
    /// `patient: nil` runs the box in clinic mode (readings attributed by `iomtctl bind`).
    /// `alertsExtra` adds members to the `alerts` object (starting with a comma), e.g. `rulesFile` or `webhook`.
    func writeConfiguration(profile: String = "contec-cms50d-plus", rules: String = "[]", extra: String = "", dom: String = "",
                            patient: String? = "44051401359", alertsExtra: String = "", extraDevices: String = "") throws {
        let hook = directory.appendingPathComponent("alert-hook.sh")
        try ExecutableScript.write("""
            #!/bin/sh
            echo "$IOMT_ALERT_RULE $IOMT_ALERT_PRIORITY $IOMT_ALERT_MEASUREMENT $IOMT_ALERT_VALUE $IOMT_ALERT_CONDITION $IOMT_ALERT_THRESHOLD" >> "\(alertsFile.path)"
            """, to: hook.path)
        try """
            {
              "stateDirectory": "\(directory.appendingPathComponent("state").path)",
              "profilesDirectory": "\(LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path)",
              "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "E2E-HUB"},
              \(patient.map { "\"patient\": {\"pesel\": \"\($0)\"}," } ?? "")
              "control": {"socketPath": "\(controlSocket)"},
              "hotplug": {"enabled": false},
              "devices": [{"profile": "\(profile)", "path": "\(devicePath)", "serialNumber": "E2E-CMS50-1"}\(extraDevices)],
              "dom": {"baseURL": "\(baseURL)/fhir", "batchSize": 20, "timeoutMs": 3000\(dom)},
              "alerts": {"execHook": "\(hook.path)", "rules": \(rules)\(alertsExtra)}\(extra)
            }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The lab machine's clock is seldom disciplined by NTP: unless a test says otherwise, iomtd treats it as
    /// synchronised, so readings are attributed by time as on a deployed gateway.
    func startDaemon() throws {
        daemonStarts += 1
        let environment = ["IOMTD_CLOCK_SYNCHRONISATION": "synchronised"].merging(daemonEnvironment) { $1 }
        daemon = try LabHarness.launch("iomtd", ["--config", configPath],
                                       log: directory.appendingPathComponent("iomtd-\(daemonStarts).log"), environment: environment)
    }

    /// Starts the receiver and a simulator (`iomt-lab sim cms50 <arguments>`), and waits until both are up.
    func startPeers(simulator arguments: [String]) async throws -> Bool {
        try startReceiver()
        try startSimulator(arguments)
        let receiverUp = await waitForReceiver()
        return await waitForDevice() && receiverUp
    }

    func waitForReceiver() async -> Bool {
        await LabHarness.waitUntil(seconds: 10) { await get("/health")?.0 == 200 }
    }

    /// GET on the receiver: plain, or over TLS trusting the test CA (with the client certificate).
    func get(_ path: String) async -> (Int, Data)? {
        guard let pki else { return await LabHarness.httpGet(port: port, path: path) }
        let client = CurlHTTPClient(configuration: .init(caBundlePath: pki.caCertificate, clientCertificatePath: pki.clientCertificate,
                                                         clientKeyPath: pki.clientKey, connectTimeoutMilliseconds: 2000))
        guard let response = try? await client.send(HTTPRequest(method: "GET", url: baseURL + path, timeoutMilliseconds: 5000)) else { return nil }
        return (response.status, Data(response.body))
    }

    func json(_ path: String) async -> [String: Any]? {
        guard let (status, data) = await get(path), status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    func waitForDevice() async -> Bool {
        await LabHarness.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: devicePath) }
    }

    /// When the simulator published its pty link: its script's clock starts then (CMS50Simulator.start), which on a
    /// loaded machine can be seconds before the test sees the link.
    func devicePublishedAt() -> Date? {
        var status = stat()
        guard lstat(devicePath, &status) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
    }

    /// Observations the receiver holds (each created once; conditional-create duplicates are not counted).
    func domObservationCount() async -> Int? {
        await json("/stats")?["observations"] as? Int
    }

    func domStats() async -> [String: Any] { await json("/stats") ?? [:] }

    /// Waits until DOM holds `count` more Observations than when called: the daemon went on reading and delivering
    /// (a wait for progress, not for a stretch of time). Returns whether it did within `seconds`.
    func waitForMoreDOMObservations(_ count: Int, seconds: Double = 20) async -> Bool {
        let start = await domObservationCount() ?? 0
        return await LabHarness.waitUntil(seconds: seconds) { (await domObservationCount() ?? 0) >= start + count }
    }

    /// All Observation resources at DOM.
    func domObservations() async -> [[String: Any]] {
        guard let bundle = await json("/fhir/Observation?_count=100000") else { return [] }
        return (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    /// Readings the running daemon has not yet delivered or quarantined, read beside it (read-only, as iomtctl does).
    func storeBacklog() async -> Int? {
        guard let store = try? Store(readOnlyPath: storePath) else { return nil }
        return try? await store.stats(destination: "dom").backlog
    }

    /// What the daemon's store acknowledged, read from its SQLite file (the daemon must be stopped or killed).
    func storeSnapshot() async throws -> (acknowledged: [StoredObservation], stats: DeliveryStats) {
        let store = try Store(path: storePath)
        let rows = try await store.recent(limit: 1_000_000)
        return (rows, try await store.stats(destination: "dom"))
    }

    /// The daemon's device board, as `iomtctl devices --json` shows it.
    func devices() async -> [[String: Any]] {
        guard let (status, output) = try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", controlSocket]), status == 0,
              let document = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else { return [] }
        return document["devices"] as? [[String: Any]] ?? []
    }

    /// Stops the daemon, then the simulator and receiver, each awaited (LabHarness.stop).
    func stopAll() async {
        for process in [daemon, simulator, receiver].compactMap({ $0 }) { await LabHarness.stop(process) }
    }

    func logs() -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".log") }.sorted().map { "---- \($0)\n" + LabHarness.readLog(directory.appendingPathComponent($0)).suffix(3000) }.joined(separator: "\n")
    }

    /// A net only: `withGatewayScenario` has stopped everything by now. A deinit cannot await, so whatever still runs
    /// is killed without waiting (Foundation reaps it).
    deinit {
        for process in [daemon, simulator, receiver].compactMap({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

/// Runs `body` with `lab` (a new scenario, or one a suite's helper set up), then stops its processes, awaited and off
/// the cooperative pool, whether `body` returned or threw: a `defer` cannot await, and a blocking stop held one of the
/// pool's 2 threads for up to 10 s.
func withGatewayScenario<T>(_ lab: @autoclosure () async throws -> GatewayScenario,
                            _ body: (GatewayScenario) async throws -> T) async throws -> T {
    let lab = try await lab()
    return try await withAsyncCleanup({ await lab.stopAll() }) { try await body(lab) }
}

func withGatewayScenario<T>(_ name: String, _ body: (GatewayScenario) async throws -> T) async throws -> T {
    try await withGatewayScenario(GatewayScenario(name: name), body)
}
