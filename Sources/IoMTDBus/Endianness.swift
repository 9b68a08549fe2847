/// The byte order of a message, named by its first header byte (spec "Message Format").
public enum DBusEndianness: UInt8, Sendable, Hashable {
    case little = 0x6c // 'l'
    case big = 0x42 // 'B'
}
