import Dispatch
import Foundation
import IoMTCore
import IoMTLab

/// `iomt-lab sim cms50 [--generation legacy|v46] [--link PATH] [--script demo|steady|dip]
///                     [--replay FILE.hex] [--count N] [--garbage RATE] [--seed N]
///                     [--stored-samples N] [--stored-growth N] [--stored-start YYYY-MM-DDTHH:MM:SS]`
func runSimulatorCommand(_ args: [String]) -> Int32 {
    let usage = """
    usage: iomt-lab sim cms50 [--generation legacy|v46] [--link PATH] [--script demo|steady|dip]
                              [--replay FILE.hex] [--count N] [--garbage RATE] [--seed N]
                              [--stored-samples N] [--stored-growth N] [--stored-start YYYY-MM-DDTHH:MM:SS]
      Simulates Contec CMS50 pulse oximeters on pseudo-terminals and prints their paths.
      (Also: iomt-lab sim nonin --help, iomt-lab sim spirometer --help.)
      --link PATH   stable symlink to the pty (with --count N: PATH-1 … PATH-N)
      --garbage R   inject noise / torn frames with probability R per frame (0…1)
      --stored-samples N  (v46) a recording of N samples in memory (one a second, a dip to 86 % from sample 60),
                    answered to the stored-data commands of the Contec V7.0 protocol (A2-A7, AF, B1, B2)
      --stored-start T    (v46) the recording's start on the device clock (default: two hours ago, local time)
      --stored-growth N   (v46) the recording gains N samples before every sync after the first
    Runs until SIGINT or SIGTERM.
    """
    switch args.first {
    case "nonin": return runNoninSimulatorCommand(args)
    case "spirometer": return runSpirometerSimulatorCommand(args)
    default: break
    }
    guard args.first == "cms50" else {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        return 64
    }
    var generation = CMS50Simulator.Generation.legacy
    var options = SerialSimulatorOptions(oximeter: true)
    var replayFile: String? = nil
    var count = 1
    var storedSamples: Int? = nil
    var storedGrowth = 0
    var storedStart = twoHoursAgoOnTheLocalClock()
    let parsed = parseOptions(args.dropFirst(), usage: usage) { option, value in
        switch option {
        case "--generation":
            guard let parsed = CMS50Simulator.Generation(rawValue: value) else { return "unknown generation \"\(value)\" (expected legacy or v46)" }
            generation = parsed
        case "--replay": replayFile = value
        case "--count": return readNumber(option, value, in: 1...64) { count = $0 }
        case "--stored-samples": return readNumber(option, value, in: 0...200_000) { storedSamples = $0 }
        case "--stored-growth": return readNumber(option, value, in: 0...100_000) { storedGrowth = $0 }
        case "--stored-start":
            guard let start = civilTime(value) else { return "--stored-start: expected YYYY-MM-DDTHH:MM:SS, found \"\(value)\"" }
            storedStart = start
        default: return options.apply(option, value)
        }
        return nil
    }
    guard parsed else { return 64 }

    var capture: String? = nil
    if let replayFile {
        guard let text = try? String(contentsOfFile: replayFile, encoding: .utf8) else {
            FileHandle.standardError.write(Data("iomt-lab sim: cannot read \(replayFile); pass a Firmware-Fixtures/<driver>/<case>/capture.hex\n\(usage)\n".utf8))
            return 64
        }
        capture = text
    }

    var simulators: [CMS50Simulator] = []
    for number in 1...count {
        let simulator = CMS50Simulator(generation: generation, script: options.script, seed: options.seed &+ UInt64(number - 1), garbage: options.garbage)
        let devicePath = options.link.map { count == 1 ? $0 : "\($0)-\(number)" }
        do {
            if let capture { try simulator.replay(captureHexText: capture) }
            if let storedSamples { simulator.storeRecording([.labNight(count: storedSamples, start: storedStart)], growthPerSync: storedGrowth) }
            let path = try simulator.start(symlinkPath: devicePath)
            print("cms50 \(generation.rawValue) #\(number): \(path)" + (devicePath.map { " (link \($0))" } ?? ""))
        } catch {
            simulators.forEach { $0.stop() }
            FileHandle.standardError.write(Data("iomt-lab sim: cannot start device \(number): \(error)\n".utf8))
            return 1
        }
        simulators.append(simulator)
    }
    fflush(nil) // the paths must reach a pipe reader before we block

    waitForTerminationSignal()
    for simulator in simulators {
        simulator.stop()
        print("cms50 \(generation.rawValue): stopped after \(simulator.frameCount) frames")
    }
    return 0
}

/// A device clock without a zone, from `YYYY-MM-DDTHH:MM:SS`.
private func civilTime(_ text: String) -> CivilTime? {
    let fields = text.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
    guard fields.count == 6 else { return nil }
    let time = CivilTime(year: fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4], second: fields[5])
    return time.isValid ? time : nil
}

/// A recording that started two hours ago, on a device clock set to local time (as its owner sets it).
private func twoHoursAgoOnTheLocalClock() -> CivilTime {
    let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date().addingTimeInterval(-7200))
    return CivilTime(year: parts.year ?? 2026, month: parts.month ?? 1, day: parts.day ?? 1,
                     hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0)
}
