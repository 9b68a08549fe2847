import Synchronization

/// Waiting for nothing, for test peers: a handler that never answers, a child process that hangs where it is until
/// its parent kills it. No timer runs, so nothing depends on how long the wait would have been.
public enum Suspension {
    /// Never returns (not even when the task is cancelled): a child that hangs until it is killed.
    public static func forever() async -> Never {
        // The continuation is dropped at once: nothing can resume it.
        await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        preconditionFailure("a continuation nobody holds was resumed")
    }

    /// Returns only by throwing `CancellationError`, once the task is cancelled: a peer that never answers.
    public static func untilCancelled() async throws -> Never {
        let waiter = CancellationWaiter()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiter.park(continuation)
            }
        } onCancel: {
            waiter.cancel()
        }
        throw CancellationError() // not reached: the continuation is only ever resumed by throwing
    }

    private final class CancellationWaiter: Sendable {
        private enum State { case waiting, parked(CheckedContinuation<Void, any Error>), cancelled }
        private let state = Mutex(State.waiting)

        func park(_ continuation: CheckedContinuation<Void, any Error>) {
            let cancelled = state.withLock { state -> Bool in
                if case .cancelled = state { return true }
                state = .parked(continuation)
                return false
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
        }

        func cancel() {
            let parked = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                defer { state = .cancelled }
                if case let .parked(continuation) = state { return continuation }
                return nil
            }
            parked?.resume(throwing: CancellationError())
        }
    }
}
