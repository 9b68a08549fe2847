import Foundation
import IoMTDrivers
import Testing

/// Adding a driver touches only its folder, its profile and its fixtures (docs/CONTRIBUTING.md, "Adding a driver"): the
/// registry is generated from the folders, and every driver folder carries its README and a fuzz target.
@Suite struct DriverFolderTests {
    static let driversDirectory = Repository.root.appendingPathComponent("Sources/IoMTDrivers")

    static func contents(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    /// The module's Swift files in a folder, at any depth, without its fuzz programs.
    static func moduleSources(in folder: URL) -> [URL] {
        let paths = (FileManager.default.enumerator(atPath: folder.path)?.allObjects ?? []).compactMap { $0 as? String }
        return paths.filter { $0.hasSuffix(".swift") && !$0.hasPrefix("Fuzz/") && !$0.contains("/Fuzz/") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Whether a folder's code declares a driver registration (read from the source, not from the generated list).
    static func declaresRegistration(_ folder: URL) -> Bool {
        moduleSources(in: folder).contains { file in
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            return text.range(of: #"(?m)^\s*(public\s+)?enum\s+\w+Registration\b"#, options: .regularExpression) != nil
        }
    }

    /// The folders below Sources/IoMTDrivers that are a driver: they declare a registration, or carry a README or fuzz
    /// targets. The drivers' shared code (Capture/, Oximetry/) has none of the three.
    static let driverFolders: [String] = contents(driversDirectory).filter { name in
        let folder = driversDirectory.appendingPathComponent(name)
        return isDirectory(folder) && (declaresRegistration(folder) || contents(folder).contains("README.md") || contents(folder).contains("Fuzz"))
    }

    /// Every fuzz target (folder → target names): a driver's `<Driver>/Fuzz/<Target>/main.swift`, and `Tests/Fuzz/<Target>/`.
    static func fuzzTargets(under fuzzFolder: URL) -> [String] {
        contents(fuzzFolder).filter { FileManager.default.fileExists(atPath: fuzzFolder.appendingPathComponent("\($0)/main.swift").path) }
    }

    @Test func theDriverFoldersAreFound() {
        // The walk itself: if it found nothing, every check below would pass on nothing.
        #expect(Self.driverFolders.count >= 11, "\(Self.driverFolders)")
        #expect(!Self.driverFolders.contains("Capture") && !Self.driverFolders.contains("Oximetry"))
    }

    @Test(arguments: driverFolders)
    func everyDriverFolderIsRegistered(_ folder: String) {
        #expect(Self.declaresRegistration(Self.driversDirectory.appendingPathComponent(folder)),
                "Sources/IoMTDrivers/\(folder)/: expected a <Name>Registration.swift declaring enum <Name>Registration with static let all; found none")
        let ids = DriverRegistry.driverIdsByFolder[folder] ?? []
        #expect(!ids.isEmpty, "Sources/IoMTDrivers/\(folder)/: expected its drivers in DriverRegistry.registrations; found none from it")
        for id in ids {
            #expect(DriverRegistry.registrations.contains { $0.id == id }, "driver \(id) of \(folder)/ missing from DriverRegistry.registrations")
        }
    }

    @Test(arguments: driverFolders)
    func everyDriverFolderHasAReadmeAndAFuzzTarget(_ folder: String) {
        let url = Self.driversDirectory.appendingPathComponent(folder)
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("README.md").path),
                "Sources/IoMTDrivers/\(folder)/README.md: expected the driver's protocol facts and their sources; found no file")
        #expect(!Self.fuzzTargets(under: url.appendingPathComponent("Fuzz")).isEmpty,
                "Sources/IoMTDrivers/\(folder)/Fuzz/: expected at least one fuzz target <Target>/main.swift; found none")
    }

    @Test func theRegistryHoldsOnlyTheFoldersDriversEachOnce() {
        #expect(Set(DriverRegistry.driverIdsByFolder.keys) == Set(Self.driverFolders))
        let ids = DriverRegistry.registrations.map(\.id)
        #expect(Set(ids).count == ids.count, "driver ids registered twice: \(ids)")
        #expect(Set(ids) == Set(DriverRegistry.driverIdsByFolder.values.joined()))
    }

    /// scripts/fuzz.sh and the regression tests find a target's crash corpus by the target's name alone: names are unique
    /// and every corpus folder names a target that still exists.
    @Test func fuzzTargetNamesAreUniqueAndEveryCrashCorpusHasItsTarget() {
        let driverTargets = Self.driverFolders.flatMap { Self.fuzzTargets(under: Self.driversDirectory.appendingPathComponent("\($0)/Fuzz")) }
        let otherTargets = Self.fuzzTargets(under: Repository.root.appendingPathComponent("Tests/Fuzz"))
        let targets = driverTargets + otherTargets
        #expect(Set(targets).count == targets.count, "fuzz target names used twice: \(targets.sorted())")
        #expect(otherTargets.contains("ProfileParser") && otherTargets.contains("DBusUnmarshaller") && otherTargets.contains("HTTPResponse"))
        for corpus in Self.contents(Repository.fixturesDirectory.appendingPathComponent("fuzz-crashes")) {
            #expect(targets.contains(corpus), "Firmware-Fixtures/fuzz-crashes/\(corpus)/: expected the name of a fuzz target; found no target \(corpus)")
        }
        #expect(!FileManager.default.fileExists(atPath: Repository.root.appendingPathComponent("Fuzz").path),
                "the top-level Fuzz/ folder: fuzz targets live in their driver's folder or in Tests/Fuzz/")
    }
}
