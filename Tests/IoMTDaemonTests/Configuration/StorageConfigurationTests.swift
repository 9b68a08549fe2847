import IoMTConfiguration
import IoMTDaemon
import Testing

/// `store` in the daemon's configuration: the disk bound and compaction age, mistakes named by file and field.
@Suite struct StorageConfigurationTests {
    func configuration(_ store: String) -> String {
        """
        {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles",
         "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "https://dom.example/fhir"}\(store)}
        """
    }

    @Test func diskBoundAndCompactionAgeDefaultAndParse() throws {
        let defaults = try DaemonConfiguration.parse(configuration(""), file: "iomtd.json").storage
        #expect(defaults.maxBytes == 2 << 30 && defaults.compactStreamsOlderThanMilliseconds == 6 * 3_600_000)
        let set = try DaemonConfiguration.parse(configuration(#", "store": {"maxMegabytes": 512, "compactStreamsAfterHours": 2}"#), file: "iomtd.json").storage
        #expect(set.maxBytes == 512 << 20 && set.compactStreamsOlderThanMilliseconds == 2 * 3_600_000)
    }

    @Test func retentionDaysDefaultsToSevenAndIsBounded() throws {
        #expect(try DaemonConfiguration.parse(configuration(""), file: "iomtd.json").deliveredRetentionDays == 7)
        #expect(try DaemonConfiguration.parse(configuration(#", "store": {"retentionDays": 30}"#), file: "iomtd.json").deliveredRetentionDays == 30)
        func problems(_ store: String) -> String {
            do { _ = try DaemonConfiguration.parse(configuration(store), file: "/etc/iomtd/iomtd.json"); return "" } catch { return error.description }
        }
        #expect(problems(#", "store": {"retentionDays": 0}"#) == "/etc/iomtd/iomtd.json: store.retentionDays: expected an integer from 1 to 3650, found 0")
        #expect(problems(#", "store": {"retentionDays": "7d"}"#).contains("store.retentionDays: expected an integer from 1 to 3650"))
    }

    @Test func mistakesNameTheFieldAndWhatWasExpected() {
        func problems(_ store: String) -> String {
            do { _ = try DaemonConfiguration.parse(configuration(store), file: "/etc/iomtd/iomtd.json"); return "" } catch { return error.description }
        }
        #expect(problems(#", "store": {"maxMegabytes": 4}"#) == "/etc/iomtd/iomtd.json: store.maxMegabytes: expected an integer from 16 to 1048576, found 4")
        #expect(problems(#", "store": {"compactStreamsAfterHours": "6h"}"#).contains("store.compactStreamsAfterHours: expected an integer from 1 to 720"))
        #expect(problems(#", "store": {"maxBytes": 1}"#).contains("store.maxBytes: expected one of"))
    }
}
