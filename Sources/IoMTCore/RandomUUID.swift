/// Random (version 4) UUIDs from the system generator (getrandom), lower-case, for identifiers that must stay
/// unique across store restores and gateways (alert ids).
public enum RandomUUID {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40 // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80 // RFC 4122 variant
        let hex = Hex.string(bytes)
        let characters = Array(hex)
        var result = ""
        for (index, character) in characters.enumerated() {
            if [8, 12, 16, 20].contains(index) { result.append("-") }
            result.append(character)
        }
        return result
    }
}
