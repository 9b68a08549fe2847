import IoMTCore

/// A simulated Nonin oximeter on a pseudo-terminal, streaming data format #2 (75 frames/s) or #8
/// (one frame per second). It answers the format-select command with ACK and switches format, or
/// NACK for a format it does not simulate.
public final class NoninSimulator: PacedPseudoTerminalDevice, @unchecked Sendable {
    public enum Format: Int, Sendable, CaseIterable {
        case format2 = 2
        case format8 = 8
        var unitsPerSecond: Double { self == .format2 ? 75 : 1 }
    }

    public let script: OximetryScript
    public let garbage: CMS50Simulator.Garbage?
    private var format: Format
    private var random: SeededRandom
    private var unitsWritten: UInt64 = 0
    private var formatStartSeconds = 0.0
    private var pending: [[UInt8]] = []
    private var commandBuffer: [UInt8] = []
    private var commandsReceived: [[UInt8]] = []
    private var plethPhase = 0.0

    public init(format: Format, script: OximetryScript = .demo, seed: UInt64 = 1, garbage: CMS50Simulator.Garbage? = nil) {
        self.format = format; self.script = script; self.garbage = garbage
        self.random = SeededRandom(seed: seed)
        super.init(label: "iomt.sim.nonin", tickIntervalNanoseconds: 20_000_000)
    }

    public var currentFormat: Format { queue.sync { format } }
    /// Complete commands received from the host, in order.
    public var receivedCommands: [[UInt8]] { queue.sync { commandsReceived } }

    override public func produce(elapsedSeconds: Double, hostBytes: [UInt8]) -> [UInt8] {
        var output = handleCommands(hostBytes, at: elapsedSeconds)
        // Frames (format #2) or frames (format #8) due since the format started; a late tick batches.
        let due = UInt64((elapsedSeconds - formatStartSeconds) * format.unitsPerSecond) + 1
        while unitsWritten < due {
            let seconds = formatStartSeconds + Double(unitsWritten) / format.unitsPerSecond
            unitsWritten += 1
            switch format {
            case .format2:
                if pending.isEmpty { pending = NoninFrame.format2Packet(reading(at: seconds), pleth: plethWave(at: seconds)) }
                output += withGarbage(pending.removeFirst())
            case .format8:
                output += withGarbage(NoninFrame.format8Frame(reading(at: seconds)))
            }
        }
        return output
    }

    private func handleCommands(_ bytes: [UInt8], at seconds: Double) -> [UInt8] {
        commandBuffer += bytes
        var replies: [UInt8] = []
        while let start = commandBuffer.firstIndex(of: 0x02) {
            commandBuffer.removeFirst(start)
            guard commandBuffer.count >= 6 else { break }
            let command = Array(commandBuffer.prefix(6))
            guard command[1] == 0x70, command[2] == 0x02, command[3] == 0x02, command[5] == 0x03 else {
                commandBuffer.removeFirst()
                continue
            }
            commandBuffer.removeFirst(6)
            commandsReceived.append(command)
            if let selected = Format(rawValue: Int(command[4])) {
                replies.append(NoninFrame.ack)
                if selected != format {
                    format = selected
                    formatStartSeconds = seconds
                    unitsWritten = 0
                    pending = []
                }
            } else {
                replies.append(NoninFrame.nack)
            }
        }
        return replies
    }

    private func reading(at seconds: Double) -> NoninFrame.Reading {
        let segment = script.position(at: seconds).segment
        var reading = NoninFrame.Reading(spo2: min(100, max(0, segment.spo2)), pulseRate: min(510, max(0, segment.pulseRate)))
        if segment.fingerOut { reading.sensorDisconnected = true }
        if segment.searching { reading.outOfTrack = true }
        if segment.probeError { reading.sensorAlarm = true }
        if segment.fingerOut || segment.searching || segment.probeError || segment.pulseRate <= 0 {
            reading.spo2 = NoninFrame.missingSpO2
            reading.pulseRate = NoninFrame.missingPulseRate
            reading.perfusion = .none
        }
        return reading
    }

    private func plethWave(at seconds: Double) -> [UInt8] {
        let pulse = Double(max(30, script.position(at: seconds).segment.pulseRate))
        return (0..<25).map { _ in
            plethPhase += pulse / 60.0 / 75.0
            if plethPhase >= 1 { plethPhase -= 1 }
            let shape = plethPhase < 0.15 ? plethPhase / 0.15 : 1 - (plethPhase - 0.15) / 0.85
            return UInt8(max(0, min(255, Int(20 + shape * 200) + Int.random(in: -2...2, using: &random))))
        }
    }

    private func withGarbage(_ frame: [UInt8]) -> [UInt8] { garbage?.apply(to: frame, random: &random) ?? frame }
}
