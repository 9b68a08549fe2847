import IoMTCore

// Status and metrics ask for the size of every delivery state once a second. Counting rows would cost time in
// proportion to the store (millions of rows after an outage); `delivery_counts` (migration 13) holds the number
// of delivery rows per destination and state instead, kept exact by triggers in the very transaction that inserts,
// transitions or deletes a row — whichever code path or connection (iomtctl, recovery) does it, and including
// rows removed by ON DELETE CASCADE when a reading is pruned or compacted. A crash rolls counters and rows back
// together.

/// Delivery rows of one destination per state, as `delivery_counts` holds them.
struct DeliveryCounts: Equatable {
    var pending = 0, delivered = 0, quarantined = 0, duplicates = 0, held = 0
}

extension DeliveryQueue {
    /// The counters of one destination: one index read, whatever the size of the store.
    func deliveryCounts(destination: String) throws(StoreError) -> DeliveryCounts {
        let select = try connection.statement("SELECT state, count FROM delivery_counts WHERE destination = ?1")
        defer { select.reset() }
        try select.bind(destination, at: 1)
        var counts = DeliveryCounts()
        while try select.step() {
            switch DeliveryState(rawValue: select.int(0)) {
            case .pending: counts.pending = select.int(1)
            case .delivered: counts.delivered = select.int(1)
            case .quarantined: counts.quarantined = select.int(1)
            case .duplicate: counts.duplicates = select.int(1)
            case .held: counts.held = select.int(1)
            case nil: break
            }
        }
        return counts
    }

    /// Pending rows per destination, from the counters.
    static func loadBacklog(_ connection: SQLiteConnection) throws(StoreError) -> [String: Int] {
        let statement = try connection.statement("SELECT destination, count FROM delivery_counts WHERE state = \(DeliveryState.pending.rawValue)")
        defer { statement.reset() }
        var result: [String: Int] = [:]
        while try statement.step() { result[statement.text(0) ?? ""] = statement.int(1) }
        return result
    }
}