import Dispatch
import Foundation
import IoMTLab

/// Blocks until SIGINT or SIGTERM (the simulators run until told to stop), or until the caller's own work signals
/// `finished` first. The signals stay ignored afterwards, so a second one cannot kill a simulator that is stopping.
func waitForTerminationSignal(or finished: DispatchSemaphore = DispatchSemaphore(value: 0)) {
    var sources: [DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { finished.signal() }
        source.resume()
        sources.append(source)
    }
    finished.wait()
    sources.forEach { $0.cancel() }
}

/// Parses `--option value` pairs; returns nil (after printing why) on a malformed command line.
func parseOptions(_ args: ArraySlice<String>, usage: String, apply: (String, String) -> String?) -> Bool {
    var index = args.startIndex
    while index < args.endIndex {
        let option = args[index]
        guard index + 1 < args.endIndex else {
            FileHandle.standardError.write(Data("iomt-lab sim: \(option) needs a value\n\(usage)\n".utf8))
            return false
        }
        if let problem = apply(option, args[index + 1]) {
            FileHandle.standardError.write(Data("iomt-lab sim: \(problem)\n\(usage)\n".utf8))
            return false
        }
        index += 2
    }
    return true
}

/// The options every serial simulator takes: where to link its pty and its random seed; for an oximeter also the
/// script it plays and the noise it adds.
struct SerialSimulatorOptions {
    var link: String? = nil
    var seed: UInt64 = 1
    var script = OximetryScript.demo
    var garbage: CMS50Simulator.Garbage? = nil
    let oximeter: Bool

    /// Takes `option` if it is one of these; otherwise, or when its value is wrong, returns the problem.
    mutating func apply(_ option: String, _ value: String) -> String? {
        switch option {
        case "--link": link = value
        case "--seed":
            guard let number = UInt64(value) else { return "--seed must be a non-negative integer" }
            seed = number
        case "--script" where oximeter:
            guard let parsed = OximetryScript.named(value) else { return "unknown script \"\(value)\" (expected demo, steady or dip)" }
            script = parsed
        case "--garbage" where oximeter:
            guard let rate = Double(value), rate >= 0, rate <= 1 else { return "--garbage must be 0…1, got \"\(value)\"" }
            garbage = .init(rate: rate)
        default: return "unknown option \(option)"
        }
        return nil
    }
}

/// Starts `simulator` (on `link` too), prints `name: PATH`, runs until SIGINT or SIGTERM, stops it and prints `stopped()`.
func runUntilTerminated(_ simulator: PacedPseudoTerminalDevice, name: String, device: String, link: String?,
                        stopped: () -> String) -> Int32 {
    do {
        let path = try simulator.start(symlinkPath: link)
        print("\(name): \(path)" + (link.map { " (link \($0))" } ?? ""))
    } catch {
        FileHandle.standardError.write(Data("iomt-lab sim: cannot start the \(device) simulator: \(error)\n".utf8))
        return 1
    }
    fflush(nil) // the path must reach a pipe reader before we block
    waitForTerminationSignal()
    simulator.stop()
    print(stopped())
    return 0
}
