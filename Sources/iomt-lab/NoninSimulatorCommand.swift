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
    var options = SerialSimulatorOptions(oximeter: true)
    let parsed = parseOptions(args.dropFirst(), usage: usage) { option, value in
        guard option == "--format" else { return options.apply(option, value) }
        guard let number = Int(value), let parsed = NoninSimulator.Format(rawValue: number) else { return "--format must be 2 or 8, got \"\(value)\"" }
        format = parsed
        return nil
    }
    guard parsed else { return 64 }
    let simulator = NoninSimulator(format: format, script: options.script, seed: options.seed, garbage: options.garbage)
    return runUntilTerminated(simulator, name: "nonin format \(format.rawValue)", device: "Nonin", link: options.link) {
        "nonin: stopped after \(simulator.byteCount) bytes"
    }
}
