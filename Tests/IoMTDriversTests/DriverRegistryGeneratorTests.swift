import Foundation
import IoMTTestSupport
import Testing

/// The build tool that writes IoMTDrivers' list of drivers (Sources/DriverRegistryGenerator), run as the build runs it,
/// on driver folders written here: its output, and the build failure naming the file when a folder breaks the convention.
@Suite struct DriverRegistryGeneratorTests {
    static var generator: String {
        let binaries = ProcessInfo.processInfo.environment["IOMT_BIN_DIR"] ?? RepositoryRoot.path(".build/debug")
        return binaries + "/DriverRegistryGenerator"
    }

    /// Writes `files` (path below the drivers directory → text) and runs the generator on them, in `order`.
    static func generate(_ files: [String: String], order: [String]? = nil) async throws -> (status: Int32, output: String, generated: String?) {
        try #require(FileManager.default.isExecutableFile(atPath: generator),
                     "\(generator): expected the generator `swift build` builds for the DriverRegistryPlugin; found no program")
        let directory = TemporaryDirectory("driver-registry")
        let drivers = directory.path + "/IoMTDrivers"
        for (path, text) in files {
            let url = URL(fileURLWithPath: drivers + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let generated = directory.path + "/out/GeneratedDriverRegistrations.swift"
        let sources = (order ?? files.keys.sorted()).map { drivers + "/" + $0 }
        let (status, output) = try await ProgramRun.run(generator, [drivers, generated] + sources)
        return (status, output, try? String(contentsOfFile: generated, encoding: .utf8))
    }

    static let acme = "enum AcmeRegistration {\n    static let all = [DriverRegistration(id: \"acme-spo2\") { _, _ in AcmeSession() }]\n}\n"
    static let beta = "public enum BetaRegistration {\n    static let all: [DriverRegistration] = []\n}\n"

    @Test func listsEveryFoldersRegistrationSortedWhateverTheOrder() async throws {
        let files = ["Acme/AcmeRegistration.swift": Self.acme, "Acme/AcmeSession.swift": "struct AcmeSession {}\n",
                     "Beta/Common/BetaRegistration.swift": Self.beta, "DriverRegistration.swift": "public struct DriverRegistration {}\n",
                     "Shared/Helper.swift": "enum Helper {}\n"]
        let forward = try await Self.generate(files)
        let backward = try await Self.generate(files, order: files.keys.sorted().reversed())
        #expect(forward.status == 0, "\(forward.output)")
        let generated = try #require(forward.generated)
        #expect(generated.contains("""
            let generatedDriverRegistrations: [(folder: String, registrations: [DriverRegistration])] = [
                (folder: "Acme", registrations: AcmeRegistration.all), // Acme/AcmeRegistration.swift
                (folder: "Beta", registrations: BetaRegistration.all), // Beta/Common/BetaRegistration.swift
            ]
            """), "\(generated)")
        #expect(backward.generated == generated)
    }

    /// A driver folder that breaks the convention, and the one line the build must print for it.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let files: [String: String]
        let message: String
        var testDescription: String { files.keys.sorted().joined(separator: ", ") }
    }

    static let refusals: [Refusal] = [
        Refusal(files: ["Acme/AcmeRegistration.swift": "enum AcmeDriverRegistration {\n    static let all = []\n}\n"],
                message: "/IoMTDrivers/Acme/AcmeRegistration.swift:1: error: expected a file named AcmeRegistration.swift to declare "
                    + "`enum AcmeRegistration` with `static let all: [DriverRegistration]`; found `enum AcmeDriverRegistration` (line 1)"),
        Refusal(files: ["Acme/AcmeRegistration.swift": "\n\nenum AcmeRegistration {\n    static let drivers = []\n}\n"],
                message: "/IoMTDrivers/Acme/AcmeRegistration.swift:3: error: expected a file named AcmeRegistration.swift to declare "
                    + "`enum AcmeRegistration` with `static let all: [DriverRegistration]`; found no `static let all`"),
        // The mistake the convention exists for: a registration the build would not find, declared beside the protocol.
        Refusal(files: ["Acme/AcmeRegistration.swift": acme, "Acme/AcmeProtocol.swift": "struct AcmeStream {}\n\nenum AcmeLiveRegistration {\n    static let all = []\n}\n"],
                message: "/IoMTDrivers/Acme/AcmeProtocol.swift:3: error: expected `enum AcmeLiveRegistration` in a file of its own, "
                    + "AcmeLiveRegistration.swift in Acme/ (the build finds drivers by that file name); found it in AcmeProtocol.swift"),
        Refusal(files: ["Acme/AcmeRegistration.swift": acme + "\npublic enum BetaRegistration {\n    static let all = []\n}\n"],
                message: "/IoMTDrivers/Acme/AcmeRegistration.swift:5: error: expected only `enum AcmeRegistration` in AcmeRegistration.swift "
                    + "(one registration enum per file); found `enum BetaRegistration` as well"),
        Refusal(files: ["Shared/Helper.swift": "enum Helper {}\n"],
                message: "error: expected at least one driver folder with a <Name>Registration.swift; found none among 1 source file(s)"),
    ]

    @Test(arguments: refusals)
    func refusesAFolderThatBreaksTheConventionNamingTheFile(_ refusal: Refusal) async throws {
        let result = try await Self.generate(refusal.files)
        #expect(result.status == 1)
        #expect(result.output.contains(refusal.message), "\(result.output)")
        #expect(result.generated == nil)
    }
}
