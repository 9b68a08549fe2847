import Foundation
import IoMTTestSupport
import Synchronization
import Testing

/// Waits for child processes must not hold a thread of the cooperative pool: with more waits than the pool has threads
/// (2 on the lab machine), a blocking wait would leave no thread for this test to end the children with.
@Suite struct ChildProcessWaitTests {
    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    /// `cat` reading a pipe: it runs until the test closes the pipe's write end, with no timer involved.
    func startCat() throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, input)
    }

    @Test func moreWaitsThanPoolThreadsLeaveTheTestFreeToEndTheChildren() async throws {
        let children = try (0...ProcessInfo.processInfo.activeProcessorCount).map { _ in try startCat() }
        let waiting = Counter()
        let exited = await withTaskGroup(of: Bool.self) { group -> [Bool] in
            for process in children.map(\.0) {
                group.addTask {
                    waiting.increment()
                    return await ChildProcessWait.exit(of: process, within: 20)
                }
            }
            // Once every wait has begun, end the children. Were the waits blocking, each would hold a pool thread until
            // its 20 s ran out, this task would only get here afterwards, and every wait would report "still running".
            while waiting.count < children.count { await Task.yield() }
            for (_, input) in children { try? input.fileHandleForWriting.close() }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(exited == Array(repeating: true, count: children.count))
    }

    struct Refusal: Error {}

    @Test func withAsyncCleanupRunsTheCleanupWhenTheBodyThrowsAndWhenItReturns() async throws {
        let cleaned = Counter()
        await #expect(throws: Refusal.self) {
            try await withAsyncCleanup({ cleaned.increment() }) { throw Refusal() }
        }
        #expect(cleaned.count == 1)
        let value = try await withAsyncCleanup({ cleaned.increment() }) { 42 }
        #expect(value == 42 && cleaned.count == 2)
    }
}
