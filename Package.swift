// swift-tools-version:6.0
// iomtd — an edge gateway for medical devices. Toolchain only: no package dependencies.
// Data flow: Transport / BlueZ (bytes, values) → Drivers (DeviceReader: decode) → Ingest (normalise, pipeline) → Store →
// Alerts → Forward (FHIR over HTTP) / MQTT, with the daemon (IoMTDaemon, iomtd) and the technician CLI (iomtctl, through
// IoMTControl) on top. IoMTLab holds the test peers
// (device simulators and the local DOM receiver) as first-class code, used by the demo and the tests.
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
// One README per driver folder (protocol facts and sources) and its fuzz targets (<Driver>/Fuzz/<Target>/, built by
// scripts/fuzz.sh), not compiled into the module: found, so a new driver folder needs no line here.
let driverFolderEntries = (FileManager.default.enumerator(atPath: Context.packageDirectory + "/Sources/IoMTDrivers")?.allObjects ?? [])
    .compactMap { $0 as? String }
let driverReadmes = driverFolderEntries.filter { $0 == "README.md" || $0.hasSuffix("/README.md") }.sorted()
let driverFuzzTargets = driverFolderEntries.filter { $0.hasSuffix("/Fuzz") }.sorted()

let package = Package(
    name: "iomtd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "iomtd", targets: ["iomtd"]),
        .executable(name: "iomtctl", targets: ["iomtctl"]),
        .executable(name: "iomt-lab", targets: ["iomt-lab"]),
        .executable(name: "iomt-bench", targets: ["iomt-bench"]),
        .executable(name: "iomt-collector", targets: ["iomt-collector"]),
    ],
    targets: [
        // System C libraries (Debian: libsqlite3-dev, libcurl4-openssl-dev).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // libssl-dev: TLS for the lab's DOM receiver only (a test peer); not linked into iomtd.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        // libudev-dev: USB hotplug (device enumeration and the udev monitor).
        .systemLibrary(name: "CUdev", path: "Sources/CUdev"),
        // libmosquitto-dev: the gateway's MQTT uplink (IoMTMQTT).
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto"),
        // libpaho-mqtt-dev: iomt-collector's subscriber (Paho's asynchronous client acknowledges a QoS 1 message only
        // after the message callback returned, which libmosquitto 2.0.11 does not; docs/deployment.md).
        .systemLibrary(name: "CPaho", path: "Sources/CPaho"),

        // System calls every module writes the same way: errno text, a dedicated pthread (a leaf: Glibc only).
        .target(name: "IoMTSystem", swiftSettings: strict),
        // The reading model, codes, decimal values, time, JSON, normalisation.
        .target(name: "IoMTCore", dependencies: ["IoMTSystem"], swiftSettings: strict),
        // Spirometry reference values (GLI Global 2022, GLI-2012) by the LMS method; tables embedded from Tables/*.csv (pure).
        .target(name: "IoMTSpirometry", dependencies: ["IoMTCore"], exclude: ["Tables"], swiftSettings: strict),
        // Device profiles: JSON files in DeviceProfiles/, validated on load.
        .target(name: "IoMTProfiles", dependencies: ["IoMTCore"], swiftSettings: strict),
        // Pure decoders: bytes → decoded measurements (one folder per driver; BLE/ holds the GATT health-profile decoders).
        // Its list of drivers is generated from the folders' <Name>Registration.swift files (DriverRegistryPlugin).
        .target(name: "IoMTDrivers", dependencies: ["IoMTCore", "IoMTProfiles"], exclude: driverReadmes + driverFuzzTargets, swiftSettings: strict,
                plugins: ["DriverRegistryPlugin"]),
        // Build tool (Foundation, never linked into iomtd): writes IoMTDrivers' list of drivers, refusing a file that breaks
        // the registration convention; run by the plugin below and by scripts/fuzz.sh.
        .executableTarget(name: "DriverRegistryGenerator", swiftSettings: strict),
        .plugin(name: "DriverRegistryPlugin", capability: .buildTool(), dependencies: ["DriverRegistryGenerator"], path: "Sources/DriverRegistryPlugin"),
        // Serial ports on termios, pseudo-terminals, reconnect backoff.
        .target(name: "IoMTTransport", dependencies: ["IoMTCore", "IoMTProfiles"], swiftSettings: strict),
        // USB hotplug: tty devices with a USB parent from libudev (enumeration + monitor), matched to profiles.
        .target(name: "IoMTUdev", dependencies: ["IoMTCore", "IoMTProfiles", "IoMTTransport", "CUdev"], swiftSettings: strict),
        // Durable store on SQLite (WAL, synchronous=FULL, group commit, migrations).
        .target(name: "IoMTStore", dependencies: ["IoMTCore", "CSQLite"], swiftSettings: strict),
        // Alert rules, the deterministic engine and dispatch (log, exec hook, webhook).
        .target(name: "IoMTAlerts", dependencies: ["IoMTCore", "IoMTStore", "IoMTHTTP", "IoMTFHIR", "IoMTSpirometry"], swiftSettings: strict),
        // FHIR R4 / HL7 PHD IG wire format (pure).
        .target(name: "IoMTFHIR", dependencies: ["IoMTCore", "IoMTSpirometry"], swiftSettings: strict),
        // HTTP client on libcurl (TLS always verified).
        .target(name: "IoMTHTTP", dependencies: ["IoMTCore", "CCurl"], swiftSettings: strict),
        // Delivery: outbox → wire format → HTTP, with backoff; rows delivered only after a 2xx.
        .target(name: "IoMTForward", dependencies: ["IoMTCore", "IoMTStore", "IoMTFHIR", "IoMTHTTP", "IoMTSpirometry"], swiftSettings: strict),
        // MQTT 5 uplink on libmosquitto: client (QoS 1, PUBACK-confirmed), the Forwarder's transport and wire format for a broker.
        .target(name: "IoMTMQTT", dependencies: ["IoMTCore", "IoMTTransport", "CMosquitto", "IoMTHTTP", "IoMTStore", "IoMTFHIR", "IoMTForward", "IoMTAlerts",
                                                 "IoMTSpirometry"],
                swiftSettings: strict),
        // The control plane between iomtctl and iomtd: typed commands and replies, the status model, exit codes, the socket client.
        .target(name: "IoMTControl", dependencies: ["IoMTCore"], swiftSettings: strict),
        // The daemon's configuration file (iomtd.json) with its profiles and rule file, loaded and cross-checked; shared by
        // iomtd, iomtctl (doctor, trend) and iomt-collector.
        .target(name: "IoMTConfiguration", dependencies: ["IoMTCore", "IoMTSpirometry", "IoMTProfiles", "IoMTDrivers", "IoMTAlerts", "IoMTStore", "IoMTForward",
                                                          "IoMTHTTP", "IoMTMQTT", "IoMTBlueZ"], swiftSettings: strict),
        // `iomtctl doctor`'s checks of the box, the configuration and the store file, and the findings from a status answer.
        .target(name: "IoMTDoctor", dependencies: ["IoMTCore", "IoMTControl", "IoMTConfiguration", "IoMTStore", "IoMTForward", "IoMTHTTP"],
                swiftSettings: strict),
        // Ingest: the pipeline every decoded reading takes (store first, then the alert engine, then the forwarder woken),
        // readings kept in memory while the store refuses them, and the components' liveness.
        .target(name: "IoMTIngest", dependencies: ["IoMTCore", "IoMTControl", "IoMTStore", "IoMTAlerts", "IoMTForward", "IoMTFHIR", "IoMTTransport"],
                swiftSettings: strict),
        // The daemon: device runners, configuration in use, control socket server, systemd notify.
        .target(name: "IoMTDaemon", dependencies: ["IoMTCore", "IoMTIngest", "IoMTControl", "IoMTConfiguration", "IoMTProfiles", "IoMTDrivers", "IoMTTransport",
                                                   "IoMTUdev", "IoMTStore", "IoMTAlerts", "IoMTFHIR", "IoMTHTTP", "IoMTForward",
                                                   "IoMTDBus", "IoMTBlueZ", "IoMTMQTT"],
                swiftSettings: strict),
        // D-Bus client on an AF_UNIX socket (no libdbus): wire format, SASL EXTERNAL, connection, exported objects.
        .target(name: "IoMTDBus", dependencies: ["IoMTSystem"], exclude: ["README.md"], swiftSettings: strict),
        // BLE through BlueZ: object model, discovery, pairing agent, per-device connection (GATT sessions over D-Bus).
        .target(name: "IoMTBlueZ", dependencies: ["IoMTCore", "IoMTProfiles", "IoMTDrivers", "IoMTTransport", "IoMTDBus"],
                exclude: ["README.md"], swiftSettings: strict),
        // iomt-collector's logic: Paho subscriber (ack after DOM accepted), bundle relay to DOM, quarantine, configuration.
        .target(name: "IoMTCollector", dependencies: ["IoMTCore", "IoMTFHIR", "IoMTHTTP", "IoMTForward", "IoMTMQTT", "IoMTConfiguration",
                                                      "IoMTTransport", "CPaho"], swiftSettings: strict),
        // Test peers: device simulators on pseudo-terminals and the local DOM receiver.
        // BLESimulator/: a BLE health device served through BlueZ (GATT application + advertisement over IoMTDBus).
        .target(name: "IoMTLab", dependencies: ["IoMTCore", "IoMTTransport", "IoMTDBus", "CSQLite", "COpenSSL", "IoMTMQTT", "IoMTForward"],
                exclude: ["Simulators/README.md", "BLESimulator/README.md"], swiftSettings: strict),

        // What every test target would otherwise copy: the repository root, a temporary directory, running a program off
        // the concurrency pool, the independent FHIR validator. Linked by tests only.
        .target(name: "IoMTTestSupport", dependencies: ["IoMTCore", "CSQLite"], swiftSettings: strict),

        .executableTarget(name: "iomtd", dependencies: ["IoMTDaemon", "IoMTConfiguration"], swiftSettings: strict),
        .executableTarget(name: "iomtctl", dependencies: ["IoMTControl", "IoMTConfiguration", "IoMTDoctor", "IoMTDrivers", "IoMTProfiles", "IoMTFHIR",
                                                      "IoMTForward", "IoMTStore", "IoMTAlerts", "IoMTUdev", "IoMTSpirometry"],
                          swiftSettings: strict),
        .executableTarget(name: "iomt-lab", dependencies: ["IoMTCore", "IoMTLab"], swiftSettings: strict),
        .executableTarget(name: "iomt-collector", dependencies: ["IoMTCollector", "IoMTCore"], swiftSettings: strict),
        .executableTarget(name: "iomt-bench", dependencies: ["IoMTCore", "IoMTProfiles", "IoMTDrivers", "IoMTTransport", "IoMTStore",
                                                         "IoMTAlerts", "IoMTIngest", "IoMTLab", "IoMTHTTP", "IoMTMQTT"], path: "Sources/iomt-bench",
                          swiftSettings: strict),

        .testTarget(name: "IoMTCoreTests", dependencies: ["IoMTCore"], swiftSettings: strict),
        .testTarget(name: "IoMTSpirometryTests", dependencies: ["IoMTSpirometry", "IoMTCore"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "IoMTControlTests", dependencies: ["IoMTControl", "IoMTCore"], swiftSettings: strict),
        .testTarget(name: "IoMTDriversTests", dependencies: ["IoMTTestSupport", "IoMTDrivers", "IoMTProfiles", "IoMTLab"], swiftSettings: strict),
        .testTarget(name: "IoMTTransportTests", dependencies: ["IoMTTransport", "IoMTLab"], swiftSettings: strict),
        .testTarget(name: "IoMTUdevTests", dependencies: ["IoMTUdev", "IoMTProfiles", "IoMTDrivers"], swiftSettings: strict),
        .testTarget(name: "IoMTStoreTests", dependencies: ["IoMTTestSupport", "IoMTStore", "IoMTLab"], swiftSettings: strict),
        .testTarget(name: "IoMTAlertsTests", dependencies: ["IoMTTestSupport", "IoMTAlerts", "IoMTSpirometry", "IoMTCore", "IoMTStore", "IoMTHTTP", "IoMTFHIR", "IoMTLab"], swiftSettings: strict),
        .testTarget(name: "IoMTHTTPTests", dependencies: ["IoMTHTTP", "IoMTTestSupport"], swiftSettings: strict),
        .testTarget(name: "IoMTFHIRTests", dependencies: ["IoMTTestSupport", "IoMTFHIR", "IoMTSpirometry", "IoMTCore"], swiftSettings: strict),
        .testTarget(name: "IoMTForwardTests", dependencies: ["IoMTTestSupport", "IoMTForward", "IoMTLab", "IoMTSpirometry", "IoMTAlerts", "IoMTIngest"], swiftSettings: strict),
        .testTarget(name: "IoMTDBusTests", dependencies: ["IoMTDBus", "IoMTCore", "IoMTLab"], swiftSettings: strict),
        .testTarget(name: "IoMTBlueZTests", dependencies: ["IoMTBlueZ", "IoMTDBus", "IoMTDrivers", "IoMTCore", "IoMTLab", "IoMTProfiles", "IoMTTransport"], swiftSettings: strict),
        // The BLE device simulator: fixture sequencing, object construction, and its objects on a private dbus-daemon.
        .testTarget(name: "IoMTLabTests", dependencies: ["IoMTTestSupport", "IoMTLab", "IoMTDBus"], swiftSettings: strict),
        // The test helpers themselves: waits that leave the cooperative pool free, cleanup that runs when a test throws.
        .testTarget(name: "IoMTTestSupportTests", dependencies: ["IoMTTestSupport"], swiftSettings: strict),
        .testTarget(name: "IoMTMQTTTests", dependencies: ["IoMTTestSupport", "IoMTMQTT", "IoMTCore", "IoMTStore", "IoMTForward", "IoMTFHIR", "IoMTLab", "IoMTAlerts"], swiftSettings: strict),
        // iomt-collector against Debian's mosquitto and the lab's DOM receiver (real processes, SIGKILL mid-stream).
        .testTarget(name: "IoMTCollectorTests", dependencies: ["IoMTCollector", "IoMTConfiguration", "IoMTCore", "IoMTFHIR", "IoMTForward", "IoMTStore", "IoMTLab",
                                                              "IoMTTestSupport"],
                    swiftSettings: strict),
        // The daemon module's own tests, in process: its schedule, configuration refusals, the ingest pipeline on a store
        // made to fail for real. The only test target that links IoMTDaemon.
        .testTarget(name: "IoMTDaemonTests", dependencies: ["IoMTTestSupport", "IoMTDaemon", "IoMTCore", "IoMTStore", "IoMTIngest", "IoMTConfiguration",
                                                           "IoMTDoctor", "IoMTAlerts", "IoMTLab", "IoMTSpirometry", "IoMTMQTT",
                                                           "IoMTFHIR"], swiftSettings: strict),
        // Whole processes against real peers (iomtd, iomtctl, iomt-lab, the DOM receiver, mosquitto, dbus-daemon): never the daemon module in process.
        .testTarget(name: "IoMTEndToEndTests", dependencies: ["IoMTTestSupport", "IoMTCore", "IoMTStore", "IoMTControl", "IoMTHTTP", "IoMTLab", "IoMTDBus"],
                    swiftSettings: strict),
    ]
)
