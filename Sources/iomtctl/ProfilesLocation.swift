import Glibc
import IoMTDrivers
import IoMTProfiles

/// Where profiles come from: --profiles-dir, $IOMT_PROFILES_DIR, the installed set, or the source tree.
enum ProfilesLocation {
    static func directory(option: String?) -> String {
        if let option { return option }
        if let env = getenv("IOMT_PROFILES_DIR") { return String(cString: env) }
        if access("/usr/share/iomtd/profiles", F_OK) == 0 { return "/usr/share/iomtd/profiles" }
        return "DeviceProfiles"
    }

    /// Profiles a technician installed (`iomtctl profiles install`), in the packaged state directory.
    static let localDirectory = "/var/lib/iomtd/profiles"

    static func load(option: String?) throws(CLIError) -> [DeviceProfile] {
        let directory = directory(option: option)
        let directories = option == nil ? [directory, localDirectory] : [directory]
        do { return try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directories: directories) } catch {
            throw CLIError(message: "cannot load profiles from \(directory):\n\(error)", hint: "fix the profile or pass --profiles-dir DIR", exitCode: .usage)
        }
    }
}
