import Glibc
import IoMTLab
import IoMTTransport
import Synchronization

/// A fresh directory under /tmp for symlinks; removed by the caller with `removeTree`.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/iomt-transport-XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(result != nil, "mkdtemp failed: errno \(errno)")
    return String(cString: result!)
}

func removeTree(_ path: String) {
    // Test directories hold only symlinks and sockets.
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(dir)
    }
    rmdir(path)
}

/// Collects a connection's events in the background so tests can wait for a condition.
final class EventLog: Sendable {
    private let events = Mutex<[SerialEvent]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(_ stream: AsyncStream<SerialEvent>) {
        let handle = Task { [self] in
            for await event in stream { self.events.withLock { $0.append(event) } }
        }
        task.withLock { $0 = handle }
    }

    /// For handler-based sources (`RFCOMMStream.start(onEvent:)`): pass `append` as the handler.
    init() {}

    func append(_ event: SerialEvent) { events.withLock { $0.append(event) } }

    var all: [SerialEvent] { events.withLock { $0 } }

    var data: [UInt8] { all.flatMap { event -> [UInt8] in if case .data(let bytes, _) = event { return bytes } else { return [] } } }

    var openedCount: Int { all.filter { event -> Bool in if case .opened = event { return true } else { return false } }.count }

    var closeReasons: [CloseReason] { all.compactMap { event -> CloseReason? in if case .closed(let reason) = event { return reason } else { return nil } } }

    /// Waits (generously, only to avoid hanging) until `condition` holds; returns whether it did.
    /// 30 s: generous, because a loaded CI machine can stall a pty test for seconds; success returns at once.
    func waitUntil(seconds: Double = 30, _ condition: (EventLog) -> Bool) async -> Bool {
        await Eventually.holds(within: seconds, scaledByLoad: false, pollMilliseconds: 20) { condition(self) }
    }

    func finished() async { await task.withLock { $0 }?.value }
}

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Reads from `port` until `count` bytes arrived or the deadline passes.
func readAll(from port: SerialPort, count: Int, seconds: Double = 10) throws -> [UInt8] {
    var received: [UInt8] = []
    let deadline = monotonicSeconds() + seconds
    while received.count < count, monotonicSeconds() < deadline {
        _ = port.waitReadable(timeoutMilliseconds: 50)
        if case .bytes(let bytes) = try port.read(max: 97) { received += bytes }
    }
    return received
}

/// Reads whatever arrives on `port` during `seconds` of real time (a simulator's pacing), on a thread of its own: a
/// test holding one of the cooperative pool's 2 threads for the window stalls every other test of a parallel pass.
func collect(_ port: SerialPort, seconds: Double) async throws -> [UInt8] {
    try await LabChildProcess.offThePool { Result { try collectBlocking(port, seconds: seconds) } }.get()
}

/// `collect` on the calling thread: only inside `LabChildProcess.offThePool`, for a sequence that must keep time
/// between its windows (a keep-alive), which a test resuming on a busy pool would not.
func collectBlocking(_ port: SerialPort, seconds: Double) throws -> [UInt8] {
    var received: [UInt8] = []
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        _ = port.waitReadable(timeoutMilliseconds: 20)
        switch try port.read() {
        case .bytes(let bytes): received += bytes
        case .wouldBlock: continue
        case .hangup(let detail): throw SerialError.unplugged(path: port.path, detail: detail)
        }
    }
    return received
}
