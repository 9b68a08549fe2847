import IoMTCore

/// A framer of a device's byte stream (bytes in, whole frames out), as the fuzz invariants check it.
public protocol ByteStreamFramer {
    init()
    mutating func push(_ bytes: [UInt8]) -> [[UInt8]]
    /// Bytes dropped so far.
    var discardedBytes: Int { get }
    /// Bytes held for an incomplete frame.
    var pendingByteCount: Int { get }
}

extension ByteStreamFramer {
    /// A fresh framer's frames for `chunks` pushed in order, with the bytes it dropped and the bytes still pending:
    /// together they account for every byte (`CMS50Invariants`, `NoninInvariants`).
    static func framing(_ chunks: [[UInt8]]) -> (frames: [[UInt8]], discarded: Int, pending: Int) {
        var framer = Self()
        let frames = chunks.flatMap { framer.push($0) }
        return (frames, framer.discardedBytes, framer.pendingByteCount)
    }
}

extension SyncBitFramer: ByteStreamFramer {}
extension NoninFormat2Framer: ByteStreamFramer {}

extension DeviceReader {
    /// What a request/answer GATT reader's fuzz invariants feed it (`ContecSpirometerInvariants`, `ViatomOxyInvariants`):
    /// link up, then `stream` notified on `characteristic` in pieces of `size` bytes, each followed by a tick `stepMs` later,
    /// then link down. Every output, in order.
    mutating func notifiedRun(_ stream: [UInt8], on characteristic: BluetoothUUID, size: Int, stepMs: Int64) -> [DeviceOutput] {
        var time = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        var outputs = [handle(.linkUp, at: time)]
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + size)
            outputs.append(handle(.value(characteristic: characteristic, bytes: Array(stream[offset..<end])), at: time))
            time = time.adding(milliseconds: stepMs)
            outputs.append(handle(.tick, at: time))
            offset = end
        }
        outputs.append(handle(.linkDown, at: time))
        return outputs
    }
}
