/// A match rule (spec "Match Rules"): sent to the bus with AddMatch so it routes matching messages
/// to us, and evaluated locally to hand each message to the subscriptions it belongs to.
public struct DBusMatchRule: Sendable, Hashable, CustomStringConvertible {
    public var type: DBusMessageType?
    public var sender: String?
    public var interface: String?
    public var member: String?
    public var path: DBusObjectPath?
    public var pathNamespace: DBusObjectPath?
    public var destination: String?
    /// argN='value': body argument N must be a string equal to value (N in 0...63).
    public var arguments: [Int: String]

    public init(type: DBusMessageType? = .signal, sender: String? = nil, interface: String? = nil, member: String? = nil,
                path: DBusObjectPath? = nil, pathNamespace: DBusObjectPath? = nil, destination: String? = nil,
                arguments: [Int: String] = [:]) {
        self.type = type; self.sender = sender; self.interface = interface; self.member = member
        self.path = path; self.pathNamespace = pathNamespace; self.destination = destination; self.arguments = arguments
    }

    /// Signals of `interface` (e.g. PropertiesChanged of every BlueZ object below /org/bluez).
    public static func signal(sender: String? = nil, interface: String? = nil, member: String? = nil,
                              path: DBusObjectPath? = nil, pathNamespace: DBusObjectPath? = nil, arg0: String? = nil) -> DBusMatchRule {
        DBusMatchRule(type: .signal, sender: sender, interface: interface, member: member, path: path,
                      pathNamespace: pathNamespace, arguments: arg0.map { [0: $0] } ?? [:])
    }

    /// The rule string for AddMatch/RemoveMatch, e.g. "type='signal',interface='org.bluez.Device1'".
    public var description: String {
        var parts: [String] = []
        func add(_ key: String, _ value: String?) {
            // A quote inside a value is written outside the quotes, escaped: 'it'\''s'.
            if let value { parts.append("\(key)='\(value.replacingOccurrences(of: "'", with: "'\\''"))'") }
        }
        let typeName: String? = switch type {
        case .methodCall: "method_call"
        case .methodReturn: "method_return"
        case .error: "error"
        case .signal: "signal"
        case nil: nil
        }
        add("type", typeName)
        add("sender", sender)
        add("interface", interface)
        add("member", member)
        add("path", path?.text)
        add("path_namespace", pathNamespace?.text)
        add("destination", destination)
        for (index, value) in arguments.sorted(by: { $0.key < $1.key }) { add("arg\(index)", value) }
        return parts.joined(separator: ",")
    }

    /// Local filtering. `senderOwner` is the unique name that currently owns a well-known `sender`
    /// (the bus rewrites SENDER to unique names).
    public func matches(_ message: DBusMessage, senderOwner: String? = nil) -> Bool {
        if let type, message.type != type { return false }
        if let sender, message.sender != sender, message.sender == nil || message.sender != senderOwner { return false }
        if let interface, message.interface != interface { return false }
        if let member, message.member != member { return false }
        if let path, message.path != path { return false }
        if let pathNamespace {
            guard let messagePath = message.path, messagePath.isInNamespace(pathNamespace) else { return false }
        }
        if let destination, message.destination != destination { return false }
        for (index, value) in arguments {
            guard index < message.body.count, message.body[index].stringValue == value else { return false }
        }
        return true
    }
}

extension String {
    /// Foundation-free substring replacement (small strings only).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
