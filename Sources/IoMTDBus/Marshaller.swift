/// Writes D-Bus values into a buffer whose offset 0 is the start of the message, so alignment is
/// computed globally as the spec requires ("Marshaling (Wire Format)"). Values are checked while
/// written (array element types, names, nesting), so a message we send is one a peer accepts.
public struct DBusMarshaller: Sendable {
    public private(set) var bytes: [UInt8]
    public let endianness: DBusEndianness

    public init(endianness: DBusEndianness = .little, startingWith bytes: [UInt8] = []) {
        self.endianness = endianness
        self.bytes = bytes
    }

    public mutating func pad(to alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - remainder)) }
    }

    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        pad(to: MemoryLayout<T>.size)
        let ordered = endianness == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        let ordered = endianness == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: ordered) { raw in
            for index in 0..<4 { bytes[offset + index] = raw[index] }
        }
    }

    public mutating func append(_ values: [DBusValue]) throws(DBusWireError) {
        for value in values { try append(value) }
    }

    public mutating func append(_ value: DBusValue) throws(DBusWireError) {
        try append(value, depth: 0)
    }

    private mutating func appendString(_ text: String) throws(DBusWireError) {
        let utf8 = Array(text.utf8)
        if utf8.contains(0) { throw .embeddedNul(offset: bytes.count) }
        appendInteger(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
        bytes.append(0)
    }

    private mutating func append(_ value: DBusValue, depth: Int) throws(DBusWireError) {
        guard depth <= DBusLimits.maxTotalNesting else { throw .nestingTooDeep(offset: bytes.count) }
        switch value {
        case .byte(let v): bytes.append(v)
        case .boolean(let v): appendInteger(UInt32(v ? 1 : 0))
        case .int16(let v): appendInteger(v)
        case .uint16(let v): appendInteger(v)
        case .int32(let v): appendInteger(v)
        case .uint32(let v): appendInteger(v)
        case .int64(let v): appendInteger(v)
        case .uint64(let v): appendInteger(v)
        case .double(let v): appendInteger(v.bitPattern)
        case .unixFD(let v): appendInteger(v)
        case .string(let v): try appendString(v)
        case .objectPath(let v): try appendString(v.text)
        case .signature(let v):
            let utf8 = Array(v.text.utf8)
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .array(let element, let elements):
            _ = try DBusSignature(types: [.array(element)])
            appendInteger(UInt32(0))
            let lengthOffset = bytes.count - 4
            pad(to: element.alignment)
            let start = bytes.count
            for item in elements {
                guard item.type == element else {
                    throw .valueTypeMismatch(expected: element.signature, found: item.type.signature)
                }
                try append(item, depth: depth + 1)
            }
            let length = bytes.count - start
            guard length <= DBusLimits.maxArrayLength else { throw .arrayTooLong(offset: lengthOffset, length: length) }
            patchUInt32(UInt32(length), at: lengthOffset)
        case .structure(let fields):
            guard !fields.isEmpty else { throw .invalidSignature("()", reason: "empty struct") }
            pad(to: 8)
            for field in fields { try append(field, depth: depth + 1) }
        case .dictEntry(let key, let entryValue):
            guard key.type.isBasic else { throw .invalidSignature(value.type.signature, reason: "dict entry key is not basic") }
            pad(to: 8)
            try append(key, depth: depth + 1)
            try append(entryValue, depth: depth + 1)
        case .variant(let inner):
            let signature = try DBusSignature(types: [inner.type])
            try append(.signature(signature), depth: depth)
            try append(inner, depth: depth + 1)
        }
    }
}
