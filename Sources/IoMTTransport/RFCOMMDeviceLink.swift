import Synchronization

/// One configured Bluetooth Classic SPP device across its connections: each RFCOMM socket bluetoothd hands over for it
/// (`attach`) is read in turn, and the runner sees one `ByteStreamLink` — `.opened`, data, `.closed(.unplugged)` per
/// connection — like a serial port that is plugged in and out. A connection replacing a half-open one starts only once
/// the old one has reported its close, so the reader never sees the new link come up before the old one went down.
public final class RFCOMMDeviceLink: ByteStreamLink {
    public let address: String
    private let state = Mutex(State())

    private struct State {
        var handler: (@Sendable (SerialEvent) -> Void)?
        /// The connection being read (until its `.closed` arrives).
        var current: RFCOMMStream?
        /// The next connection, started when `current` has closed.
        var waiting: RFCOMMStream?
        var stopped = false
    }

    public init(address: String) { self.address = address }

    /// Starts delivering events: those of every attached connection, then `.closed(.stopped)` after `stop`.
    public func start(onEvent handler: @escaping @Sendable (SerialEvent) -> Void) {
        let first = state.withLock { state -> Bool in
            guard state.handler == nil else { return false }
            state.handler = handler
            return true
        }
        if first { startNext() }
    }

    /// A new connection of this device (from `SerialPortProfile`'s `.connected`); the link owns it from now on.
    public func attach(_ stream: RFCOMMStream) {
        let refused = state.withLock { state -> [RFCOMMStream] in
            guard !state.stopped else { return [stream] }
            defer { state.waiting = stream }
            return state.waiting.map { [$0] } ?? [] // a connection that never got its turn is superseded
        }
        for stream in refused { stream.stop() }
        // The profile has stopped a half-open predecessor already; stopping it again is harmless.
        state.withLock { $0.current }?.stop(.unplugged("replaced: the device connected again"))
        startNext()
    }

    public func send(_ bytes: [UInt8]) throws(SerialError) {
        guard let current = state.withLock({ $0.current }) else { throw .closed(path: "bluetooth \(address)") }
        try current.send(bytes)
    }

    /// Ends the link: the open connection is closed and the last event is `.closed(.stopped)`.
    public func stop() {
        let (current, waiting, handler) = state.withLock { state in
            defer { state.stopped = true; state.waiting = nil }
            return (state.stopped ? nil : state.current, state.waiting, state.stopped ? nil : state.handler)
        }
        waiting?.stop()
        if let current { current.stop(.stopped) } else { handler?(.closed(.stopped)) }
    }

    public var isConnected: Bool { state.withLock { $0.current?.isOpen ?? false } }

    /// Starts the waiting connection when nothing is being read.
    private func startNext() {
        let next = state.withLock { state -> (RFCOMMStream, @Sendable (SerialEvent) -> Void)? in
            guard let handler = state.handler, state.current == nil, let waiting = state.waiting else { return nil }
            state.current = waiting
            state.waiting = nil
            return (waiting, handler)
        }
        guard let (stream, handler) = next else { return }
        stream.start { [self] event in
            guard case .closed(let reason) = event else { return handler(event) }
            let ended = state.withLock { state -> Bool in
                if state.current === stream { state.current = nil }
                return state.stopped
            }
            // A connection ending is the device going away; only `stop` ends the link.
            handler(.closed(ended ? .stopped : (reason == .stopped ? .unplugged("connection closed") : reason)))
            if !ended { startNext() }
        }
    }
}
