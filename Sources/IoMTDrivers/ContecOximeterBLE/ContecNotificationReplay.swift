import IoMTCore

/// What the Contec BLE oximeter invariants share (fuzz targets, tests): a fuzz input read as a control byte and a
/// stream, and the stream notified on FF02 to a reader after link up, each piece followed by a tick.
enum ContecNotificationReplay {
    /// Control byte bits 0–4: the notification size (1–32 bytes); bits 5–7: the time between notifications,
    /// `stepUnitMs` × 1–8. nil for an empty input.
    static func split(_ input: [UInt8], stepUnitMs: Int64) -> (size: Int, stepMs: Int64, stream: [UInt8])? {
        guard let control = input.first else { return nil }
        return (Int(control & 0x1F) + 1, Int64(control >> 5) * stepUnitMs + stepUnitMs, Array(input.dropFirst()))
    }

    /// Link up, the stream in pieces of `size` bytes `stepMs` apart with a tick after each, `quietTicks` more ticks a
    /// second apart, link down. Returns every output and the time that passed.
    static func run<Reader: DeviceReader>(_ reader: inout Reader, _ stream: [UInt8], size: Int, stepMs: Int64,
                                          quietTicks: Int = 0) -> (outputs: [DeviceOutput], elapsed: Int64) {
        let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        var time = start
        var outputs = [reader.handle(.linkUp, at: time)]
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + size)
            outputs.append(reader.handle(.value(characteristic: ContecBLEFraming.notifyCharacteristic, bytes: Array(stream[offset..<end])), at: time))
            time = time.adding(milliseconds: stepMs)
            outputs.append(reader.handle(.tick, at: time))
            offset = end
        }
        for _ in 0..<quietTicks {
            time = time.adding(milliseconds: 1000)
            outputs.append(reader.handle(.tick, at: time))
        }
        outputs.append(reader.handle(.linkDown, at: time))
        return (outputs, time.milliseconds(since: start))
    }
}
