import IoMTCore
import Testing

/// Issue 12.9: every AsyncStream has a bound. A flooded producer with a stalled consumer keeps at most `capacity`
/// elements; what it could not buffer is counted and, for device data, reported to the consumer in order.
@Suite struct BoundedStreamTests {
    enum Reading: Sendable, Equatable {
        case value(Int)
        case lost(Int)
    }

    @Test func deviceDataIsRefusedCountedAndReportedInOrderBeforeTheNextElement() async {
        let (stream, sink) = BoundedStreamSink<Reading>.make(name: "test device", capacity: 8, policy: .refuseNewestAndMark,
                                                             lossMarker: { .lost($0) })
        // Nobody consumes: a flood of 100,000 readings.
        for index in 0..<100_000 { sink.yield(.value(index)) }
        #expect(sink.lost == 99_992)
        var iterator = stream.makeAsyncIterator()
        // What was buffered is the oldest, untouched and in order: at most `capacity`.
        var buffered: [Reading] = []
        for _ in 0..<8 { if let next = await iterator.next() { buffered.append(next) } }
        #expect(buffered == (0..<8).map { .value($0) })
        // The next reading that fits comes after a marker saying how many went missing, so the consumer resynchronises.
        #expect(sink.yield(.value(100_000)))
        sink.finish()
        var rest: [Reading] = []
        while let next = await iterator.next() { rest.append(next) }
        #expect(rest == [.lost(99_992), .value(100_000)])
        #expect(sink.lost == 99_992)
    }

    /// Losses are also counted process-wide for metrics.prom, so the counter survives the stream (a device unplugged).
    /// Other suites overflow streams in parallel: the tally grows by at least this stream's losses.
    @Test func lossesAreTalliedForTheMetricsBeyondTheStreamsLife() {
        let before = (StreamOverflowTally.lost(.refuseNewestAndMark), StreamOverflowTally.lost(.dropOldest))
        do {
            let (deviceStream, device) = BoundedStreamSink<Reading>.make(name: "tally device", capacity: 1, policy: .refuseNewestAndMark, lossMarker: { .lost($0) })
            let (controlStream, control) = BoundedStreamSink<Reading>.make(name: "tally control", capacity: 1, policy: .dropOldest)
            withExtendedLifetime((deviceStream, controlStream)) { // a stream nobody holds ends: then nothing is lost
                for index in 0..<11 { device.yield(.value(index)); control.yield(.value(index)) }
            }
        }
        #expect(StreamOverflowTally.lost(.refuseNewestAndMark) - before.0 >= 10)
        #expect(StreamOverflowTally.lost(.dropOldest) - before.1 >= 10)
        let text = StreamOverflowTally.metricsText
        #expect(text.contains("# TYPE iomtd_stream_elements_lost_total counter"))
        #expect(text.contains("iomtd_stream_elements_lost_total{kind=\"device-data\"} \(StreamOverflowTally.lost(.refuseNewestAndMark))")
                || StreamOverflowTally.lost(.refuseNewestAndMark) > before.0 + 10) // another suite may have added since
    }

    @Test func aLossAtTheEndIsStillReportedWhenTheStreamFinishes() async {
        let (stream, sink) = BoundedStreamSink<Reading>.make(name: "test device", capacity: 2, policy: .refuseNewestAndMark,
                                                             lossMarker: { .lost($0) })
        for index in 0..<5 { sink.yield(.value(index)) }
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .value(0))
        sink.finish() // room for the marker now
        var rest: [Reading] = []
        while let next = await iterator.next() { rest.append(next) }
        #expect(rest == [.value(1), .lost(3)])
    }

    @Test func controlEventsKeepTheNewestAndCountWhatMadeRoom() async {
        let (stream, sink) = BoundedStreamSink<Int>.make(name: "test control", capacity: 1, policy: .dropOldest)
        for index in 0..<10_000 { sink.yield(index) }
        sink.finish()
        var received: [Int] = []
        for await value in stream { received.append(value) }
        #expect(received == [9_999])
        #expect(sink.lost == 9_999)
    }
}
