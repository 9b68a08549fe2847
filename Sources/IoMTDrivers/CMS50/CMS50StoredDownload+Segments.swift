import IoMTCore

/// Which segments are read, in which order, and what of each is handed over (README.md, "Stored data": no duplicates,
/// nothing lost).
extension CMS50StoredDownload {

    private func time(of index: Int, from start: CivilTime) -> CivilTime {
        start.addingOnDeviceClock(seconds: Int64(index) * Int64(options.storageIntervalSeconds))
    }

    /// The segments to read, oldest first: those whose last possible sample (the most samples the length can mean) is
    /// after the mark.
    mutating func plan(at time: Instant) -> DeviceOutput {
        let mostSamples: (UInt32) -> Int = { [unit = options.lengthUnit] in unit == .samples ? Int($0) : Int($0) / 2 }
        queue = segments.filter { segment in
            guard let start = segment.start, let length = segment.length, mostSamples(length) > 0 else { return false }
            guard let mark else { return true }
            return self.time(of: mostSamples(length) - 1, from: start).deviceClockOrder > mark.deviceClockOrder
        }.sorted { $0.start!.deviceClockOrder < $1.start!.deviceClockOrder }
        var output = DeviceOutput(events: [.deviceInfo(key: "newStoredSegments", value: String(queue.count))])
        output.append(requestData(at: time))
        return output
    }

    private mutating func requestData(at time: Instant) -> DeviceOutput {
        samples = []; expectedSamples = nil; rawPackets = []; surplusSamples = 0
        guard let segment = queue.first else { return finish() }
        return send(.data(segment: segment.number), 0xA6, [Self.user, UInt8(segment.number)], at: time)
    }

    mutating func nextSegment(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        if surplusSamples > 0, let segment = queue.first {
            output.events.append(.rejectedFrame(reason: "CMS50 segment \(segment.number): \(surplusSamples) stored samples after the announced "
                                                + "length (\(segment.length ?? 0) read as \(options.lengthUnit.rawValue)): not used; check driverOptions.storedLengthUnit"))
        }
        if !queue.isEmpty { queue.removeFirst() }
        output.append(requestData(at: time))
        return output
    }

    mutating func finish() -> DeviceOutput {
        step = .finished
        var output = DeviceOutput()
        output.transferComplete = true
        return output
    }

    /// The segment's samples after the mark as one overnight-session reading, with the mark of its last sample.
    mutating func handOver(segment number: Int) -> DeviceOutput {
        guard let segment = queue.first, let start = segment.start else { return DeviceOutput() }
        let firstNew = mark.map { mark in samples.indices.first { time(of: $0, from: start).deviceClockOrder > mark.deviceClockOrder } ?? samples.count } ?? 0
        guard firstNew < samples.count else { return DeviceOutput() }
        let new = samples[firstNew...].map { StoredOximetryRecord(spo2: $0.spo2, pulseRate: $0.pulseRate) }
        let interval = options.storageIntervalSeconds
        let last = time(of: samples.count - 1, from: start)
        mark = last
        var output = DeviceOutput(measurements: [OvernightOximetrySummary.sessionMeasurement(
            records: new, intervalSeconds: interval, start: time(of: firstNew, from: start), rawFrame: rawPackets)])
        output.recordMark = DeviceRecordMark(sequenceNumber: 0, deviceTime: last)
        let summary = OvernightOximetrySummary(records: new, intervalSeconds: interval)
        let skipped = firstNew > 0 ? " (the first \(firstNew) taken at an earlier sync)" : ""
        output.events.append(.deviceInfo(key: "session", value: "segment \(number): \(new.count) new samples every \(interval) s\(skipped); \(summary.text)"))
        return output
    }
}
