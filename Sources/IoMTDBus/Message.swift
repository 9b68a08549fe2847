/// One D-Bus message: the fixed header, the header fields and the body values.
public struct DBusMessage: Sendable, Hashable {
    public var type: DBusMessageType
    public var flags: DBusMessageFlags
    /// Assigned by the connection when the message is sent (0 until then).
    public var serial: UInt32
    public var fields: DBusHeaderFields
    public var body: [DBusValue]
    /// Descriptors received with the message, in order (`.unixFD(i)` values index them); empty when none came.
    public var fileDescriptors: [DBusFileDescriptor] = []

    public init(type: DBusMessageType, flags: DBusMessageFlags = [], serial: UInt32 = 0, fields: DBusHeaderFields, body: [DBusValue] = []) {
        self.type = type; self.flags = flags; self.serial = serial; self.fields = fields; self.body = body
    }

    public var path: DBusObjectPath? { fields.path }
    public var interface: String? { fields.interface }
    public var member: String? { fields.member }
    public var errorName: String? { fields.errorName }
    public var replySerial: UInt32? { fields.replySerial }
    public var destination: String? { fields.destination }
    public var sender: String? { fields.sender }
    public var signature: DBusSignature { fields.signature }

    public static func methodCall(destination: String?, path: DBusObjectPath, interface: String?, member: String,
                                  body: [DBusValue] = [], flags: DBusMessageFlags = []) -> DBusMessage {
        DBusMessage(type: .methodCall, flags: flags,
                    fields: DBusHeaderFields(path: path, interface: interface, member: member, destination: destination), body: body)
    }

    public static func signal(path: DBusObjectPath, interface: String, member: String, body: [DBusValue] = [],
                              destination: String? = nil) -> DBusMessage {
        DBusMessage(type: .signal, flags: .noReplyExpected,
                    fields: DBusHeaderFields(path: path, interface: interface, member: member, destination: destination), body: body)
    }

    /// A method return answering `call`.
    public static func methodReturn(to call: DBusMessage, body: [DBusValue] = []) -> DBusMessage {
        DBusMessage(type: .methodReturn, flags: .noReplyExpected,
                    fields: DBusHeaderFields(replySerial: call.serial, destination: call.sender), body: body)
    }

    /// An error reply to `call`; the message is the first body argument, as the spec recommends.
    public static func error(to call: DBusMessage, name: String, message: String) -> DBusMessage {
        DBusMessage(type: .error, flags: .noReplyExpected,
                    fields: DBusHeaderFields(errorName: name, replySerial: call.serial, destination: call.sender),
                    body: [.string(message)])
    }

    /// The text of an error reply (its first string argument), if any.
    public var errorMessage: String? { body.first?.stringValue }
}

extension DBusMessage {
    /// Encodes the message with `serial` (spec "Message Format": yyyyuua(yv), padding to 8, body).
    public func encoded(serial: UInt32, endianness: DBusEndianness = .little) throws(DBusWireError) -> [UInt8] {
        guard serial != 0 else { throw .zeroSerial }
        try validateForSending()
        var fields = self.fields
        fields.signature = try DBusSignature(types: body.map(\.type))
        var marshaller = DBusMarshaller(endianness: endianness)
        marshaller.appendInteger(endianness.rawValue)
        marshaller.appendInteger(type.rawValue)
        marshaller.appendInteger(flags.rawValue)
        marshaller.appendInteger(UInt8(1))
        marshaller.appendInteger(UInt32(0)) // body length, patched below
        marshaller.appendInteger(serial)
        try marshaller.append(.array(element: .structure([.byte, .variant]), fields.encoded()))
        marshaller.pad(to: 8)
        let bodyStart = marshaller.bytes.count
        try marshaller.append(body)
        let bodyLength = marshaller.bytes.count - bodyStart
        marshaller.patchUInt32(UInt32(bodyLength), at: 4)
        guard marshaller.bytes.count <= DBusLimits.maxMessageLength else { throw .messageTooLong(length: marshaller.bytes.count) }
        return marshaller.bytes
    }

    private func validateForSending() throws(DBusWireError) {
        func check(_ name: String?, _ kind: String, _ valid: (String) -> Bool) throws(DBusWireError) {
            if let name, !valid(name) { throw .invalidName(kind: kind, name: name) }
        }
        try check(fields.interface, "interface name", DBusNames.isValidInterfaceName)
        try check(fields.member, "member name", DBusNames.isValidMemberName)
        try check(fields.errorName, "error name", DBusNames.isValidErrorName)
        try check(fields.destination, "bus name", DBusNames.isValidBusName)
        try check(fields.sender, "bus name", DBusNames.isValidBusName)
        try Self.checkRequiredFields(type: type, fields: fields)
    }

    static func checkRequiredFields(type: DBusMessageType, fields: DBusHeaderFields) throws(DBusWireError) {
        let name = type.description
        switch type {
        case .methodCall:
            if fields.path == nil { throw .missingHeaderField("PATH", messageType: name) }
            if fields.member == nil { throw .missingHeaderField("MEMBER", messageType: name) }
        case .signal:
            if fields.path == nil { throw .missingHeaderField("PATH", messageType: name) }
            if fields.interface == nil { throw .missingHeaderField("INTERFACE", messageType: name) }
            if fields.member == nil { throw .missingHeaderField("MEMBER", messageType: name) }
        case .error:
            if fields.errorName == nil { throw .missingHeaderField("ERROR_NAME", messageType: name) }
            if fields.replySerial == nil { throw .missingHeaderField("REPLY_SERIAL", messageType: name) }
        case .methodReturn:
            if fields.replySerial == nil { throw .missingHeaderField("REPLY_SERIAL", messageType: name) }
        }
    }

    /// The total length of the message whose first 16 bytes are `prefix`, for framing a stream.
    public static func frameLength(prefix: ArraySlice<UInt8>) throws(DBusWireError) -> Int {
        guard prefix.count >= 16 else { throw .truncated(offset: 0, needed: 16, available: prefix.count) }
        let start = prefix.startIndex
        guard let endianness = DBusEndianness(rawValue: prefix[start]) else { throw .invalidEndianness(prefix[start]) }
        func uint32(at offset: Int) -> Int {
            let b = (0..<4).map { Int(prefix[start + offset + $0]) }
            return endianness == .little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let bodyLength = uint32(at: 4)
        let fieldsLength = uint32(at: 12)
        guard fieldsLength <= DBusLimits.maxArrayLength else { throw .arrayTooLong(offset: 12, length: fieldsLength) }
        let headerLength = (16 + fieldsLength + 7) & ~7
        let total = headerLength + bodyLength
        guard total <= DBusLimits.maxMessageLength else { throw .messageTooLong(length: total) }
        return total
    }

    /// Decodes one complete message; `bytes` must hold exactly that message.
    public static func decode(_ bytes: [UInt8]) throws(DBusWireError) -> DBusMessage {
        guard bytes.count <= DBusLimits.maxMessageLength else { throw .messageTooLong(length: bytes.count) }
        guard bytes.count >= 16 else { throw .truncated(offset: 0, needed: 16, available: bytes.count) }
        guard let endianness = DBusEndianness(rawValue: bytes[0]) else { throw .invalidEndianness(bytes[0]) }
        guard bytes[3] == 1 else { throw .unsupportedProtocolVersion(bytes[3]) }
        var reader = DBusUnmarshaller(bytes: bytes, endianness: endianness, position: 4)
        let bodyLength = Int(try reader.readInteger(UInt32.self))
        let serial = try reader.readInteger(UInt32.self)
        guard serial != 0 else { throw .zeroSerial }
        let entries = try reader.read(.array(.structure([.byte, .variant])))
        try reader.align(to: 8)
        let fields = try DBusHeaderFields.decode(entries.arrayValue ?? [])
        guard let type = DBusMessageType(rawValue: bytes[1]) else { throw .unknownMessageType(bytes[1]) }
        try checkRequiredFields(type: type, fields: fields)
        let bodyStart = reader.position
        guard bytes.count - bodyStart == bodyLength else {
            if bytes.count - bodyStart < bodyLength {
                throw .truncated(offset: bodyStart, needed: bodyLength, available: bytes.count - bodyStart)
            }
            throw .trailingBytes(offset: bodyStart + bodyLength, count: bytes.count - bodyStart - bodyLength)
        }
        var bodyReader = DBusUnmarshaller(bytes: bytes, endianness: endianness, position: bodyStart)
        let body = try bodyReader.read(fields.signature.types)
        guard bodyReader.position == bytes.count else {
            throw .bodyLengthMismatch(declared: bodyLength, actual: bodyReader.position - bodyStart)
        }
        return DBusMessage(type: type, flags: DBusMessageFlags(rawValue: bytes[2]), serial: serial, fields: fields, body: body)
    }
}
