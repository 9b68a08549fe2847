import IoMTCore

extension Store {
    /// The destinations this store has queued readings for, sorted (from the counters: one index read). A reader
    /// that did not write the file (iomtctl) learns from it which queues exist: `dom`, `mqtt`, both or others.
    public func knownDestinations() throws(StoreError) -> [String] {
        let select = try connection.statement("SELECT DISTINCT destination FROM delivery_counts ORDER BY destination")
        defer { select.reset() }
        var result: [String] = []
        while try select.step() { if let name = select.text(0) { result.append(name) } }
        return result
    }
}
