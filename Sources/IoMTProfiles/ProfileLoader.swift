import IoMTCore

/// Loads `DeviceProfiles/*.json` into `DeviceProfile`s, validating every field.
///
/// The set of registered driver ids is passed in, so this module does not depend on IoMTDrivers:
/// `ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: "DeviceProfiles")`.
public struct ProfileLoader: Sendable {
    public let knownDriverIds: Set<String>

    public init(knownDriverIds: Set<String>) { self.knownDriverIds = knownDriverIds }

    /// Loads and validates one profile file.
    public func load(file: String) throws(ProfileError) -> DeviceProfile {
        let bytes = try ProfileFileReader.readBytes(path: file)
        return try parse(bytes: bytes, sourcePath: file)
    }

    /// Loads every `*.json` file of a directory; returns the profiles sorted by id. Errors of all
    /// files are collected, and an id used by two files is an error naming both.
    public func load(directory: String) throws(ProfileError) -> [DeviceProfile] {
        let names = try ProfileFileReader.jsonFileNames(directory: directory)
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var profiles: [DeviceProfile] = []
        var issues: [ProfileError.Issue] = []
        var fileById: [String: String] = [:]
        for name in names {
            let path = base + "/" + name
            do {
                let profile = try load(file: path)
                if let other = fileById[profile.id] {
                    issues.append(.init(file: path, field: "id", expected: "an id no other profile uses",
                                        found: "\"\(profile.id)\", already used by \(other)"))
                } else {
                    fileById[profile.id] = path
                    profiles.append(profile)
                }
            } catch {
                issues += error.issues
            }
        }
        if !issues.isEmpty { throw ProfileError(issues: issues) }
        return profiles.sorted { $0.id < $1.id }
    }

    /// Loads the shipped directory and then each further directory that exists (local profiles a
    /// technician installed); an id used twice, in any of them, is an error naming both files.
    public func load(directories: [String]) throws(ProfileError) -> [DeviceProfile] {
        var profiles: [DeviceProfile] = []
        var issues: [ProfileError.Issue] = []
        for (index, directory) in directories.enumerated() where index == 0 || FileIO.exists(directory) {
            do { profiles += try load(directory: directory) } catch { issues += error.issues }
        }
        var fileById: [String: String] = [:]
        for profile in profiles {
            let path = profile.sourcePath ?? profile.id
            if let other = fileById[profile.id] {
                issues.append(.init(file: path, field: "id", expected: "an id no other profile uses", found: "\"\(profile.id)\", already used by \(other)"))
            } else {
                fileById[profile.id] = path
            }
        }
        if !issues.isEmpty { throw ProfileError(issues: issues) }
        return profiles.sorted { $0.id < $1.id }
    }

    /// Pure: bytes of one profile file → validated profile. `sourcePath` only names the file in errors.
    public func parse(bytes: [UInt8], sourcePath: String) throws(ProfileError) -> DeviceProfile {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes: bytes)
        } catch {
            throw ProfileError(file: sourcePath, field: "line \(error.line), column \(error.column)",
                               expected: "valid JSON", found: error.reason)
        }
        var validator = ProfileValidator(file: sourcePath, knownDriverIds: knownDriverIds)
        let profile = validator.profile(from: document)
        if let profile, validator.issues.isEmpty { return profile }
        throw ProfileError(issues: validator.issues)
    }
}
