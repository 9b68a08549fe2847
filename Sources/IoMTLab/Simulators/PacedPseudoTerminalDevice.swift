import Dispatch
import Glibc
import IoMTCore
import IoMTTransport

/// The pty plumbing shared by the Nonin and spirometer simulators: a pseudo-terminal (and a stable
/// symlink to its slave), a timer on a private queue, host bytes read from the master each tick.
/// Subclasses override `produce(elapsedSeconds:hostBytes:)` and return the bytes to write.
///
/// All mutable state lives on `queue`; public methods hop onto it synchronously.
open class PacedPseudoTerminalDevice: @unchecked Sendable {
    public let tickIntervalMilliseconds: Int
    let queue: DispatchQueue
    private var timer: DispatchSourceTimer?
    private var pty: PseudoTerminal?
    private var symlinkPath: String?
    private var startNanoseconds: UInt64 = 0
    private var written: UInt64 = 0

    init(label: String, tickIntervalMilliseconds: Int) {
        precondition(tickIntervalMilliseconds > 0)
        self.queue = DispatchQueue(label: label)
        self.tickIntervalMilliseconds = tickIntervalMilliseconds
    }

    deinit {
        timer?.cancel()
        pty?.close()
    }

    /// Creates the pseudo-terminal (and `symlinkPath` → its slave) and starts the timer. Returns the slave path.
    @discardableResult
    public func start(symlinkPath: String? = nil) throws -> String {
        try queue.sync {
            precondition(timer == nil, "start() called twice")
            let terminal = try PseudoTerminal()
            if let symlinkPath { try terminal.publish(symlink: symlinkPath) }
            pty = terminal
            self.symlinkPath = symlinkPath
            startNanoseconds = monotonicNanoseconds()
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now(), repeating: .milliseconds(tickIntervalMilliseconds), leeway: .milliseconds(2))
            source.setEventHandler { [weak self] in self?.tick() }
            timer = source
            source.resume()
            return terminal.slavePath
        }
    }

    /// Stops the timer, closes the pty (hanging up any reader) and removes the symlink.
    public func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
            // Unlink first: once the pty is closed its /dev/pts number can be handed to another
            // device, and a reader reopening a stale link would take that device instead.
            if let symlinkPath { _ = unlink(symlinkPath) }
            pty?.close()
            pty = nil
        }
    }

    public var slavePath: String? { queue.sync { pty?.slavePath } }
    /// Bytes the pty accepted so far.
    public var byteCount: UInt64 { queue.sync { written } }

    /// On `queue`: the bytes due at `elapsedSeconds` after start, given what the host sent since the last tick.
    open func produce(elapsedSeconds: Double, hostBytes: [UInt8]) -> [UInt8] { [] }

    private func tick() {
        guard let pty else { return }
        let elapsed = Double(monotonicNanoseconds() - startNanoseconds) / 1e9
        let output = produce(elapsedSeconds: elapsed, hostBytes: pty.readMaster())
        // Like a device, drop what the pty will not take instead of blocking.
        if !output.isEmpty { written += UInt64(pty.writeMaster(output)) }
    }
}
