import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// docs/devices.md is the support matrix the shipped profiles give; every shipped profile states its support.
@Suite struct SupportMatrixTests {
    @Test func docsDevicesIsTheMatrixOfTheShippedProfiles() throws {
        let profiles = try Repository.catalog().profiles
        let missing = profiles.filter { $0.support == nil }.map(\.id)
        #expect(missing.isEmpty, "profiles without a \"support\" block: \(missing)")
        let shipped = try String(contentsOf: Repository.root.appendingPathComponent("docs/devices.md"), encoding: .utf8)
        #expect(SupportMatrix.render(profiles) == shipped,
                "docs/devices.md is stale: regenerate it with `iomtctl profiles matrix --profiles-dir DeviceProfiles > docs/devices.md`")
        for profile in profiles {
            #expect(shipped.contains("| `\(profile.id)` |"), "\(profile.id)")
        }
    }

    @Test func supportIsValidatedLikeEveryOtherField() throws {
        let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
        let base = #"{ "id": "ble-test", "schemaVersion": 1, "manufacturer": "any", "model": "any", "deviceClass": "pulse-oximeter", "driver": "ble-pulse-oximeter", "transport": "ble", "match": { "bleServices": ["1822"] }, "support": SUPPORT }"#
        let good = #"{ "reads": "SpO2", "pairing": "none", "clock": "—", "history": "—", "evidence": "real-capture" }"#
        let profile = try loader.parse(bytes: Array(base.replacingOccurrences(of: "SUPPORT", with: good).utf8), sourcePath: "p.json")
        #expect(profile.support == DeviceSupport(reads: "SpO2", pairing: "none", clock: "—", history: "—", evidence: .realCapture))
        let bad = #"{ "reads": "SpO2", "pairing": "none", "clock": "—", "history": "—", "evidence": "hearsay", "extra": 1 }"#
        #expect { try loader.parse(bytes: Array(base.replacingOccurrences(of: "SUPPORT", with: bad).utf8), sourcePath: "p.json") } throws: { error in
            let fields = (error as? ProfileError)?.issues.map(\.field) ?? []
            return fields.contains("support.evidence") && fields.contains("support.extra")
        }
    }
}
