import Glibc
import IoMTConfiguration
import IoMTCore
import IoMTForward
import IoMTHTTP
import IoMTStore

/// `iomtctl doctor`: every check a technician would otherwise run by hand, each with its fix.
public struct Doctor: Sendable {
    public let configPath: String
    public var system = SystemChecks()
    public var daemonUser = "iomtd"

    public init(configPath: String) { self.configPath = configPath }

    public func run(clock: any WallClock = SystemClock()) async -> [DoctorFinding] {
        let daemon: GatewayConfiguration
        do { daemon = try GatewayConfiguration.load(configPath: configPath) } catch {
            return [DoctorFinding("configuration", .problem, "\(configPath) is not usable:\n" + error.description,
                                  fix: "correct the fields named above (see iomtd.json(5)), then `iomtd --check-config --config \(configPath)`")]
        }
        let configuration = daemon.configuration
        var findings = [DoctorFinding("configuration", .ok, "\(configPath) is valid; \(daemon.profiles.count) profile(s), \(configuration.devices.count) serial and \(configuration.bluetooth.devices.count) Bluetooth device(s) configured")]
        let needsBluetooth = configuration.bluetooth.enabled || !configuration.bluetooth.devices.isEmpty
        findings.append(system.bluetoothDaemon(needed: needsBluetooth))
        findings.append(system.bluetoothAdapters(needed: needsBluetooth))
        for device in configuration.devices { findings.append(system.serialDevice(path: device.path, daemonUser: daemonUser)) }
        if let dom = configuration.dom { findings.append(await domReachable(dom: dom, clock: clock)) }
        findings.append(system.clockSynchronised())
        findings.append(system.freeDisk(path: FileIO.exists(configuration.stateDirectory) ? configuration.stateDirectory : "/"))
        findings.append(contentsOf: await storeChecks(configuration, clock: clock))
        return findings
    }

    /// DOM over the daemon's own TLS settings: any HTTP answer proves DNS, route, TLS and (with mTLS)
    /// the client certificate; the Date header measures this box's clock skew.
    func domReachable(dom: DaemonConfiguration.DOM, clock: any WallClock) async -> DoctorFinding {
        let base = dom.baseURL
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/metadata"
        let transport = dom.makeTransport(clock: clock)
        do throws(HTTPError) {
            let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Accept", "application/fhir+json")],
                                                                timeoutMilliseconds: 10_000))
            var detail = "\(url) answered HTTP \(response.status)"
            if let date = response.header("Date"), let server = RetryAfter.milliseconds(date, now: Instant(millisecondsSinceEpoch: 0)) {
                let skew = clock.now().millisecondsSinceEpoch - server
                if abs(skew) > 60_000 {
                    return DoctorFinding("DOM", .problem, detail + "; this box's clock is \(skew / 1000) s \(skew > 0 ? "ahead of" : "behind") DOM's",
                                         fix: "timedatectl set-ntp true (certificates and reading times depend on the clock)")
                }
                detail += ", clock within \(abs(skew) / 1000) s of DOM's"
            }
            if !base.hasPrefix("https://") {
                return DoctorFinding("DOM", .warning, detail + ", but over plain HTTP (acceptable only for the local lab receiver)",
                                     fix: "use the https:// address DOM issued")
            }
            return DoctorFinding("DOM", response.status == 401 || response.status == 403 ? .warning : .ok,
                                 detail + (response.status == 401 || response.status == 403 ? " (credentials refused)" : ", TLS verified"),
                                 fix: response.status == 401 || response.status == 403 ? "check dom.oauth2 / the client certificate with DOM's operator" : nil)
        } catch {
            let fix: String
            switch error {
            case .tls: fix = "check dom.caBundle, dom.clientCertificate/clientKey and dom.pinnedPublicKey, and that the clock is right"
            case .tokenEndpoint, .authenticationRejected: fix = "check dom.oauth2 (token URL, client id, secret file)"
            case .timeout, .connect, .connectionReset: fix = "check the network, DNS and https_proxy; `curl -v \(url)` from this box"
            default: fix = "see the error above"
            }
            return DoctorFinding("DOM", .problem, "\(url): \(error.kind): \(error)", fix: fix)
        }
    }

    func storeChecks(_ configuration: DaemonConfiguration, clock: any WallClock) async -> [DoctorFinding] {
        let replaced = Self.movedAsideStores(configuration.storePath).map { aside in
            DoctorFinding("store replaced", .warning, "a corrupt store was moved aside to \(aside) and a new one started (store-replaced alarm); readings it held and DOM never received may be in it",
                          fix: "iomtctl store check --db \(aside); iomtctl store recover --from \(aside); remove the file once recovered")
        }
        guard FileIO.exists(configuration.storePath) else {
            return replaced + [DoctorFinding("store", .info, "\(configuration.storePath) does not exist yet (created when iomtd first opens it)")]
        }
        return replaced + (await openedStoreChecks(configuration, clock: clock))
    }

    /// `<store>.corrupt-<time>` files beside the store (StoreIntegrity.moveAsideIfCorrupt), without their -wal/-shm.
    static func movedAsideStores(_ storePath: String) -> [String] {
        guard let slash = storePath.lastIndex(of: "/") else { return [] }
        let directory = String(storePath[..<slash]), prefix = String(storePath[storePath.index(after: slash)...]) + ".corrupt-"
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var found: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(prefix), !name.hasSuffix("-wal"), !name.hasSuffix("-shm") { found.append(directory + "/" + name) }
        }
        return found.sorted()
    }

    func openedStoreChecks(_ configuration: DaemonConfiguration, clock: any WallClock) async -> [DoctorFinding] {
        let store: Store
        do { store = try Store(readOnlyPath: configuration.storePath, configuration: StoreConfiguration(destinations: configuration.deliveryDestinations)) } catch {
            return [DoctorFinding("store", .problem, "cannot open \(configuration.storePath): \(error)",
                                  fix: "run as root or the iomtd user; if the file is damaged, stop iomtd and restore it from a backup")]
        }
        var findings: [DoctorFinding] = []
        do {
            let result = try await store.integrityCheck()
            findings.append(result == "ok" ? DoctorFinding("store integrity", .ok, "PRAGMA integrity_check: ok")
                            : DoctorFinding("store integrity", .problem, result, fix: "stop iomtd, copy the file aside, restore the last backup; undelivered readings are in the copy"))
            let stats = try await store.stats(destination: configuration.primaryDestination)
            let now = clock.now()
            if stats.quarantined > 0 {
                findings.append(DoctorFinding("quarantine", .warning, "\(stats.quarantined) reading(s) set aside", fix: "iomtctl quarantine list"))
            }
            if let oldest = stats.oldestUndelivered, now.milliseconds(since: oldest) > 3_600_000 {
                findings.append(DoctorFinding("backlog", .warning, "\(stats.backlog) reading(s) waiting, the oldest since \(oldest.iso8601)",
                                              fix: "see the DOM check above; iomtctl status shows failures by kind"))
            } else {
                findings.append(DoctorFinding("backlog", .ok, "\(stats.backlog) reading(s) waiting"))
            }
        } catch {
            findings.append(DoctorFinding("store integrity", .problem, "\(error)", fix: "stop iomtd and check the file with sqlite3"))
        }
        return findings
    }
}
