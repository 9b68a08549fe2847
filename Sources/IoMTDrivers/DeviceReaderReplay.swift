import IoMTCore

/// The two ways a capture without a live transport is fed to a reader: at a line rate on a synthetic timeline
/// (capture replay, benchmarks), or all at one instant (`iomtctl decode`). Both speak only `DeviceInput`.
extension DeviceReader {
    /// A captured byte stream as if it arrived at `byteRate` bytes per second from `start`: link up, `chunkSize`-byte
    /// chunks at their instants with a tick every second between them, then a tick and link down one second after the
    /// last byte. Each step's output with its instant, in order.
    public mutating func replay(_ bytes: [UInt8], byteRate: Int64, from start: Instant, chunkSize: Int = 32) -> [(output: DeviceOutput, at: Instant)] {
        let rate = max(1, byteRate)
        var steps: [(output: DeviceOutput, at: Instant)] = [(handle(.linkUp, at: start), start)]
        var nextTick = start.adding(milliseconds: 1000)
        var offset = 0
        while offset < bytes.count {
            let time = start.adding(milliseconds: Int64(offset) * 1000 / rate)
            while nextTick <= time {
                steps.append((handle(.tick, at: nextTick), nextTick))
                nextTick = nextTick.adding(milliseconds: 1000)
            }
            let end = min(bytes.count, offset + max(1, chunkSize))
            steps.append((handle(.bytes(Array(bytes[offset..<end])), at: time), time))
            offset = end
        }
        let finish = start.adding(milliseconds: Int64(bytes.count) * 1000 / rate + 1000)
        steps.append((handle(.tick, at: finish), finish))
        steps.append((handle(.linkDown, at: finish), finish))
        return steps
    }

    /// Inputs without a timeline of their own, all at `time`: link up, the inputs, link down. Every window they fill
    /// stands for that instant.
    public mutating func runAtOnce(_ inputs: [DeviceInput], at time: Instant) -> DeviceOutput {
        var output = handle(.linkUp, at: time)
        for input in inputs { output.append(handle(input, at: time)) }
        output.append(handle(.linkDown, at: time))
        return output
    }
}

extension DeviceNeeds {
    /// The GATT profile a Bluetooth LE transport must provide, nil for a byte stream.
    public var gattProfile: GATTProfile? { if case let .gatt(profile) = self { profile } else { nil } }
}
