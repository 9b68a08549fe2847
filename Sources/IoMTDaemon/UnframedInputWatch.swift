import IoMTCore

/// Notices a port that delivers bytes but never a valid frame: a wrong profile (baud rate, protocol generation)
/// or a wrong device on the port. Silence is not this (a device switched off says nothing); bytes that never
/// decode are. Pure: the runner feeds it what happened and the time (its injected clock).
struct UnframedInputWatch: Sendable {
    /// How long bytes may arrive without any decoded reading before it is reported.
    static let patienceMilliseconds: Int64 = 30_000
    static let condition = DeviceStatusBoard.wrongProfileSuspected

    /// When the first byte arrived since the last decoded reading (nil: none, or a reading since).
    private var unframedSince: Instant?
    private(set) var unframedBytes = 0
    private(set) var isReported = false

    /// `reset`: the port closed while reported (the condition ends, but not because frames came).
    enum Change: Equatable { case none, raised, cleared, reset }

    /// Bytes arrived; `decoded`: the driver produced readings from them (or from earlier bytes) in the same step.
    mutating func bytesArrived(_ count: Int, decoded: Bool, at time: Instant) -> Change {
        if decoded { return framed() }
        if unframedSince == nil { unframedSince = time }
        unframedBytes += count
        return check(at: time)
    }

    /// A step without bytes (a tick): readings from it clear the condition; otherwise time may raise it.
    mutating func stepped(decoded: Bool, at time: Instant) -> Change {
        decoded ? framed() : check(at: time)
    }

    /// The port closed: what came before says nothing about the next connection.
    mutating func portClosed() -> Change {
        let wasReported = isReported
        self = UnframedInputWatch()
        return wasReported ? .reset : .none
    }

    private mutating func framed() -> Change {
        let wasReported = isReported
        unframedSince = nil; unframedBytes = 0; isReported = false
        return wasReported ? .cleared : .none
    }

    private mutating func check(at time: Instant) -> Change {
        guard !isReported, let since = unframedSince, time.milliseconds(since: since) >= Self.patienceMilliseconds else { return .none }
        isReported = true
        return .raised
    }
}
