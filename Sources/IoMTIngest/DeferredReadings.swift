import IoMTCore

/// Readings the store refused (disk full, read-only, I/O error, a lock held past the busy timeout), kept in
/// arrival order to be stored when it accepts writes again. Bounded: past `limit` a batch is not kept, and
/// that is counted and logged as an error each time, never dropped silently.
struct DeferredReadings {
    let limit: Int
    private(set) var batches: [[Observation]] = []
    private(set) var count = 0
    /// Readings refused by the store and not kept because the queue was full.
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    var isEmpty: Bool { batches.isEmpty }

    /// Keeps the batch; false (after logging) when the bound leaves no room for it.
    mutating func keep(_ observations: [Observation]) -> Bool {
        guard count + observations.count <= limit else {
            dropped += observations.count
            Log.error("\(observations.count) reading(s) from \(observations[0].device.key) LOST: the store cannot write and \(count) readings already wait in memory (limit \(limit)); \(dropped) lost so far. Free the store (iomtctl store check) now", "store")
            return false
        }
        batches.append(observations)
        count += observations.count
        return true
    }

    mutating func removeFirst() {
        count -= batches[0].count
        batches.removeFirst()
    }
}
