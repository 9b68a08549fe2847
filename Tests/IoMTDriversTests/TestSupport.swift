import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTTestSupport

/// Repository paths, found from this file's location (Tests/IoMTDriversTests/…).
enum Repository {
    static var root: URL { RepositoryRoot.url }
    static var profilesDirectory: String { root.appendingPathComponent("DeviceProfiles").path }
    static var fixturesDirectory: URL { root.appendingPathComponent("Firmware-Fixtures") }

    static func catalog() throws -> ProfileCatalog {
        ProfileCatalog(profiles: try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: profilesDirectory))
    }
}

/// Builds frames from the protocol facts (README.md), independently of the driver's decoders.
enum CMS50Encoder {
    static func legacy(spo2: Int, pulse: Int, signal: Int = 6, fingerOut: Bool = false, searching: Bool = false,
                       probeError: Bool = false, pleth: Int = 40) -> [UInt8] {
        [0x80 | UInt8(signal & 0x0F) | (fingerOut ? 0x10 : 0),
         UInt8(pleth & 0x7F),
         0x04 | (probeError ? 0x10 : 0) | (searching ? 0x20 : 0) | (pulse & 0x80 != 0 ? 0x40 : 0),
         UInt8(pulse & 0x7F),
         UInt8(spo2 & 0x7F)]
    }

    static func v46(spo2: Int, pulse: Int, signal: Int = 5, fingerOut: Bool = false, searching: Bool = false,
                    pleth: Int = 60) -> [UInt8] {
        let restored: [UInt8] = [UInt8(signal) | (fingerOut ? 0x80 : 0), UInt8(pleth) | (searching ? 0x80 : 0), 30,
                                 UInt8(pulse), UInt8(spo2), 0xFF, 0xFF]
        var carry: UInt8 = 0
        for (index, byte) in restored.enumerated() where byte & 0x80 != 0 { carry |= 1 << UInt8(index) }
        return [0x01, 0x80 | carry] + restored.map { $0 | 0x80 }
    }
}


extension Instant {
    static let testStart = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
    static func test(_ offsetMs: Int64) -> Instant { testStart.adding(milliseconds: offsetMs) }
}

func profile(driver: String, options: [String: JSONValue] = [:]) -> DeviceProfile {
    DeviceProfile(id: "test-\(driver)", manufacturer: "Contec", model: "test", deviceClass: "pulse-oximeter", driver: driver,
                  transport: .serial, match: MatchRules(), serial: SerialSettings(baudRate: 19200), driverOptions: options)
}

/// Runs a session over one capture ingested at one instant, then `finish`: the fixture contract.
func decodeAtOnce(_ bytes: [UInt8], session: inout any ByteStreamDriver, chunkSizes: [Int]? = nil) -> DeviceOutput {
    var output = DeviceOutput()
    let time = Instant.testStart
    if let chunkSizes, !chunkSizes.isEmpty {
        var index = 0, chunk = 0
        while index < bytes.count {
            let size = max(1, chunkSizes[chunk % chunkSizes.count])
            output.append(session.ingest(Array(bytes[index..<min(bytes.count, index + size)]), at: time))
            index += size; chunk += 1
        }
    } else {
        output.append(session.ingest(bytes, at: time))
    }
    output.append(session.finish(at: time))
    return output
}
