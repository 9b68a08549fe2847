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

    /// `0123456789ABCDEF`: 16 upper-case hex digits, the form used in PHD IG identifiers.
    public var normalisedSystemId: String { EUI.normalised(systemId) }
}

enum EUI {
    /// Keeps hex digits only, upper-cased ("fe:ed:..." → "FEED...").
    static func normalised(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.properties.isASCIIHexDigit }.map { Character($0) }).uppercased()
    }

    /// EUI-48 in IEEE canonical form `AA-BB-CC-DD-EE-FF`.
    static func canonical48(_ text: String) -> String {
        let digits = Array(normalised(text))
        guard digits.count == 12 else { return text.uppercased() }
        return stride(from: 0, to: 12, by: 2).map { String(digits[$0..<($0 + 2)]) }.joined(separator: "-")
    }
}
