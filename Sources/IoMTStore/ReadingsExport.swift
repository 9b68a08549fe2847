import IoMTCore

extension Store {
    /// Observations in row order after `afterId` (for `iomtctl readings export`, paged).
    public func readings(afterId: Int64, limit: Int) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("SELECT \(Store.readingColumns) FROM readings r WHERE r.id > ? ORDER BY r.id LIMIT ?")
        defer { select.reset() }
        try select.bind(afterId, at: 1)
        try select.bind(limit, at: 2)
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: false)) }
        return result
    }
}
