import Synchronization

/// What a bounded stream does when its consumer falls behind and the buffer is full (issue 12.9).
public enum StreamOverflowPolicy: Sendable, Hashable {
    /// Device data: nothing already buffered is touched; the new element is refused and counted, and the consumer is
    /// told in order — a loss marker goes ahead of the next element that fits — so it resynchronises (a framer starts
    /// afresh, a runner reports the gap). A reading is never dropped silently.
    case refuseNewestAndMark
    /// Control and state events, where only the latest matters: the oldest buffered element makes room; counted.
    case dropOldest
}

/// The producer side of an `AsyncStream` with an explicit bound. Every element it could not buffer is counted
/// (`lost`), and each overflow is logged once when it starts; under `.refuseNewestAndMark` the consumer also gets
/// `lossMarker(n)` in order before the next element, `n` being the elements lost since the last marker.
public final class BoundedStreamSink<Element: Sendable>: Sendable {
    public let name: String
    public let capacity: Int
    public let policy: StreamOverflowPolicy
    private let continuation: AsyncStream<Element>.Continuation
    private let lossMarker: (@Sendable (Int) -> Element)?
    private let counts = Mutex(Counts())

    private struct Counts {
        var lost = 0
        /// Lost since the consumer was last told (a marker delivered, or for `.dropOldest` an element buffered without loss).
        var unannounced = 0
    }

    /// A stream of at most `capacity` buffered elements and its sink. `name` says in the log which stream overflowed
    /// (a device key or port path, never a patient identifier). `lossMarker` is required by `.refuseNewestAndMark`.
    public static func make(name: String, capacity: Int, policy: StreamOverflowPolicy,
                            lossMarker: (@Sendable (Int) -> Element)? = nil) -> (stream: AsyncStream<Element>, sink: BoundedStreamSink<Element>) {
        precondition(capacity > 0, "a bounded stream needs room for at least one element")
        precondition(policy == .dropOldest || lossMarker != nil, "a device-data stream must be able to tell its consumer about a loss")
        let buffering: AsyncStream<Element>.Continuation.BufferingPolicy
        switch policy {
        case .refuseNewestAndMark: buffering = .bufferingOldest(capacity)
        case .dropOldest: buffering = .bufferingNewest(capacity)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: buffering)
        return (stream, BoundedStreamSink(name: name, capacity: capacity, policy: policy, continuation: continuation, lossMarker: lossMarker))
    }

    private init(name: String, capacity: Int, policy: StreamOverflowPolicy, continuation: AsyncStream<Element>.Continuation,
                 lossMarker: (@Sendable (Int) -> Element)?) {
        self.name = name; self.capacity = capacity; self.policy = policy; self.continuation = continuation; self.lossMarker = lossMarker
    }

    /// Elements lost to overflow since the stream began (status, metrics).
    public var lost: Int { counts.withLock { $0.lost } }

    /// Buffers `element`; false when it was refused (counted) or the stream has ended.
    @discardableResult
    public func yield(_ element: Element) -> Bool {
        counts.withLock { counts in
            switch policy {
            case .dropOldest:
                switch continuation.yield(element) {
                case .enqueued: counts.unannounced = 0; return true
                case .dropped: note(&counts); return true
                case .terminated: return false
                @unknown default: return false
                }
            case .refuseNewestAndMark:
                if counts.unannounced > 0, let lossMarker {
                    switch continuation.yield(lossMarker(counts.unannounced)) {
                    case .enqueued:
                        Log.warning("\(name): consumer caught up; \(counts.unannounced) element(s) lost were reported in order", "streams")
                        counts.unannounced = 0
                    case .dropped: note(&counts); return false // still full: this one is lost too
                    case .terminated: return false
                    @unknown default: return false
                    }
                }
                switch continuation.yield(element) {
                case .enqueued: return true
                case .dropped: note(&counts); return false
                case .terminated: return false
                @unknown default: return false
                }
            }
        }
    }

    private func note(_ counts: inout Counts) {
        if counts.unannounced == 0 {
            Log.error("\(name): the consumer is behind and the stream's \(capacity) slots are full; "
                      + (policy == .dropOldest ? "the oldest events make room (counted)" : "new data is refused, counted and reported in order"),
                      "streams")
        }
        counts.lost += 1
        counts.unannounced += 1
        StreamOverflowTally.add(policy)
    }

    /// Ends the stream; what is buffered is still delivered. A loss not yet reported is tried once more.
    public func finish() {
        counts.withLock { counts in
            if counts.unannounced > 0, let lossMarker, case .enqueued = continuation.yield(lossMarker(counts.unannounced)) { counts.unannounced = 0 }
        }
        continuation.finish()
    }

    public var onTermination: (@Sendable (AsyncStream<Element>.Continuation.Termination) -> Void)? {
        get { continuation.onTermination }
        set { continuation.onTermination = newValue }
    }
}
