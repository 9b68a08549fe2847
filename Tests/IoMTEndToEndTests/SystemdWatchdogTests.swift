import Foundation
import Testing

/// iomtd speaks sd_notify to a real AF_UNIX datagram socket, as systemd would offer it.
@Suite(.serialized) struct SystemdWatchdogTests {
    /// A bound datagram socket collecting what the daemon sends.
    final class NotifySocket {
        let path: String
        let fd: Int32
        init(directory: URL) throws {
            path = directory.appendingPathComponent("notify.sock").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard result == 0 else { throw HarnessError("cannot bind \(path)") }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        /// Messages received within `seconds`.
        func receive(for seconds: Double) -> [String] {
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            return messages
        }
        deinit { close(fd) }
    }

    @Test func readyThenWatchdogWhileHealthyThenStopping() async throws {
        let lab = try GatewayScenario(name: "notify")
        defer { lab.stopAll() }
        #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
        try lab.writeConfiguration()
        let notify = try NotifySocket(directory: lab.directory)
        lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                           environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
        let running = notify.receive(for: 3)
        #expect(running.first?.hasPrefix("READY=1") == true, "\(running)")
        #expect(running.filter { $0.contains("WATCHDOG=1") }.count >= 5, "\(running)")
        LabHarness.stop(lab.daemon!)
        #expect(notify.receive(for: 0.5).contains { $0.contains("STOPPING=1") })
    }

    /// DOM unreachable and the buffer full: the store refuses readings, the daemon says so and
    /// stops feeding the watchdog, so systemd's watchdog makes the failure visible.
    @Test func watchdogStarvesWhenTheStoreRefusesReadings() async throws {
        let lab = try GatewayScenario(name: "starve")
        defer { lab.stopAll() }
        // No receiver: DOM is down.
        try lab.startSimulator(["--generation", "legacy", "--script", "steady"])
        #expect(await lab.waitForDevice())
        try lab.writeConfiguration(extra: #", "store": {"maxUndeliveredReadings": 4}"#)
        let notify = try NotifySocket(directory: lab.directory)
        lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                           environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
        let messages = notify.receive(for: 6)
        let unhealthyIndex = try #require(messages.firstIndex { $0.contains("STATUS=unhealthy: store failing") }, "\(messages)\n\(lab.logs())")
        #expect(!messages[(unhealthyIndex + 1)...].contains { $0.contains("WATCHDOG=1") }, "watchdog still fed after the store refused readings")
        #expect(LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log")).contains("readings NOT stored"))
        // Acknowledged readings were kept.
        LabHarness.stop(lab.daemon!)
        let (rows, _) = try await lab.storeSnapshot()
        #expect(rows.count <= 4 && !rows.isEmpty)
    }
}
