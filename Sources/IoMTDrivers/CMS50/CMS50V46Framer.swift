/// The v4.6 firmware's stream (115200 8N1): a packet starts with a type byte with bit 7 clear, and every
/// following byte has bit 7 set. Live data packets are 9 bytes of type 0x01; other packet types are dropped.
public enum CMS50V46Layout: SyncBitFrameLayout {
    public static let frameLength = 9
    public static let liveDataType: UInt8 = 0x01
    public static let startBitSet = false
    public static func opensFrame(_ startByte: UInt8) -> Bool { startByte == liveDataType }
}

/// Frames the v4.6 stream: a candidate that is not a complete live packet (other packet types, torn frames,
/// noise) is dropped and counted as discarded.
public typealias CMS50V46Framer = SyncBitFramer<CMS50V46Layout>
