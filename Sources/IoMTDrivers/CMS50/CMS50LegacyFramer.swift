/// The older firmware's live stream (19200 8O1, 60 frames/s): 5 bytes, only the first has bit 7 set.
public enum CMS50LegacyLayout: SyncBitFrameLayout {
    public static let frameLength = 5
    public static let startBitSet = true
}

/// Frames the older firmware's live stream; a candidate is dropped (its bytes counted as discarded) when the
/// sync rule breaks before 5 bytes.
public typealias CMS50LegacyFramer = SyncBitFramer<CMS50LegacyLayout>
