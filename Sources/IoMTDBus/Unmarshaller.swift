/// Reads D-Bus values from bytes that come from another process. Offsets are absolute within the
/// message (alignment is global). Every length, offset, padding byte, nul terminator, UTF-8
/// sequence and nesting level is checked and reported as a `DBusWireError`; nothing here traps.
public struct DBusUnmarshaller: Sendable {
    public let bytes: [UInt8]
    public let endianness: DBusEndianness
    public private(set) var position: Int
    /// Reads never go past this offset (narrowed while inside an array).
    private var limit: Int

    public init(bytes: [UInt8], endianness: DBusEndianness, position: Int = 0, limit: Int? = nil) {
        self.bytes = bytes
        self.endianness = endianness
        self.position = position
        self.limit = min(limit ?? bytes.count, bytes.count)
    }

    public var remaining: Int { limit - position }

    private func require(_ count: Int) throws(DBusWireError) {
        guard count >= 0, count <= limit - position else {
            throw .truncated(offset: position, needed: count, available: max(0, limit - position))
        }
    }

    /// Skips the padding before a value of `alignment`, which must be nul bytes.
    public mutating func align(to alignment: Int) throws(DBusWireError) {
        let remainder = position % alignment
        guard remainder != 0 else { return }
        let padding = alignment - remainder
        try require(padding)
        for offset in position..<(position + padding) where bytes[offset] != 0 {
            throw .nonZeroPadding(offset: offset)
        }
        position += padding
    }

    mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(DBusWireError) -> T {
        let size = MemoryLayout<T>.size
        try align(to: size)
        try require(size)
        var value: T = 0
        for index in 0..<size {
            let byte = T(truncatingIfNeeded: bytes[position + index])
            value |= endianness == .little ? byte << (8 * index) : byte << (8 * (size - 1 - index))
        }
        position += size
        return value
    }

    private mutating func readText(length: Int) throws(DBusWireError) -> String {
        let start = position
        guard length >= 0, length < limit - position else {
            throw .truncated(offset: start, needed: length + 1, available: max(0, limit - position))
        }
        let end = start + length
        guard bytes[end] == 0 else { throw .missingNulTerminator(offset: end) }
        let content = bytes[start..<end]
        if let nul = content.firstIndex(of: 0) { throw .embeddedNul(offset: nul) }
        guard let text = String(validating: content, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
        position = end + 1
        return text
    }

    public mutating func readString() throws(DBusWireError) -> String {
        let length = try readInteger(UInt32.self)
        return try readText(length: Int(length))
    }

    public mutating func readSignature() throws(DBusWireError) -> DBusSignature {
        try require(1)
        let length = Int(bytes[position])
        position += 1
        return try DBusSignature(readText(length: length))
    }

    public mutating func read(_ types: [DBusType]) throws(DBusWireError) -> [DBusValue] {
        var values: [DBusValue] = []
        values.reserveCapacity(types.count)
        for type in types { values.append(try read(type, depth: 0)) }
        return values
    }

    public mutating func read(_ type: DBusType) throws(DBusWireError) -> DBusValue {
        try read(type, depth: 0)
    }

    private mutating func read(_ type: DBusType, depth: Int) throws(DBusWireError) -> DBusValue {
        guard depth <= DBusLimits.maxTotalNesting else { throw .nestingTooDeep(offset: position) }
        switch type {
        case .byte:
            try require(1)
            position += 1
            return .byte(bytes[position - 1])
        case .boolean:
            let offset = position
            let raw = try readInteger(UInt32.self)
            guard raw <= 1 else { throw .invalidBoolean(offset: offset, value: raw) }
            return .boolean(raw == 1)
        case .int16: return .int16(try readInteger(Int16.self))
        case .uint16: return .uint16(try readInteger(UInt16.self))
        case .int32: return .int32(try readInteger(Int32.self))
        case .uint32: return .uint32(try readInteger(UInt32.self))
        case .int64: return .int64(try readInteger(Int64.self))
        case .uint64: return .uint64(try readInteger(UInt64.self))
        case .double: return .double(Double(bitPattern: try readInteger(UInt64.self)))
        case .unixFD: return .unixFD(try readInteger(UInt32.self))
        case .string: return .string(try readString())
        case .objectPath:
            let text = try readString()
            return .objectPath(try DBusObjectPath(text))
        case .signature: return .signature(try readSignature())
        case .variant:
            let signature = try readSignature()
            guard signature.types.count == 1 else {
                throw .invalidSignature(signature.text, reason: "a variant holds exactly one complete type")
            }
            let inner = signature.types[0]
            // The variant's own container levels count towards the total message depth.
            let nesting = inner.nesting
            guard depth + 1 + nesting.arrays + nesting.structs <= DBusLimits.maxTotalNesting else {
                throw .nestingTooDeep(offset: position)
            }
            return .variant(try read(inner, depth: depth + 1))
        case .array(let element):
            let lengthOffset = position
            let length = Int(try readInteger(UInt32.self))
            guard length <= DBusLimits.maxArrayLength else { throw .arrayTooLong(offset: lengthOffset, length: length) }
            // The padding to the element alignment is present even when the array is empty.
            try align(to: element.alignment)
            try require(length)
            let end = position + length
            let outerLimit = limit
            limit = end
            defer { limit = outerLimit }
            var elements: [DBusValue] = []
            while position < end {
                elements.append(try read(element, depth: depth + 1))
            }
            guard position == end else { throw .arrayLengthMismatch(offset: lengthOffset, declared: length) }
            return .array(element: element, elements)
        case .structure(let fields):
            try align(to: 8)
            var values: [DBusValue] = []
            values.reserveCapacity(fields.count)
            for field in fields { values.append(try read(field, depth: depth + 1)) }
            return .structure(values)
        case .dictEntry(let keyType, let valueType):
            try align(to: 8)
            let key = try read(keyType, depth: depth + 1)
            let value = try read(valueType, depth: depth + 1)
            return .dictEntry(key, value)
        }
    }
}
