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
