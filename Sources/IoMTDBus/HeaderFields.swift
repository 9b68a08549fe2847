/// The header fields of a message (spec "Header Fields"), typed. Unknown codes are ignored on
/// reading, as the spec requires.
public struct DBusHeaderFields: Sendable, Hashable {
    public var path: DBusObjectPath?
    public var interface: String?
    public var member: String?
    public var errorName: String?
    public var replySerial: UInt32?
    public var destination: String?
    public var sender: String?
    public var signature: DBusSignature
    public var unixFDs: UInt32?

    public init(path: DBusObjectPath? = nil, interface: String? = nil, member: String? = nil, errorName: String? = nil,
                replySerial: UInt32? = nil, destination: String? = nil, sender: String? = nil,
                signature: DBusSignature = .empty, unixFDs: UInt32? = nil) {
        self.path = path; self.interface = interface; self.member = member; self.errorName = errorName
        self.replySerial = replySerial; self.destination = destination; self.sender = sender
        self.signature = signature; self.unixFDs = unixFDs
    }

    enum Code: UInt8 {
        case path = 1, interface, member, errorName, replySerial, destination, sender, signature, unixFDs
    }

    /// The `a(yv)` entries, in code order.
    func encoded() -> [DBusValue] {
        var entries: [DBusValue] = []
        func add(_ code: Code, _ value: DBusValue) { entries.append(.structure([.byte(code.rawValue), .variant(value)])) }
        if let path { add(.path, .objectPath(path)) }
        if let interface { add(.interface, .string(interface)) }
        if let member { add(.member, .string(member)) }
        if let errorName { add(.errorName, .string(errorName)) }
        if let replySerial { add(.replySerial, .uint32(replySerial)) }
        if let destination { add(.destination, .string(destination)) }
        if let sender { add(.sender, .string(sender)) }
        if !signature.types.isEmpty { add(.signature, .signature(signature)) }
        if let unixFDs { add(.unixFDs, .uint32(unixFDs)) }
        return entries
    }

    /// Reads the decoded `a(yv)` array, checking each known field's type and name syntax.
    static func decode(_ entries: [DBusValue]) throws(DBusWireError) -> DBusHeaderFields {
        var fields = DBusHeaderFields()
        for entry in entries {
            guard case .structure(let pair) = entry, pair.count == 2, case .byte(let rawCode) = pair[0],
                  case .variant(let value) = pair[1] else {
                throw .invalidHeaderField(code: 0, reason: "entry is not a (yv) struct")
            }
            guard rawCode != 0 else { throw .invalidHeaderField(code: 0, reason: "code 0 is INVALID") }
            guard let code = Code(rawValue: rawCode) else { continue }
            func mismatch(_ expected: String) -> DBusWireError {
                .invalidHeaderField(code: rawCode, reason: "expected type \(expected), found \(value.type.signature)")
            }
            func name(_ kind: String, _ valid: (String) -> Bool) throws(DBusWireError) -> String {
                guard case .string(let text) = value else { throw mismatch("s") }
                guard valid(text) else { throw .invalidName(kind: kind, name: text) }
                return text
            }
            switch code {
            case .path:
                guard case .objectPath(let path) = value else { throw mismatch("o") }
                fields.path = path
            case .interface: fields.interface = try name("interface name", DBusNames.isValidInterfaceName)
            case .member: fields.member = try name("member name", DBusNames.isValidMemberName)
            case .errorName: fields.errorName = try name("error name", DBusNames.isValidErrorName)
            case .replySerial:
                guard case .uint32(let serial) = value else { throw mismatch("u") }
                guard serial != 0 else { throw .invalidHeaderField(code: rawCode, reason: "reply serial is 0") }
                fields.replySerial = serial
            case .destination: fields.destination = try name("bus name", DBusNames.isValidBusName)
            case .sender: fields.sender = try name("bus name", DBusNames.isValidBusName)
            case .signature:
                guard case .signature(let signature) = value else { throw mismatch("g") }
                fields.signature = signature
            case .unixFDs:
                guard case .uint32(let count) = value else { throw mismatch("u") }
                fields.unixFDs = count
            }
        }
        return fields
    }
}
