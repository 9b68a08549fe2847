import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

/// A 24-hour DOM outage compressed in time: the real store, forwarder, curl client and receiver, with an
/// injected ManualClock. Scaled down from 1 Hz to one reading per 20 s per device (4 devices × 4,320 =
/// 17,280 rows) to keep the debug-build suite quick: at full scale (86,400 readings, 1 Hz) the test took 85 s in a
/// debug build on a 2-core machine, mostly encoding and parsing in unoptimised code. The full 1 Hz,
/// 1,000,000-row drain is `iomt-bench --only 4`.
@Suite struct OutageDrainTests {
    @Test func dayLongOutageDrainsInOrderExactlyOnce() async throws {
        let devices = 4, perDevice = 4_320, stepSeconds = 20
        let total = devices * perDevice
        let clock = ManualClock()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-outage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("store.sqlite").path,
                              configuration: StoreConfiguration(maxUndeliveredRows: total), clock: clock)

        // DOM is down: the port is known, nothing listens on it.
        // The port is held bound but not listening, so connections are refused and no test running
        // in parallel can start its own receiver on it.
        let reservation = PortReservation()
        let port = reservation.port
        let forwarder = Forwarder(store: store, destination: "dom", baseURL: "http://127.0.0.1:\(port)/fhir",
                                  wireFormat: FHIRPHDWireFormat(gateway: gateway),
                                  transport: CurlHTTPClient(configuration: .init(connectTimeoutMilliseconds: 2000, totalTimeoutMilliseconds: 30_000)),
                                  configuration: ForwarderConfiguration(batchSize: 500, jitterSeed: 3), clock: clock)

        // A day of readings arrives hour by hour; the forwarder keeps trying (and failing) between hours.
        var failures = 0
        for hour in 0..<24 {
            var chunk: [Observation] = []
            for slot in 0..<(3600 / stepSeconds) {
                let second = hour * 3600 + slot * stepSeconds
                for number in 1...devices {
                    chunk.append(reading(device: device(number), second: second, value: 90 + number, withDeviceTime: false))
                }
            }
            _ = try await store.append(chunk)
            if case let .failed(_, delay) = await forwarder.deliverOnce() { failures += 1; clock.advance(milliseconds: delay) }
            clock.set(Instant(millisecondsSinceEpoch: 1_763_900_000_000 + Int64(hour + 1) * 3_600_000))
        }
        #expect(failures == 24)
        var stats = try await store.stats(destination: "dom")
        #expect(stats.backlog == total)
        #expect(stats.delivered == 0)
        #expect(stats.failuresByKind.values.reduce(0, +) == 24 * 500)
        #expect(stats.failuresByKind.keys.allSatisfy { !$0.hasPrefix("http-") }, "\(stats.failuresByKind)")
        // The bound holds: one more reading is refused (visibly), and nothing already stored is dropped.
        await #expect(throws: StoreError.full(undelivered: total, limit: total)) {
            try await store.append([reading(device: device(1), second: 90_000, withDeviceTime: false)])
        }
        #expect(try await store.stats(destination: "dom").backlog == total)

        // DOM comes back on the same port: the receiver takes over the reserved socket, so no other process can
        // take the port in between (releasing it and binding again lost it to a parallel test's client socket).
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(port: port))
        try receiver.start(boundSocket: reservation.handOver())
        defer { receiver.stop() }
        var requests = 0
        while requests < 200 {
            let step = await forwarder.deliverOnce()
            requests += 1
            if step == .idle { break }
            if case let .failed(kind, _) = step { Issue.record("drain failed: \(kind)"); break }
        }
        stats = try await store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.delivered == total)
        #expect(receiver.observationCount == total)
        // Exactly once, in order per device (by the receiver's stored order).
        var timesByDevice: [String: [String]] = [:]
        var identifiers = Set<String>()
        for resource in receiver.observations() {
            timesByDevice[resource["device"]?["reference"]?.stringValue ?? "?", default: []].append(resource["effectiveDateTime"]?.stringValue ?? "")
            identifiers.insert(resource["identifier"]?[0]?["value"]?.stringValue ?? "")
        }
        #expect(identifiers.count == total)
        #expect(timesByDevice.count == devices)
        for (_, times) in timesByDevice {
            #expect(times.count == perDevice)
            #expect(times == times.sorted() && Set(times).count == perDevice)
        }
    }
}

/// A loopback TCP port bound (not listening) until released: connecting to it is refused.
final class PortReservation {
    private var descriptor: Int32
    let port: UInt16

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Gives the bound socket to a new owner (which listens on it); the reservation no longer closes it.
    func handOver() -> Int32 {
        defer { descriptor = -1 }
        return descriptor
    }

    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
