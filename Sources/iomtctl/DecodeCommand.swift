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
        let fhirArguments = try FHIRPreview.Arguments(&arguments)
        let characteristicText = try arguments.option("--characteristic")
        let record = arguments.flag("--record")
        let userText = try arguments.option("--user")
        let addressText = try arguments.option("--address")
        try arguments.finish()
        if !record, userText != nil || addressText != nil {
            throw CLIError(message: "--user and --address go with --record", exitCode: .usage)
        }
        if record, characteristicText != nil {
            throw CLIError(message: "--record decodes a record from the device's memory, not a characteristic value: leave out --characteristic", exitCode: .usage)
        }
        try fhirArguments.checkUsage()
        guard let profileId else { throw CLIError(message: "--profile ID is required", hint: "list profiles with: ls \(ProfilesLocation.directory(option: profilesDir))", exitCode: .usage) }
        guard let hexText else { throw CLIError(message: "--hex BYTES is required (e.g. --hex 'd5 3f 01 48 61')", exitCode: .usage) }

        let profiles = try ProfilesLocation.load(option: profilesDir)
        guard let profile = profiles.first(where: { $0.id == profileId }) else {
            throw CLIError(message: "no profile '\(profileId)'", hint: "known profiles: " + profiles.map(\.id).joined(separator: ", "), exitCode: .usage)
        }
        let bytes: [UInt8]
        do { bytes = try Hex.bytes(from: hexText) } catch {
            throw CLIError(message: "--hex: \(error)", exitCode: .usage)
        }
        let fhirOptions = try fhirArguments.options()
        var stored: StoredRecord?
        if record { stored = try decodeRecord(bytes, profile: profile, userText: userText, addressText: addressText) }
        let measurements: [DecodedMeasurement]
        if let stored {
            measurements = stored.measurements
        } else {
            measurements = try decode(bytes, profile: profile, characteristicText: characteristicText,
                                      at: fhirOptions?.receivedAt ?? Instant(millisecondsSinceEpoch: 0))
        }
        if let fhirOptions {
            let bundle = FHIRPreview.bundle(measurements, profile: profile, options: fhirOptions)
            print(pretty ? bundle.prettyPrinted() : bundle.serialized())
            return
        }
        var fields: [(String, JSONValue)] = []
        if let stored { fields = [("user", .number(String(stored.user))), ("slot", stored.slot.map { .number(String($0)) } ?? .null)] }
        let document = JSONValue.object(fields + [("observations", .array(measurements.map(\.contractJSON)))])
        print(pretty ? document.prettyPrinted() : document.serialized())
    }

    /// The bytes go through the profile's reader at one instant (`--at`, else the epoch), between a link up and a link
    /// down, so every window a stream capture fills is reported and stands for that instant. For a GATT reader the bytes
    /// are one value of one characteristic (`--characteristic`, default the profile's main measurement), and a value the
    /// decoder rejects is an input error.
    private static func decode(_ bytes: [UInt8], profile: DeviceProfile, characteristicText: String?, at time: Instant) throws(CLIError) -> [DecodedMeasurement] {
        var reader: any DeviceReader
        do { reader = try DriverRegistry.makeReader(for: profile) } catch { throw CLIError(message: "\(error)", exitCode: .usage) }
        guard let gatt = reader.needs.gattProfile else {
            if characteristicText != nil {
                throw CLIError(message: "--characteristic goes with Bluetooth (GATT) profiles; '\(profile.id)' uses the byte-stream driver '\(profile.driver)'", exitCode: .usage)
            }
            return reader.runAtOnce([.bytes(bytes)], at: time).measurements
        }
        let known = gatt.characteristics.map(\.uuid.shortText).joined(separator: ", ")
        var characteristic = gatt.mainMeasurement
        if let characteristicText {
            guard let uuid = BluetoothUUID(parsing: characteristicText) else {
                throw CLIError(message: "--characteristic expects a UUID: 4 hex digits for an assigned number or the 128-bit form 8-4-4-4-12 (one of \(known)), got '\(characteristicText)'", exitCode: .usage)
            }
            characteristic = uuid
        }
        let output = reader.runAtOnce([.value(characteristic: characteristic, bytes: bytes)], at: time)
        if let reason = output.rejections.first {
            throw CLIError(message: "rejected: \(reason)", hint: "\(gatt.name) characteristics: \(known)", exitCode: .usage)
        }
        return output.measurements
    }

    /// `--record`: one record as read from the device's memory, decoded by the profile's reader (`StoredRecordDecoding`).
    private static func decodeRecord(_ bytes: [UInt8], profile: DeviceProfile, userText: String?, addressText: String?) throws(CLIError) -> StoredRecord {
        let reader: any DeviceReader
        do { reader = try DriverRegistry.makeReader(for: profile) } catch { throw CLIError(message: "\(error)", exitCode: .usage) }
        guard let decoder = reader as? any StoredRecordDecoding else {
            throw CLIError(message: "--record: profile '\(profile.id)' (driver '\(profile.driver)') has no memory record layout", hint: "decode its frames or values without --record", exitCode: .usage)
        }
        var user: Int?
        if let userText {
            guard let number = Int(userText), number >= 1 else { throw CLIError(message: "--user expects a user number from 1, got '\(userText)'", exitCode: .usage) }
            user = number
        }
        var address: UInt16?
        if let addressText {
            let digits = addressText.lowercased().hasPrefix("0x") ? String(addressText.dropFirst(2)) : addressText
            guard let value = UInt16(digits, radix: 16) else { throw CLIError(message: "--address expects the EEPROM address in hex (e.g. 0x02AC), got '\(addressText)'", exitCode: .usage) }
            address = value
        }
        do { return try decoder.decodeStoredRecord(bytes, user: user, address: address) } catch {
            throw CLIError(message: "rejected: \(error)", exitCode: .usage)
        }
    }
}
