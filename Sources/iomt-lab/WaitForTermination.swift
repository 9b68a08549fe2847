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

/// Parses `--option value` pairs and the lone `flags` (handed to `flag`), in any order; false (after printing why, as
/// `program: …`, with the usage) on a malformed command line. `apply` takes an option or returns the problem with it.
func parseOptions(_ args: ArraySlice<String>, usage: String, program: String = "iomt-lab sim", flags: Set<String> = [],
                  flag: (String) -> Void = { _ in }, apply: (String, String) -> String?) -> Bool {
    var index = args.startIndex
    while index < args.endIndex {
        let option = args[index]
        if flags.contains(option) { flag(option); index += 1; continue }
        let problem = index + 1 < args.endIndex ? apply(option, args[index + 1]) : "\(option) needs a value"
        if let problem {
            FileHandle.standardError.write(Data("\(program): \(problem)\n\(usage)\n".utf8))
            return false
        }
        index += 2
    }
    return true
}

/// Hands `set` the option's value read as a number within `range`; otherwise returns the problem, naming the option and
/// the range ("--count must be 1…64, got \"0\"").
func readNumber<Number: LosslessStringConvertible & Comparable>(_ option: String, _ value: String, in range: ClosedRange<Number>,
                                                                 _ set: (Number) -> Void) -> String? {
    guard let number = Number(value), range.contains(number) else {
        return "\(option) must be \(plain(range.lowerBound))…\(plain(range.upperBound)), got \"\(value)\""
    }
    set(number)
    return nil
}

/// A bound as it is typed on a command line: 1, not 1.0.
private func plain(_ number: some LosslessStringConvertible) -> String {
    let text = number.description
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
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
            return readNumber(option, value, in: 0.0...1.0) { garbage = .init(rate: $0) }
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
