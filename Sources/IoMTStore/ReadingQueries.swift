import IoMTCore

extension Store {
    /// Readings of one measurement (by MDC reference id, as the type or as a component, so systolic
    /// pressure is found inside blood-pressure readings) since a time, oldest first; for `iomtctl trend`
    /// and `readings export`. A scan: the CLI reads rarely and an index would cost every append.
    public func readings(measurement refId: String?, since: Instant, until: Instant? = nil, patientId: String? = nil,
                         limit: Int = 1_000_000) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("""
            SELECT \(Store.readingColumns) FROM readings r
            WHERE r.corrected_ms >= ?1 AND (?2 IS NULL OR r.corrected_ms < ?2)
            AND (?3 IS NULL OR r.type_refid = ?3 OR instr(coalesce(r.components_json, ''), ?3) > 0)
            AND (?4 IS NULL OR r.patient_id = ?4)
            ORDER BY r.corrected_ms, r.id LIMIT ?5
            """)
        defer { select.reset() }
        try select.bind(since.millisecondsSinceEpoch, at: 1)
        try select.bind(until?.millisecondsSinceEpoch, at: 2)
        try select.bind(refId, at: 3)
        try select.bind(patientId, at: 4)
        try select.bind(limit, at: 5)
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: false)) }
        return result
    }
}
