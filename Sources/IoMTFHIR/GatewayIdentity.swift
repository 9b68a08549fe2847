import IoMTCore

/// The gateway itself, reported as the PHD IG PhgDevice and referenced from every Observation.
public struct GatewayIdentity: Sendable, Hashable {
    /// IEEE EUI-64 system id of the gateway; any separators are dropped and hex is upper-cased on the wire.
    public var systemId: String
    public var serialNumber: String
    public var manufacturer: String
    public var model: String
    public var softwareVersion: String
    /// System of the conditional-create Observation.identifier. The PHD IG defines only the value;
    /// DOM must agree on this URI (it is a namespace for our identifiers, not an HL7 one).
    public var observationIdentifierSystem: String

    public init(systemId: String, serialNumber: String, manufacturer: String = "iomtd", model: String = "iomtd",
                softwareVersion: String, observationIdentifierSystem: String = "urn:iomtd:phd-observation-identifier") {
        self.systemId = systemId; self.serialNumber = serialNumber; self.manufacturer = manufacturer
        self.model = model; self.softwareVersion = softwareVersion
        self.observationIdentifierSystem = observationIdentifierSystem
    }

    /// `0123456789ABCDEF`: 16 upper-case hex digits, the device part of PHD conditional-create identifiers.
    public var normalisedSystemId: String { EUI.normalised(systemId) }
    /// `01-23-45-67-89-AB-CD-EF`: the PhgDevice System Id identifier value (PHD IG: dash-separated hex bytes).
    public var dashedSystemId: String { EUI.dashed64(systemId) }
}

enum EUI {
    /// Keeps hex digits only, upper-cased ("fe:ed:..." → "FEED...").
    static func normalised(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.properties.isASCIIHexDigit }.map { Character($0) }).uppercased()
    }

    /// EUI-48 in IEEE canonical form `AA-BB-CC-DD-EE-FF`.
    static func canonical48(_ text: String) -> String { dashed(text, bytes: 6) ?? text.uppercased() }

    /// EUI-64 as the PHD IG writes a System Id: 8 upper-case hex bytes separated by dashes, `FE-ED-AB-EE-DE-AD-77-C3`.
    static func dashed64(_ text: String) -> String { dashed(text, bytes: 8) ?? normalised(text) }

    private static func dashed(_ text: String, bytes: Int) -> String? {
        let digits = Array(normalised(text))
        guard digits.count == 2 * bytes else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { String(digits[$0..<($0 + 2)]) }.joined(separator: "-")
    }
}
