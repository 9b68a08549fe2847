import Glibc
import IoMTAlerts
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTSystem

/// The daemon's configuration with the profiles it names and its rule file, loaded and cross-checked the way
/// iomtd starts (`iomtd --check-config`) and `iomtctl doctor` checks it.
public struct GatewayConfiguration: Sendable {
    public let configuration: DaemonConfiguration
    public let profiles: [DeviceProfile]
    /// The rule file (`alerts.rulesFile`): its path, text and rules.
    public let ruleFile: (path: String, text: String, rules: RuleSet)?

    /// Loads and cross-checks configuration and profiles; errors name file, field and expectation.
    public static func load(configPath: String) throws(LoadError) -> GatewayConfiguration {
        let text: String
        do { text = try FileIO.readText(configPath) } catch { throw .configuration(error.description) }
        let configuration: DaemonConfiguration
        do { configuration = try DaemonConfiguration.parse(text, file: configPath) } catch { throw .configuration(error.description) }
        let profiles: [DeviceProfile]
        do { profiles = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directories: configuration.profileDirectories) } catch {
            throw .profiles(error.description)
        }
        var problems: [String] = []
        for (position, device) in configuration.devices.enumerated() {
            let index = device.index ?? position
            guard let profile = profiles.first(where: { $0.id == device.profileId }) else {
                problems.append("\(configPath): devices[\(index)].profile: expected one of \(profiles.map(\.id).joined(separator: ", ")), found \"\(device.profileId)\"")
                continue
            }
            if profile.transport != .serial || profile.serial == nil {
                problems.append("\(configPath): devices[\(index)].profile: expected a serial profile, \"\(profile.id)\" is \(profile.transport.rawValue)")
            }
            do { _ = try DriverRegistry.makeSession(for: profile) } catch { problems.append("\(profile.sourcePath ?? profile.id): \(error)") }
        }
        problems += DaemonConfiguration.bluetoothProblems(configuration, profiles: profiles, configPath: configPath)
        let credentials = [configuration.dom?.clientKeyPath, configuration.dom?.clientCertificatePath, configuration.dom?.oauth2?.clientSecretFile,
                           configuration.mqtt?.keyFile, configuration.mqtt?.passwordFile]
        for path in credentials.compactMap({ $0 }) {
            if let problem = CredentialFileCheck.problem(path: path) { problems.append("\(configPath): \(problem)") }
        }
        var ruleFile: (path: String, text: String, rules: RuleSet)? = nil
        if let path = configuration.alertRulesFile {
            do {
                let text = try FileIO.readText(path)
                ruleFile = (path, text, try RuleFileParser.parse(text, file: path))
            } catch let error as RuleFileError {
                problems.append(error.description)
            } catch {
                problems.append("\(configPath): alerts.rulesFile: cannot read \(path): \(error)")
            }
            let classes = Set(profiles.map(\.deviceClass))
            for rule in ruleFile?.rules.rules ?? [] {
                if let deviceClass = rule.deviceClass, !classes.contains(deviceClass) {
                    Log.warning("\(path): rule \"\(rule.id)\": deviceClass \"\(deviceClass)\" matches no loaded profile (\(classes.sorted().joined(separator: ", ")))", "alerts")
                }
            }
        }
        guard problems.isEmpty else { throw .configuration(problems.joined(separator: "\n")) }
        return GatewayConfiguration(configuration: configuration, profiles: profiles, ruleFile: ruleFile)
    }

    public enum LoadError: Error, CustomStringConvertible {
        case configuration(String)
        case profiles(String)
        case store(String)
        public var description: String {
            switch self {
            case let .configuration(m), let .profiles(m), let .store(m): return m
            }
        }
    }
}

/// Credential files must not be readable by others: mode 0600 (or stricter) or the daemon refuses to start.
package enum CredentialFileCheck {
    package static func problem(path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): cannot read credential file: \(Errno.text(errno))" }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            return "\(path): credential file has mode \(String(mode, radix: 8)); expected 600 (run: chmod 600 \(path))"
        }
        return nil
    }
}

