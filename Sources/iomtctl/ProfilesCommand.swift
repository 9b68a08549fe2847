import IoMTControl
import IoMTCore
import IoMTDrivers
import IoMTProfiles

/// `iomtctl profiles list|show ID|validate [DIR]|udev-rules`: the device profiles this box knows.
enum ProfilesCommand {
    static let usage = "usage: iomtctl profiles list|show ID|validate [DIR]|install FILE [--replace]|udev-rules|matrix [--profiles-dir DIR] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let action = try arguments.required("action", usage: usage)
        switch action {
        case "list":
            let directory = try arguments.option("--profiles-dir")
            let json = arguments.flag("--json")
            try arguments.finish()
            list(try ProfilesLocation.load(option: directory), json: json)
        case "show":
            guard let id = arguments.next(), !id.hasPrefix("--") else { throw CLIError(message: "missing profile id", hint: usage, exitCode: .usage) }
            let directory = try arguments.option("--profiles-dir")
            let json = arguments.flag("--json")
            try arguments.finish()
            let profiles = try ProfilesLocation.load(option: directory)
            guard let profile = profiles.first(where: { $0.id == id }) else {
                throw CLIError(message: "no profile '\(id)' in \(ProfilesLocation.directory(option: directory))",
                               hint: "known: \(profiles.map(\.id).sorted().joined(separator: ", "))", exitCode: .usage)
            }
            show(profile, json: json)
        case "validate":
            let positional = arguments.next()
            let option = try arguments.option("--profiles-dir")
            let json = arguments.flag("--json")
            try arguments.finish()
            try validate(directory: positional ?? ProfilesLocation.directory(option: option), json: json)
        case "install":
            let request = try DaemonRequest(&arguments)
            let replace = arguments.flag("--replace")
            let file = try arguments.required("FILE", usage: usage)
            try arguments.finish()
            try install(file: file, replace: replace, request: request)
        case "udev-rules":
            let directory = try arguments.option("--profiles-dir")
            try arguments.finish()
            print(UdevRules.render(ProfileCatalog(profiles: try ProfilesLocation.load(option: directory))), terminator: "")
        case "matrix":
            let directory = try arguments.option("--profiles-dir")
            try arguments.finish()
            print(SupportMatrix.render(try ProfilesLocation.load(option: directory)), terminator: "")
        default:
            throw CLIError(message: "unknown action '\(action)'", hint: usage, exitCode: .usage)
        }
    }

    private static func list(_ profiles: [DeviceProfile], json: Bool) {
        let sorted = profiles.sorted { $0.id < $1.id }
        if json {
            print(JSONValue.object([("profiles", .array(sorted.map(summary)))]).serialized())
            return
        }
        let idWidth = max(2, sorted.map(\.id.count).max() ?? 0)
        print(pad("ID", idWidth) + "  TRANSPORT  CLASS                DRIVER")
        for profile in sorted {
            let columns = [pad(profile.id, idWidth), pad(profile.transport.rawValue, 9), pad(profile.deviceClass, 19), profile.driver]
            print(columns.joined(separator: "  "))
        }
        print("\(sorted.count) profile(s)")
    }

    private static func summary(_ profile: DeviceProfile) -> JSONValue {
        .object([
            ("id", .string(profile.id)), ("manufacturer", .string(profile.manufacturer)), ("model", .string(profile.model)),
            ("deviceClass", .string(profile.deviceClass)), ("driver", .string(profile.driver)),
            ("transport", .string(profile.transport.rawValue)), ("file", profile.sourcePath.map { .string($0) } ?? .null),
            ("support", profile.support.map { support in
                .object([("reads", .string(support.reads)), ("pairing", .string(support.pairing)), ("clock", .string(support.clock)),
                         ("history", .string(support.history)), ("evidence", .string(support.evidence.rawValue))])
            } ?? .null),
        ])
    }

    private static func show(_ profile: DeviceProfile, json: Bool) {
        if json, let path = profile.sourcePath, let text = try? FileIO.readText(path), let parsed = try? JSONValue.parse(text) {
            print(parsed.serialized())
            return
        }
        print("\(profile.id): \(profile.manufacturer) \(profile.model)")
        print("  class      \(profile.deviceClass)")
        print("  driver     \(profile.driver)")
        print("  transport  \(profile.transport.rawValue)")
        for rule in profile.match.usb {
            print("  usb        \(Hex.word(rule.vendorId)):\(Hex.word(rule.productId))" + (rule.product.map { " product contains \"\($0)\"" } ?? ""))
        }
        for service in profile.match.bleServices { print("  ble        service \(service.shortText.lowercased())") }
        if let serial = profile.serial {
            print("  serial     \(serial.baudRate) \(serial.dataBits)\(serial.parity.rawValue.prefix(1).uppercased())\(serial.stopBits) flow \(serial.flowControl.rawValue)")
        }
        if !profile.quirks.isEmpty { print("  quirks     \(profile.quirks.sorted().joined(separator: ", "))") }
        if !profile.bluetoothQuirks.isEmpty { print("  link       \(profile.bluetoothQuirks.sorted().map(\.rawValue).joined(separator: ", ")) (bluetoothQuirks)") }
        if let path = profile.sourcePath { print("  file       \(path)") }
    }

    /// Checks the file here first (errors without a daemon), then has the daemon store it, audited.
    private static func install(file: String, replace: Bool, request: DaemonRequest) throws(CLIError) {
        let content: String
        do { content = try FileIO.readText(file) } catch { throw CLIError(message: "\(file): \(error)", exitCode: .usage) }
        let profile: DeviceProfile
        do { profile = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).parse(bytes: Array(content.utf8), sourcePath: file) } catch {
            throw CLIError(message: "\(file): invalid:\n\(error)", hint: "each error names the field and what was expected", exitCode: .usage)
        }
        do { try DriverRegistry.check(profile) } catch { throw CLIError(message: "\(file): \(error)", exitCode: .usage) }
        guard let result = try request.answer(.installProfile(name: file, content: content, replace: replace),
                                              expecting: InstallProfileReply.self) else { return }
        print("installed \(profile.id) as \(result.path)")
        print("restart iomtd to use it: systemctl restart iomtd")
        if !profile.match.usb.isEmpty {
            print("its USB adapter needs udev access: iomtctl profiles udev-rules --profiles-dir … > /etc/udev/rules.d/70-iomtd.rules && udevadm control --reload && udevadm trigger --subsystem-match=tty")
        }
    }

    /// Loads every profile and builds its driver, so driver options are checked too.
    private static func validate(directory: String, json: Bool) throws(CLIError) {
        let profiles: [DeviceProfile]
        do { profiles = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: directory) } catch {
            if json { print(JSONValue.object([("valid", .bool(false)), ("errors", .array(["\(error)"].map { .string($0) }))]).serialized()) }
            throw CLIError(message: "\(directory): invalid:\n\(error)", hint: "each error names the file, the field and what was expected", exitCode: .failed)
        }
        var problems: [String] = []
        for profile in profiles {
            do { try DriverRegistry.check(profile) } catch {
                problems.append("\(profile.sourcePath ?? profile.id): driverOptions: \(error)")
            }
        }
        if json {
            print(JSONValue.object([("valid", .bool(problems.isEmpty)), ("profiles", .number(profiles.count)),
                                    ("errors", .array(problems.map { .string($0) }))]).serialized())
        }
        guard problems.isEmpty else {
            throw CLIError(message: "\(directory): invalid:\n" + problems.joined(separator: "\n"), exitCode: .failed)
        }
        if !json { print("\(directory): \(profiles.count) profile(s) valid") }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

}
