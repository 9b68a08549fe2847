/// Limits from the D-Bus specification ("Valid Signatures", "Marshalling containers", "Message Format",
/// "Valid Names").
public enum DBusLimits {
    public static let maxSignatureLength = 255
    public static let maxArrayNesting = 32
    public static let maxStructNesting = 32
    /// Arrays, structs, dict entries and variants together (spec: "total message depth").
    public static let maxTotalNesting = 64
    public static let maxArrayLength = 1 << 26
    public static let maxMessageLength = 1 << 27
    public static let maxNameLength = 255
}
