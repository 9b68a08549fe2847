import Dispatch
import Glibc
import IoMTCore
import IoMTTransport

/// The pty plumbing shared by the serial simulators (CMS50, Nonin, spirometer): a pseudo-terminal (and a stable
/// symlink to its slave), a timer on a private queue, the cable pulled and plugged back, host bytes read from the
/// master each tick. Subclasses override `produce(elapsedSeconds:hostBytes:)` and return the bytes to write, or
/// `tick(_:now:)` when they pace their own writes.
///
/// All mutable state lives on `queue`; public methods hop onto it synchronously.
open class PacedPseudoTerminalDevice: @unchecked Sendable {
    public let tickIntervalNanoseconds: UInt64
    let queue: DispatchQueue
    private var timer: DispatchSourceTimer?
    private var pty: PseudoTerminal?
    private var symlinkPath: String?
    /// When `start` ran (monotonic nanoseconds).
    private(set) var startNanoseconds: UInt64 = 0
    private var written: UInt64 = 0

    init(label: String, tickIntervalNanoseconds: UInt64) {
        precondition(tickIntervalNanoseconds > 0)
        self.queue = DispatchQueue(label: label)
        self.tickIntervalNanoseconds = tickIntervalNanoseconds
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
            pluggedIn()
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now(), repeating: .nanoseconds(Int(tickIntervalNanoseconds)), leeway: .milliseconds(2))
            source.setEventHandler { [weak self] in self?.timerFired() }
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

    /// Pulls the cable: removes the symlink (as udev removes a device's links) and closes the pty master, so a
    /// reader of the slave sees a hang-up. Nothing is written until `replug()`.
    public func unplug() {
        queue.sync {
            // Unlink first, as in stop(): a reader retrying a link to the closed pty would take whichever new pty
            // (another test's, a umockdev device's) is given its /dev/pts number next.
            if let symlinkPath { _ = unlink(symlinkPath) }
            pty?.close()
            pty = nil
            unplugged()
        }
    }

    /// Plugs back in on a new pty; the symlink (if any) is moved to it. Returns the new slave path.
    @discardableResult
    public func replug() throws -> String {
        try queue.sync {
            let terminal = try PseudoTerminal()
            if let symlinkPath { try terminal.publish(symlink: symlinkPath) }
            pty = terminal
            pluggedIn()
            return terminal.slavePath
        }
    }

    public var slavePath: String? { queue.sync { pty?.slavePath } }
    /// Bytes the pty accepted so far.
    public var byteCount: UInt64 { queue.sync { written } }

    /// On `queue`: the bytes due at `elapsedSeconds` after start, given what the host sent since the last tick.
    open func produce(elapsedSeconds: Double, hostBytes: [UInt8]) -> [UInt8] { [] }

    /// On `queue`, every tick while plugged in: hands the host's bytes to `produce` and writes what it returns.
    open func tick(_ pty: PseudoTerminal, now: UInt64) {
        let elapsed = Double(now - startNanoseconds) / 1e9
        _ = write(produce(elapsedSeconds: elapsed, hostBytes: pty.readMaster()), to: pty)
    }

    /// On `queue`, at start and at every replug: a device powered up on a fresh cable.
    open func pluggedIn() {}

    /// On `queue`, after `unplug()` closed the pty.
    open func unplugged() {}

    /// Like a device, drops what the pty will not take instead of blocking; returns the bytes it took.
    func write(_ bytes: [UInt8], to pty: PseudoTerminal) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let taken = pty.writeMaster(bytes)
        written += UInt64(taken)
        return taken
    }

    private func timerFired() {
        guard let pty else { return }
        tick(pty, now: monotonicNanoseconds())
    }
}
