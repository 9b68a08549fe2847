import Foundation
import IoMTLab

/// `iomt-lab sim nonin [--format 2|8] [--link PATH] [--script demo|steady|dip] [--garbage RATE] [--seed N]`
func runNoninSimulatorCommand(_ args: [String]) -> Int32 {
    let usage = """
    usage: iomt-lab sim nonin [--format 2|8] [--link PATH] [--script demo|steady|dip] [--garbage RATE] [--seed N]
      Simulates a Nonin serial oximeter (data format #2: 75 frames/s, or #8: one frame/s) on a
      pseudo-terminal and prints its path. The device answers the format-select command
      (02 70 02 02 <format> 03) with ACK and switches format.
    Runs until SIGINT or SIGTERM.
    """
    var format = NoninSimulator.Format.format2
    var link: String? = nil
    var script = OximetryScript.demo
    var garbage: CMS50Simulator.Garbage? = nil
    var seed: UInt64 = 1
    let parsed = parseOptions(args.dropFirst(), usage: usage) { option, value in
        switch option {
        case "--format":
            guard let number = Int(value), let parsed = NoninSimulator.Format(rawValue: number) else { return "--format must be 2 or 8, got \"\(value)\"" }
            format = parsed
        case "--link": link = value
        case "--script":
            guard let parsed = OximetryScript.named(value) else { return "unknown script \"\(value)\" (expected demo, steady or dip)" }
            script = parsed
        case "--garbage":
            guard let rate = Double(value), rate >= 0, rate <= 1 else { return "--garbage must be 0…1, got \"\(value)\"" }
            garbage = .init(rate: rate)
        case "--seed":
            guard let number = UInt64(value) else { return "--seed must be a non-negative integer" }
            seed = number
        default: return "unknown option \(option)"
        }
        return nil
    }
    guard parsed else { return 64 }
    let simulator = NoninSimulator(format: format, script: script, seed: seed, garbage: garbage)
    do {
        let path = try simulator.start(symlinkPath: link)
        print("nonin format \(format.rawValue): \(path)" + (link.map { " (link \($0))" } ?? ""))
    } catch {
        FileHandle.standardError.write(Data("iomt-lab sim: cannot start the Nonin simulator: \(error)\n".utf8))
        return 1
    }
    fflush(nil) // the path must reach a pipe reader before we block
    waitForTerminationSignal()
    simulator.stop()
    print("nonin: stopped after \(simulator.byteCount) bytes")
    return 0
}
