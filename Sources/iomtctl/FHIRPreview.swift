import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTProfiles
import IoMTSpirometry
import IoMTStore

/// `decode --fhir`: the transaction Bundle these readings would be uploaded in, built by the daemon's own
/// code path (Normaliser → StoredObservation → FHIRPHDWireFormat → PHDBundleBuilder).
enum FHIRPreview {
    /// Used when --gateway-id is not given; pass the daemon's gateway.systemId to see exactly its bundle.
    static let defaultGatewayId = "0000000000000000"
    /// Stands in for the serial device path (part of the device identity when it has no serial number).
    static let defaultDevicePath = "/dev/iomt-capture"

    struct Options {
        var patientId: String
        var gatewayId: String
        var serialNumber: String?
        var devicePath: String
        var receivedAt: Instant
        /// PESEL → demographics from the daemon's configuration: spirometry readings get their reference values.
        var demographics: [String: PatientDemographics] = [:]
    }

    static func bundle(_ measurements: [DecodedMeasurement], profile: DeviceProfile, options: Options) -> JSONValue {
        let device = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                    serialNumber: options.serialNumber, portPath: options.devicePath)
        let normaliser = Normaliser()
        // Store ids 1…n stand in for the rows the daemon would have stored (they only name bundle entries).
        let rows = measurements.enumerated().map { index, measurement in
            StoredObservation(id: Int64(index + 1),
                              observation: normaliser.normalise(measurement, device: device, patientId: options.patientId,
                                                                receivedAt: options.receivedAt),
                              alertPriority: nil, attempts: 0)
        }
        // Same identity the daemon builds from its configuration (serial number defaults to the system id).
        let wireFormat = FHIRPHDWireFormat(gateway: GatewayIdentity(systemId: options.gatewayId, serialNumber: options.gatewayId,
                                                                    softwareVersion: ProductVersion.current),
                                           patientDemographics: options.demographics)
        return (try? JSONValue.parse(bytes: wireFormat.encode(rows))) ?? .null
    }
}
