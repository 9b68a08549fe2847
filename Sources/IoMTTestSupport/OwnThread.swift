import Foundation

/// Runs blocking work (waiting for a child, a blocking read) on a new thread and awaits its result. A test that blocks
/// a thread of the cooperative pool (2 on the lab machine) stalls every other test of a parallel pass with it, and
/// clock-driven tests then miss their deadlines.
public enum OwnThread {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}
