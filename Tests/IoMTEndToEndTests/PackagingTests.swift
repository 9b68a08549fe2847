import Foundation
import Testing

/// What a box gets installed: the .deb's contents, the udev rules, the hardened unit.
@Suite struct PackagingTests {
    let root = LabHarness.repositoryRoot

    /// Runs a system tool from PATH, returning (status, combined output).
    private func system(_ tool: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await LabHarness.runProgram("/usr/bin/env", [tool] + arguments)
    }

    @Test func shippedUdevRulesMatchTheProfiles() async throws {
        let (status, generated) = try await LabHarness.run("iomtctl", ["profiles", "udev-rules", "--profiles-dir", root.appendingPathComponent("DeviceProfiles").path])
        #expect(status == 0, "\(generated)")
        let shipped = try String(contentsOf: root.appendingPathComponent("Systemd/70-iomtd.rules"), encoding: .utf8)
        #expect(generated == shipped, "Systemd/70-iomtd.rules is stale: regenerate it with `iomtctl profiles udev-rules > Systemd/70-iomtd.rules`")
        #expect(shipped.contains("ATTRS{idVendor}==\"10c4\", ATTRS{idProduct}==\"ea60\""))
        #expect(shipped.contains("GROUP=\"iomtd\", MODE=\"0660\""))
    }

    @Test func manPageIsTheHelpText() async throws {
        let (status, generated) = try await LabHarness.run("iomtctl", ["help", "--man"])
        #expect(status == 0)
        let shipped = try String(contentsOf: root.appendingPathComponent("docs/man/iomtctl.1"), encoding: .utf8)
        #expect(generated == shipped, "docs/man/iomtctl.1 is stale: regenerate it with `iomtctl help --man > docs/man/iomtctl.1`")
        for command in ["status", "devices", "bind", "doctor", "trend", "replay", "profiles", "alerts", "rules", "readings"] {
            #expect(shipped.contains(".SS \(command)"), "\(command) missing from the man page")
        }
    }

    @Test func serviceExposureIsAtMostTwo() async throws {
        let unit = root.appendingPathComponent("Systemd/iomtd.service").path
        let (_, output) = try await system("systemd-analyze", ["security", "--offline=yes", "--no-pager", unit])
        guard let line = output.split(separator: "\n").first(where: { $0.contains("Overall exposure level") }),
              let scoreText = line.split(separator: ":").last?.split(separator: " ").first,
              let score = Double(scoreText) else {
            Issue.record("no exposure score in systemd-analyze output:\n\(output)")
            return
        }
        #expect(score <= 2.0, "exposure \(score): \(line)")
    }

    /// The unit bounds the daemon's memory and tasks (the exposure test above checks the hardening still holds).
    @Test func serviceBoundsMemoryAndTasks() throws {
        let unit = try String(contentsOf: root.appendingPathComponent("Systemd/iomtd.service"), encoding: .utf8)
        let settings = Dictionary(unit.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 && !line.hasPrefix("#") ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { first, _ in first })
        #expect(settings["MemoryMax"] == "128M", "MemoryMax: \(settings["MemoryMax"] ?? "not set")")
        #expect(settings["MemoryHigh"] == "96M", "MemoryHigh: \(settings["MemoryHigh"] ?? "not set")")
        #expect(settings["TasksMax"] == "256", "TasksMax: \(settings["TasksMax"] ?? "not set")")
    }

    @Test func debianPackageInstallsEverythingIntoAScratchRoot() async throws {
        let out = try LabHarness.temporaryDirectory("deb")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, output) = try await system("bash", [root.appendingPathComponent("scripts/build-deb.sh").path,
                                                   "--bin-dir", LabHarness.binDirectory.path, "--out", out.path, "--version", "0.1.0-test", "--fast"])
        #expect(status == 0, "\(output)")
        let deb = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(deb.hasSuffix(".deb"), "\(output)")

        let (_, control) = try await system("dpkg-deb", ["--field", deb, "Package", "Version", "Depends"])
        #expect(control.contains("Package: iomtd"))
        #expect(control.contains("Version: 0.1.0-test"))
        #expect(control.contains("libsqlite3-0"))
        #expect(control.contains("libudev1"))

        let scratch = out.appendingPathComponent("root")
        let (extractStatus, extractOutput) = try await system("dpkg-deb", ["-x", deb, scratch.path])
        #expect(extractStatus == 0, "\(extractOutput)")
        let expected = ["usr/bin/iomtd", "usr/bin/iomtctl", "lib/systemd/system/iomtd.service", "lib/udev/rules.d/70-iomtd.rules",
                        "usr/share/iomtd/profiles/contec-cms50e.json", "usr/share/man/man8/iomtd.8.gz", "usr/share/man/man1/iomtctl.1.gz",
                        "usr/share/man/man5/iomtd.json.5.gz", "usr/share/man/man5/iomtd-profile.5.gz",
                        "usr/share/bash-completion/completions/iomtctl", "usr/share/doc/iomtd/examples/iomtd.json"]
        for path in expected {
            #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(path).path), "missing \(path)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: scratch.appendingPathComponent("usr/bin/iomtd").path))
        let profiles = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("DeviceProfiles").path).filter { $0.hasSuffix(".json") }
        let installed = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("usr/share/iomtd/profiles").path)
        #expect(Set(installed) == Set(profiles))

        // The maintainer scripts are part of the package and parse as POSIX sh.
        let (scriptStatus, scriptOutput) = try await system("dpkg-deb", ["-e", deb, out.appendingPathComponent("DEBIAN").path])
        #expect(scriptStatus == 0, "\(scriptOutput)")
        for script in ["postinst", "prerm", "postrm"] {
            let (syntax, message) = try await system("sh", ["-n", out.appendingPathComponent("DEBIAN/\(script)").path])
            #expect(syntax == 0, "\(script): \(message)")
        }
        // The installed profiles load with the installed iomtctl.
        let (validStatus, validOutput) = try await system(scratch.appendingPathComponent("usr/bin/iomtctl").path,
                                                    ["profiles", "validate", scratch.appendingPathComponent("usr/share/iomtd/profiles").path])
        #expect(validStatus == 0, "\(validOutput)")
    }
}

/// `iomtctl profiles` as a technician runs it.
@Suite struct CLIProfilesTests {
    let profiles = ["--profiles-dir", LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path]

    @Test func listsEveryShippedProfileAsTextAndJSON() async throws {
        let (status, text) = try await LabHarness.run("iomtctl", ["profiles", "list"] + profiles)
        #expect(status == 0)
        #expect(text.contains("contec-cms50e"))
        let (jsonStatus, json) = try await LabHarness.run("iomtctl", ["profiles", "list", "--json"] + profiles)
        #expect(jsonStatus == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let ids = (object?["profiles"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.contains("nonin-serial-format2"))
        #expect(ids == ids.sorted())
    }

    /// The support matrix as docs/devices.md holds it, and the same facts in `list --json`.
    @Test func matrixIsDocsDevicesAndListCarriesTheSupport() async throws {
        let (status, matrix) = try await LabHarness.run("iomtctl", ["profiles", "matrix"] + profiles)
        #expect(status == 0)
        let shipped = try String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("docs/devices.md"), encoding: .utf8)
        #expect(matrix == shipped)
        let (_, json) = try await LabHarness.run("iomtctl", ["profiles", "list", "--json"] + profiles)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let jumper = (object?["profiles"] as? [[String: Any]])?.first { $0["id"] as? String == "jumper-jpd500f" }
        #expect((jumper?["support"] as? [String: Any])?["evidence"] as? String == "real-capture")
    }

    @Test func showUnknownProfileIsAUsageErrorListingTheKnownOnes() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["profiles", "show", "no-such"] + profiles)
        #expect(status == 2)
        #expect(output.contains("no profile 'no-such'"))
        #expect(output.contains("contec-cms50e"))
    }

    @Test func validateNamesFileFieldAndExpectation() async throws {
        let directory = try LabHarness.temporaryDirectory("profiles")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles/contec-cms50e.json")
        let broken = try String(contentsOf: source, encoding: .utf8).replacingOccurrences(of: "\"parity\": \"none\"", with: "\"parity\": \"space\"")
        try broken.write(to: directory.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let (status, output) = try await LabHarness.run("iomtctl", ["profiles", "validate", directory.path])
        #expect(status == 1)
        #expect(output.contains("broken.json"))
        #expect(output.contains("serial.parity"))
        #expect(output.contains("\"space\""))

        let options = try String(contentsOf: source, encoding: .utf8).replacingOccurrences(of: "\"keepAliveIntervalMs\": 5000", with: "\"keepAliveIntervalMs\": 50")
        try options.write(to: directory.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let (optionStatus, optionOutput) = try await LabHarness.run("iomtctl", ["profiles", "validate", directory.path, "--json"])
        #expect(optionStatus == 1)
        #expect(optionOutput.contains("keepAliveIntervalMs"))
        #expect(optionOutput.contains("\"valid\":false"))
    }
}
