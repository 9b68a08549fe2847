import Dispatch
import Glibc
import IoMTCore
import IoMTTransport

/// A simulated Contec CMS50D+/CMS50E on a pseudo-terminal: the daemon opens the slave path (or a
/// stable symlink to it) like a USB serial adapter; we write frames to the master at `frameRate`.
///
/// All mutable state lives on `queue`; public methods hop onto it synchronously.
public final class CMS50Simulator: PacedPseudoTerminalDevice, @unchecked Sendable {
    public enum Generation: String, Sendable, CaseIterable {
        /// 19200 8O1, 5-byte frames, streams without being asked.
        case legacy
        /// CMS50E/EW firmware 4.6: 115200 8N1, 9-byte frames after the host sends A1, keep-alive required.
        case v46
    }

    /// Random bytes and torn frames, to exercise a decoder's resynchronisation.
    public struct Garbage: Sendable, Hashable {
        /// Probability per frame (0…1) that noise is injected before it or the frame is cut short.
        public var rate: Double
        public init(rate: Double) { self.rate = rate }
    }

    public let generation: Generation
    public let script: OximetryScript
    public let frameRate: Int
    public let garbage: Garbage?
    /// v4.6 only: stop streaming when no host command arrived for this long.
    public let keepAliveTimeoutSeconds: Double

    private var random: SeededRandom
    private var frameIndex: UInt64 = 0
    private var framesWritten: UInt64 = 0
    private var streaming = false
    private var lastCommandNanoseconds: UInt64 = 0
    private var commandBuffer: [UInt8] = []
    private var commandsReceived: [UInt8] = []
    private var plethPhase = 0.0
    private var replayBytes: [UInt8] = []
    private var replayOffset = 0
    private var replayChunkSize = 0
    private var replayIntervalNanoseconds: UInt64 = 0
    private var replayNextNanoseconds: UInt64 = 0
    /// v4.6 only: the recording memory (nil: a device that answers only A1, as before the stored-data protocol).
    private var stored: CMS50StoredMemory?
    private var storedPackets: [[UInt8]] = []

    public init(generation: Generation, script: OximetryScript = .demo, frameRate: Int = 60, seed: UInt64 = 1,
                garbage: Garbage? = nil, keepAliveTimeoutSeconds: Double = 5) {
        precondition(frameRate > 0 && frameRate <= 1000)
        self.generation = generation; self.script = script; self.frameRate = frameRate
        self.garbage = garbage; self.keepAliveTimeoutSeconds = keepAliveTimeoutSeconds
        self.random = SeededRandom(seed: seed)
        super.init(label: "iomt.sim.cms50", tickIntervalNanoseconds: 1_000_000_000 / UInt64(frameRate))
    }

    /// v4.6: holds `segments` in the recording memory and answers the stored-data commands of the V7.0 document
    /// (A2, A3, A4, A5, A6, A7, AF, B1, B2; any other but A1 with the "not supported" feedback). `growthPerSync`: samples
    /// the first segment gains before every sync after the first.
    public func storeRecording(_ segments: [CMS50StoredSegment], growthPerSync: Int = 0) {
        queue.sync { stored = CMS50StoredMemory(segments: segments, growthPerSync: growthPerSync) }
    }

    /// The recording memory as the host left it (transfers, clock settings, delete requests).
    public var storedMemory: CMS50StoredMemory? { queue.sync { stored } }

    /// Legacy firmware streams from power-on; v4.6 waits for A1.
    override public func pluggedIn() {
        streaming = generation == .legacy
        commandBuffer = []
    }

    override public func unplugged() { streaming = false }

    /// Sends `capture` byte-exactly instead of synthesised frames: `chunkSize` bytes every `intervalMilliseconds`.
    public func replay(captureHex capture: [UInt8], chunkSize: Int = 64, intervalMilliseconds: Int = 10) {
        precondition(chunkSize > 0 && intervalMilliseconds >= 0)
        queue.sync {
            replayBytes = capture
            replayOffset = 0
            replayChunkSize = chunkSize
            replayIntervalNanoseconds = UInt64(intervalMilliseconds) * 1_000_000
            replayNextNanoseconds = 0
        }
    }

    /// Parses a Firmware-Fixtures capture.hex text and replays it.
    public func replay(captureHexText text: String, chunkSize: Int = 64, intervalMilliseconds: Int = 10) throws {
        replay(captureHex: try Hex.bytes(from: text), chunkSize: chunkSize, intervalMilliseconds: intervalMilliseconds)
    }

    /// Frames handed to the pty so far (complete or torn).
    public var frameCount: UInt64 { queue.sync { framesWritten } }
    public var isStreaming: Bool { queue.sync { streaming } }
    /// Command codes received from the host (v4.6), in order.
    public var receivedCommands: [UInt8] { queue.sync { commandsReceived } }
    public var replayFinished: Bool { queue.sync { replayOffset >= replayBytes.count } }

    // MARK: - on `queue`

    override public func tick(_ pty: PseudoTerminal, now: UInt64) {
        if generation == .v46 { handleHostCommands(pty, now: now) }
        if !storedPackets.isEmpty {
            // A few packages per tick (about 180 samples a second): a transfer takes time, as over Bluetooth.
            let batch = storedPackets.prefix(10)
            storedPackets.removeFirst(batch.count)
            _ = write(Array(batch.joined()), to: pty)
        }
        if !replayBytes.isEmpty {
            replayTick(pty, now: now)
            return
        }
        // Frames due since start; batching catches up after a late timer without drifting.
        let due = (now - startNanoseconds) * UInt64(frameRate) / 1_000_000_000 + 1
        var output: [UInt8] = []
        var count: UInt64 = 0
        while frameIndex < due {
            let sample = makeSample(frame: frameIndex)
            frameIndex += 1
            guard streaming else { continue }
            output += withGarbage(generation == .legacy ? CMS50Frame.legacy(sample) : CMS50Frame.v46(sample))
            count += 1
        }
        _ = write(output, to: pty)
        framesWritten += count
    }

    private func replayTick(_ pty: PseudoTerminal, now: UInt64) {
        guard replayOffset < replayBytes.count, now >= replayNextNanoseconds else { return }
        let end = min(replayBytes.count, replayOffset + replayChunkSize)
        replayOffset += write(Array(replayBytes[replayOffset..<end]), to: pty)
        replayNextNanoseconds = now + replayIntervalNanoseconds
    }

    private func handleHostCommands(_ pty: PseudoTerminal, now: UInt64) {
        commandBuffer += pty.readMaster()
        while commandBuffer.count >= 9 {
            guard commandBuffer[0] == 0x7D, let command = CMS50Frame.v46Unpack(Array(commandBuffer[0..<9])) else {
                commandBuffer.removeFirst()
                continue
            }
            let code = command.payload[0]
            commandBuffer.removeFirst(9)
            commandsReceived.append(code)
            lastCommandNanoseconds = now
            if code == CMS50Frame.Command.startLiveData.rawValue { streaming = true }
            if stored != nil { _ = write(answerStoredDataCommand(code, Array(command.payload.dropFirst())), to: pty) }
        }
        if streaming, Double(now - lastCommandNanoseconds) / 1e9 > keepAliveTimeoutSeconds { streaming = false }
    }

    /// The V7.0 document's answer to one command (Table 7), for a device holding a recording.
    private func answerStoredDataCommand(_ code: UInt8, _ parameters: [UInt8]) -> [UInt8] {
        guard var memory = stored else { return [] }
        defer { stored = memory }
        switch memory.react(to: code, parameters: parameters) {
        case let .answer(bytes): return bytes
        case let .sendData(packets):
            storedPackets = packets
            return []
        case let .stopData(bytes):
            storedPackets = []
            return bytes
        case let .live(on, bytes):
            streaming = on
            return bytes
        }
    }

    private func makeSample(frame: UInt64) -> CMS50Sample {
        let seconds = Double(frame) / Double(frameRate)
        let (segment, elapsed, previous) = script.position(at: seconds)
        let noFinger = segment.fingerOut
        let pulse = noFinger || segment.searching || segment.pulseRate <= 0 ? CMS50Sample.invalidPulseRate : min(254, segment.pulseRate)
        let spo2 = noFinger || segment.searching ? CMS50Sample.invalidSpO2 : min(100, max(0, segment.spo2))
        var beat = false
        var pleth = 0
        if pulse != CMS50Sample.invalidPulseRate {
            plethPhase += Double(pulse) / 60.0 / Double(frameRate)
            if plethPhase >= 1 { plethPhase -= 1; beat = true }
            // A systolic upstroke then a slower decay, plus a little seeded noise.
            let shape = plethPhase < 0.15 ? plethPhase / 0.15 : 1 - (plethPhase - 0.15) / 0.85
            pleth = max(0, min(127, Int(10 + shape * 100) + Int.random(in: -2...2, using: &random)))
        }
        return CMS50Sample(pleth: pleth, signalStrength: noFinger ? 0 : 6, barGraph: pleth * 15 / 127, beat: beat,
                           fingerOut: noFinger, searching: segment.searching, probeError: segment.probeError,
                           spo2Dropping: !noFinger && elapsed < 3 && segment.spo2 < previous.spo2,
                           pulseRate: pulse, spo2: spo2)
    }

    private func withGarbage(_ frame: [UInt8]) -> [UInt8] { garbage?.apply(to: frame, random: &random) ?? frame }
}

extension CMS50Simulator.Garbage {
    /// The frame as a noisy line delivers it: as is, or with probability `rate` after random bytes or cut short.
    func apply(to frame: [UInt8], random: inout SeededRandom) -> [UInt8] {
        guard Double.random(in: 0..<1, using: &random) < rate else { return frame }
        if Bool.random(using: &random) {
            return (0..<Int.random(in: 1...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } + frame
        }
        return Array(frame.prefix(Int.random(in: 1..<frame.count, using: &random))) // torn frame
    }
}
