import Foundation
import IoMTTestSupport
import Synchronization
import Testing

/// Waits for child processes must not hold a thread of the cooperative pool (2 on the lab machine). The test runs its
/// waits on an executor of one thread of its own, so the verdict does not hang on how busy the shared pool is: a
/// blocking wait would take that thread and leave none for the test to end the children with.
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

    @Test func waitsOnAOneThreadExecutorLeaveItFreeToEndTheChildren() async throws {
        let children = try (0..<3).map { _ in try startCat() }
        let executor = OneThreadExecutor()
        defer { executor.shutDown() }
        let waiting = Counter()
        let exited = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Bool.self) { group -> [Bool] in
                for process in children.map(\.0) {
                    group.addTask {
                        waiting.increment()
                        return await ChildProcessWait.exit(of: process, within: 20)
                    }
                }
                // Once every wait has begun, end the children. Were the waits blocking, the first would hold the
                // executor's one thread until its 20 s ran out, and the waits would report "still running".
                while waiting.count < children.count { await Task.yield() }
                for (_, input) in children { try? input.fileHandleForWriting.close() }
                return await group.reduce(into: []) { $0.append($1) }
            }
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

/// A task executor with one thread: the jobs of the tasks that prefer it run there, one after another.
final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = [] // guarded by `condition`
    private var running = true // guarded by `condition`

    init() { Thread.detachNewThread { [self] in runJobs() } }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func shutDown() {
        condition.lock()
        running = false
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && running { condition.wait() }
            guard !jobs.isEmpty else { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
