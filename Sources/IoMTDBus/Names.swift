/// Validation of object paths and names (spec "Valid Object Paths", "Valid Names").
public enum DBusNames {
    private static func isNameCharacter(_ byte: UInt8, allowHyphen: Bool = false) -> Bool {
        (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || (allowHyphen && byte == UInt8(ascii: "-"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    public static func isValidObjectPath(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count == 1 { return true }
        guard bytes.last != UInt8(ascii: "/") else { return false }
        for element in bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard !element.isEmpty, element.allSatisfy({ isNameCharacter($0) }) else { return false }
        }
        return true
    }

    /// Interface names; error names follow the same rules.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= DBusLimits.maxNameLength else { return false }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard elements.count >= 2 else { return false }
        return elements.allSatisfy { element in
            guard let first = element.first, !isDigit(first) else { return false }
            return element.allSatisfy { isNameCharacter($0) }
        }
    }

    public static func isValidErrorName(_ name: String) -> Bool { isValidInterfaceName(name) }

    public static func isValidMemberName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= DBusLimits.maxNameLength, !isDigit(first) else { return false }
        return bytes.allSatisfy { isNameCharacter($0) }
    }

    /// Unique (":1.42") and well-known ("org.bluez") bus names.
    public static func isValidBusName(_ name: String) -> Bool {
        var bytes = Array(name.utf8)[...]
        guard !bytes.isEmpty, bytes.count <= DBusLimits.maxNameLength else { return false }
        let unique = bytes.first == UInt8(ascii: ":")
        if unique { bytes = bytes.dropFirst() }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard elements.count >= 2 else { return false }
        return elements.allSatisfy { element in
            guard let first = element.first else { return false }
            if !unique && isDigit(first) { return false }
            return element.allSatisfy { isNameCharacter($0, allowHyphen: true) }
        }
    }
}

/// A validated object path, e.g. "/org/bluez/hci0".
public struct DBusObjectPath: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let text: String

    public init(_ text: String) throws(DBusWireError) {
        guard DBusNames.isValidObjectPath(text) else { throw .invalidObjectPath(text) }
        self.text = text
    }

    /// For paths written in code; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        precondition(DBusNames.isValidObjectPath(value), "invalid D-Bus object path literal \"\(value)\"")
        text = value
    }

    public static let root: DBusObjectPath = "/"

    public var description: String { text }

    public static func < (lhs: DBusObjectPath, rhs: DBusObjectPath) -> Bool { lhs.text < rhs.text }

    /// Appends one element, e.g. "/org/bluez" + "hci0"; nil if the element is not valid.
    public func appending(_ element: String) -> DBusObjectPath? {
        try? DBusObjectPath(text == "/" ? "/" + element : text + "/" + element)
    }

    /// True when `self` lies strictly below `ancestor` ("/a/b" is below "/a" and "/", not "/ab").
    public func isDescendant(of ancestor: DBusObjectPath) -> Bool {
        if ancestor.text == "/" { return text != "/" }
        return text.hasPrefix(ancestor.text + "/")
    }

    /// True for `namespace` itself and everything below it (match rule path_namespace semantics).
    public func isInNamespace(_ namespace: DBusObjectPath) -> Bool { self == namespace || isDescendant(of: namespace) }
}
