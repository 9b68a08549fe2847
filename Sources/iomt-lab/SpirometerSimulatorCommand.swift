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
    var link: String? = nil
    var interval = 10.0
    var tear = 0.0
    var seed: UInt64 = 1
    let parsed = parseOptions(args.dropFirst(), usage: usage) { option, value in
        switch option {
        case "--link": link = value
        case "--interval":
            guard let seconds = Double(value), seconds >= 0.1, seconds <= 3600 else { return "--interval must be 0.1…3600 seconds, got \"\(value)\"" }
            interval = seconds
        case "--tear":
            guard let rate = Double(value), rate >= 0, rate <= 1 else { return "--tear must be 0…1, got \"\(value)\"" }
            tear = rate
        case "--seed":
            guard let number = UInt64(value) else { return "--seed must be a non-negative integer" }
            seed = number
        default: return "unknown option \(option)"
        }
        return nil
    }
    guard parsed else { return 64 }
    let simulator = SpirometerSimulator(intervalSeconds: interval, tearRate: tear, seed: seed)
    do {
        let path = try simulator.start(symlinkPath: link)
        print("spirometer: \(path)" + (link.map { " (link \($0))" } ?? ""))
    } catch {
        FileHandle.standardError.write(Data("iomt-lab sim: cannot start the spirometer simulator: \(error)\n".utf8))
        return 1
    }
    fflush(nil)
    waitForTerminationSignal()
    simulator.stop()
    print("spirometer: stopped after \(simulator.reportCount) reports")
    return 0
}
