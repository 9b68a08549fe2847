import Foundation

/// Waits for a child `Process` without holding a thread of the cooperative pool: the wait runs on a thread of its own
/// (`OwnThread`).
public enum ChildProcessWait {
    /// Waits up to `seconds` for `process` to exit (woken by its exit, not by polling); returns whether it did.
    public static func exit(of process: Process, within seconds: Double) async -> Bool {
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        // Set after the exit, the handler is never called: the check after setting it covers that.
        guard process.isRunning else { return true }
        return await OwnThread.run { exited.wait(timeout: .now() + seconds) == .success || !process.isRunning }
    }

    /// Sends `signal`, waits up to 5 s for the process to exit, then kills it outright and waits up to 5 s more.
    public static func stop(_ process: Process, signal: Int32 = SIGTERM) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        if await !exit(of: process, within: 5) { kill(process.processIdentifier, SIGKILL) }
        _ = await exit(of: process, within: 5)
    }
}
