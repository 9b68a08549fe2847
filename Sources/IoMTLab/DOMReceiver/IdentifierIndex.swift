/// Conditional-create keys ("system|value") → logical id, for one resource type. Keys live one after another
/// in a single byte arena and are found through a 64-bit FNV-1a hash with chaining and a full byte compare,
/// so a million long keys cost no allocation each (as String dictionary keys they fragmented the heap and
/// slowed the receiver down as it filled).
struct IdentifierIndex {
    private struct Entry {
        var keyStart: Int
        var keyLength: Int
        var id: String
        /// Next entry with the same hash, or -1.
        var next: Int
    }

    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var heads: [UInt64: Int] = [:]

    var count: Int { entries.count }

    func lookup(_ key: String) -> String? {
        var key = key
        return key.withUTF8 { bytes in
            guard let head = heads[Self.hash(bytes)] else { return nil }
            return find(bytes, from: head).map { entries[$0].id }
        }
    }

    /// Adds the key unless it is already there (the first id stays, as for conditional create).
    mutating func insertIfAbsent(_ key: String, id: String) {
        var key = key
        key.withUTF8 { bytes in
            let hash = Self.hash(bytes)
            let head = heads[hash]
            if let head, find(bytes, from: head) != nil { return }
            entries.append(Entry(keyStart: arena.count, keyLength: bytes.count, id: id, next: head ?? -1))
            arena.append(contentsOf: bytes)
            heads[hash] = entries.count - 1
        }
    }

    private func find(_ key: UnsafeBufferPointer<UInt8>, from head: Int) -> Int? {
        var index = head
        while index >= 0 {
            let entry = entries[index]
            if entry.keyLength == key.count, arena[entry.keyStart..<(entry.keyStart + entry.keyLength)].elementsEqual(key) { return index }
            index = entry.next
        }
        return nil
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
