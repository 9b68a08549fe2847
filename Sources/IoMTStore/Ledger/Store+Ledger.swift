import IoMTCore

extension Store {
    /// Marks the candidates whose identifier `destination` already accepted as delivered-as-duplicate and
    /// returns their ids. One audit entry per call that set rows aside (no identifiers in it: they carry patient ids).
    public func setAsideDuplicates(_ candidates: [LedgerCandidate], destination: String, at time: Instant) throws(StoreError) -> [Int64] {
        guard !candidates.isEmpty else { return [] }
        let duplicates = try connection.transaction { () throws(StoreError) -> [Int64] in
            var duplicates: [Int64] = []
            for candidate in candidates {
                guard let original = try dedupLedger.acceptedReading(identifier: candidate.identifier, destination: destination),
                      original != candidate.id else { continue }
                if try deliveryQueue.setAsideAsDuplicate(readingId: candidate.id, of: original, destination: destination, at: time) {
                    duplicates.append(candidate.id)
                }
            }
            if !duplicates.isEmpty {
                try auditTrail.record(actor: "forwarder", action: "duplicate",
                                      detail: "\(duplicates.count) reading(s) for \(destination) whose identifier \(destination) had already accepted, marked delivered-as-duplicate without upload",
                                      at: time)
            }
            return duplicates
        }
        deliveryQueue.backlog[destination, default: 0] -= duplicates.count
        return duplicates
    }

    /// Whether `destination` accepted a reading with this identifier (within the retention window); for tests and iomtctl.
    public func ledgerContains(_ identifier: String, destination: String) throws(StoreError) -> Bool {
        try dedupLedger.acceptedReading(identifier: identifier, destination: destination) != nil
    }

    /// Drops ledger entries older than the cutoff, in chunks of their own transaction; called by `prune`.
    func pruneLedger(before cutoff: Int64) throws(StoreError) -> Int {
        var total = 0
        while true {
            let removed = try connection.transaction { () throws(StoreError) -> Int in
                try dedupLedger.pruneChunk(before: cutoff, limit: Store.pruneChunkRows)
            }
            total += removed
            if removed < Store.pruneChunkRows { return total }
        }
    }
}

extension Store {
    /// The last record of the device whose readings are committed (nil: nothing fetched yet).
    public func recordMark(deviceKey: String) throws(StoreError) -> DeviceRecordMark? {
        try deviceMarks.recordMark(deviceKey: deviceKey)
    }

    /// Sets a mark unless the device has one (the one-time import of `bluetooth-state.json`). Returns whether it was set.
    @discardableResult
    public func importRecordMark(_ update: DeviceMarkUpdate) throws(StoreError) -> Bool {
        try connection.transaction { () throws(StoreError) -> Bool in
            guard try deviceMarks.recordMark(deviceKey: update.deviceKey) == nil else { return false }
            try deviceMarks.write(update)
            return true
        }
    }

    /// Records a read of the device clock (and, with `setAt`, that the gateway then set it) and returns when the
    /// device was first seen (this read, the first time).
    @discardableResult
    public func recordDeviceClock(deviceKey: String, _ reading: DeviceClockReading, setAt: Instant? = nil) throws(StoreError) -> Instant {
        try connection.transaction { () throws(StoreError) -> Instant in
            try deviceMarks.recordClock(deviceKey: deviceKey, reading, setAt: setAt)
            return try deviceMarks.firstSeen(deviceKey: deviceKey) ?? reading.readAt
        }
    }

    /// When the gateway first read the device's clock.
    public func deviceFirstSeen(deviceKey: String) throws(StoreError) -> Instant? {
        try deviceMarks.firstSeen(deviceKey: deviceKey)
    }

    /// The device's clock reads, newest first: offset, whether unset, when measured, when the gateway set it.
    public func deviceClockHistory(deviceKey: String, limit: Int = 20) throws(StoreError) -> [(reading: DeviceClockReading, setAt: Instant?)] {
        try deviceMarks.clockHistory(deviceKey: deviceKey, limit: limit)
    }
}
