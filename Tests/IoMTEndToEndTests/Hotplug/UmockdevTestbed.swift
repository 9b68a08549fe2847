import Foundation
import IoMTLab

/// A umockdev testbed held by `scripts/umockdev-usb-serial.py` (a child process, commands over its stdin):
/// USB-serial devices with sysfs entries, udev properties, a pty behind /dev/NAME, and uevents. Its replies are read
/// on a thread of their own: python under umockdev-wrapper takes seconds to start on 2 loaded cores, and a blocking
/// read on a cooperative-pool thread meanwhile stalls every other test of a parallel pass.
final class UmockdevTestbed {
    static let script = LabHarness.repositoryRoot.appendingPathComponent("scripts/umockdev-usb-serial.py").path
    static let preload = "libumockdev-preload.so.0"

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    /// The testbed's directory, for UMOCKDEV_DIR.
    private(set) var root = ""

    init(log: URL) async throws {
        try LabPrerequisite.umockdev.require()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/umockdev-wrapper")
        process.arguments = ["/usr/bin/python3", Self.script]
        process.standardInput = input
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let first = await readLine()
        guard first.hasPrefix("root ") else { throw HarnessError("umockdev driver did not start: \(first)") }
        root = String(first.dropFirst("root ".count))
    }

    /// Environment for a process that must see the testbed's /sys, /dev and uevents.
    var environment: [String: String] { ["LD_PRELOAD": Self.preload, "UMOCKDEV_DIR": root] }

    /// A USB device `vid:pid` with a tty child /dev/`name`; udev's "add" uevent follows. Returns the tty's syspath.
    @discardableResult
    func add(_ name: String, vendor: String, product: String, productName: String?, serial: String?) async throws -> String {
        let reply = try await command("add \(name) \(vendor) \(product) \(productName?.replacing(" ", with: "_") ?? "-") \(serial ?? "-")")
        guard reply.hasPrefix("added ") else { throw HarnessError("add \(name): \(reply)") }
        return String(reply.dropFirst("added ".count))
    }

    /// Feeds `bytes` into the device in 5-byte frames at 60 Hz, over and over, until it is removed.
    func stream(_ name: String, _ bytes: [UInt8]) async throws {
        let reply = try await command("stream \(name) " + bytes.map { String(format: "%02x", $0) }.joined())
        guard reply == "streaming" else { throw HarnessError("stream \(name): \(reply)") }
    }

    /// udev's "remove" uevent, then the device leaves sysfs and /dev.
    func remove(_ name: String) async throws {
        let reply = try await command("remove \(name)")
        guard reply == "removed" else { throw HarnessError("remove \(name): \(reply)") }
    }

    private func command(_ line: String) async throws -> String {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
        return await readLine()
    }

    private func readLine() async -> String {
        let fd = output.fileHandleForReading.fileDescriptor
        return await LabChildProcess.offThePool {
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Asks the driver to quit, then stops it (LabHarness.stop) if it has not within 3 s.
    func stop() async {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.write(contentsOf: Data("quit\n".utf8))
        try? input.fileHandleForWriting.close()
        if await !LabHarness.waitForExit(process, seconds: 3) { await LabHarness.stop(process) }
    }

    /// A net only (tests stop the testbed): a deinit cannot await, so a driver still running is killed without waiting.
    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// One second of a steady legacy CMS50 (60 frames).
    static func legacyCMS50Second(spo2: Int = 97, pulseRate: Int = 72) -> [UInt8] {
        (0..<60).flatMap { index in
            CMS50Frame.legacy(CMS50Sample(pleth: 40 + (index * 5) % 60, signalStrength: 8, barGraph: 5, beat: index % 50 == 0,
                                          fingerOut: false, searching: false, probeError: false, spo2Dropping: false,
                                          pulseRate: pulseRate, spo2: spo2))
        }
    }
}
