import IoMTCore
import IoMTDrivers
import IoMTProfiles

/// `iomtctl decode --profile ID --hex BYTES`: decode captured bytes with the profile's driver and
/// print the normalised observations as JSON (the contract every driver keeps).
enum DecodeCommand {
    static func run(_ arguments: inout CommandArguments) throws(CLIError) {
        let profileId = try arguments.option("--profile")
        let hexText = try arguments.option("--hex")
        let profilesDir = try arguments.option("--profiles-dir")
        let pretty = arguments.flag("--pretty")
        try arguments.finish()
        guard let profileId else { throw CLIError(message: "--profile ID is required", hint: "list profiles with: ls \(ProfilesLocation.directory(option: profilesDir))", exitCode: 2) }
        guard let hexText else { throw CLIError(message: "--hex BYTES is required (e.g. --hex 'd5 3f 01 48 61')", exitCode: 2) }

        let profiles = try ProfilesLocation.load(option: profilesDir)
        guard let profile = profiles.first(where: { $0.id == profileId }) else {
            throw CLIError(message: "no profile '\(profileId)'", hint: "known profiles: " + profiles.map(\.id).joined(separator: ", "), exitCode: 2)
        }
        let bytes: [UInt8]
        do { bytes = try Hex.bytes(from: hexText) } catch {
            throw CLIError(message: "--hex: \(error)", exitCode: 2)
        }
        var session: any DriverSession
        do { session = try DriverRegistry.makeSession(for: profile) } catch {
            throw CLIError(message: "\(error)", exitCode: 2)
        }
        // A capture carries no timing: ingest it at one instant and flush, so every window it fills is reported.
        let time = Instant(millisecondsSinceEpoch: 0)
        var output = session.start(at: time)
        output.append(session.ingest(bytes, at: time))
        output.append(session.finish(at: time))
        let document = JSONValue.object([("observations", .array(output.measurements.map(\.contractJSON)))])
        print(pretty ? document.prettyPrinted() : document.serialized())
    }
}
