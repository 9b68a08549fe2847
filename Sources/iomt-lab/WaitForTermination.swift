import Dispatch
import Foundation

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
