import IoMTCore

extension Store {
    /// Most recent observations (newest first), for the CLI.
    public func recent(limit: Int) throws(StoreError) -> [StoredObservation] {
        try readingTable.recent(limit: limit)
    }

    /// One stored observation; `attempts` is the most any destination has made.
    public func observation(id: Int64) throws(StoreError) -> StoredObservation? {
        try readingTable.observation(id: id)
    }

    /// Readings of one measurement (by MDC reference id, as the type or as a component, so systolic
    /// pressure is found inside blood-pressure readings) since a time, oldest first; for `iomtctl trend`
    /// and `readings export`.
    public func readings(measurement refId: String?, since: Instant, until: Instant? = nil, patientId: String? = nil,
                         limit: Int = 1_000_000) throws(StoreError) -> [StoredObservation] {
        try readingTable.readings(measurement: refId, since: since, until: until, patientId: patientId, limit: limit)
    }

    /// Observations in row order after `afterId` (for `iomtctl readings export`, paged).
    public func readings(afterId: Int64, limit: Int) throws(StoreError) -> [StoredObservation] {
        try readingTable.readings(afterId: afterId, limit: limit)
    }

    /// Marks an observation as carrying an alert of this priority (it jumps the delivery queue).
    /// Keeps the most urgent priority when called more than once.
    public func setAlertPriority(_ priority: AlertPriority, forObservation id: Int64) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in try raiseDeliveryPriority(priority, forObservation: id) }
    }

    /// The body of `setAlertPriority`, usable inside another transaction: the reading and its delivery rows.
    func raiseDeliveryPriority(_ priority: AlertPriority, forObservation id: Int64) throws(StoreError) {
        try readingTable.raiseAlertPriority(priority, ofReading: id)
        try deliveryQueue.raisePriority(priority, ofReading: id)
        queueJumpCount += 1
    }
}
