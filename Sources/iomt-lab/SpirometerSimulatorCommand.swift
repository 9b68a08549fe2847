import Foundation
import IoMTLab

/// `iomt-lab sim spirometer [--link PATH] [--interval SECONDS] [--tear RATE] [--seed N]`
func runSpirometerSimulatorCommand(_ args: [String]) -> Int32 {
    let usage = """
    usage: iomt-lab sim spirometer [--link PATH] [--interval SECONDS] [--tear RATE] [--seed N]
      Simulates a spirometer that prints a text report (FVC, FEV1, FEV1/FVC, PEF, FEF25-75, quality
      grade) after each test session, in the layout of the generic-spirometer-text-report profile.
      --interval S   seconds between reports (default 10; the first is printed at once)
      --tear R       probability 0…1 that a report is cut off halfway
    Runs until SIGINT or SIGTERM.
    """
    var options = SerialSimulatorOptions(oximeter: false)
    var interval = 10.0
    var tear = 0.0
    let parsed = parseOptions(args.dropFirst(), usage: usage) { option, value in
        switch option {
        case "--interval": readNumber(option, value, in: 0.1...3600.0) { interval = $0 }
        case "--tear": readNumber(option, value, in: 0.0...1.0) { tear = $0 }
        default: options.apply(option, value)
        }
    }
    guard parsed else { return 64 }
    let simulator = SpirometerSimulator(intervalSeconds: interval, tearRate: tear, seed: options.seed)
    return runUntilTerminated(simulator, name: "spirometer", device: "spirometer", link: options.link) {
        "spirometer: stopped after \(simulator.reportCount) reports"
    }
}
