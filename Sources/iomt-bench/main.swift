import Foundation
import IoMTCore

// iomt-bench — release-build benchmarks. Run: swift run -c release iomt-bench [--quick] [--daemon-seconds N]
// Prints each figure next to its target; the README's Benchmarks section records a run.
if CommandLine.arguments.dropFirst().first == "--drain-child" { exit(await DrainBench.child(Array(CommandLine.arguments.dropFirst(2)))) }
var options = BenchOptions()
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--quick": options.quick = true
    case "--daemon-seconds": options.daemonSeconds = Int(args.popFirst() ?? "") ?? options.daemonSeconds
    case "--skip-daemon": options.skipDaemon = true
    case "--only": options.only = Int(args.popFirst() ?? "")
    case "--drain-rows": options.drainRows = Int(args.popFirst() ?? "")
    case "--drain-bundle": options.drainBundle = Int(args.popFirst() ?? "")
    case "-h", "--help":
        print("usage: iomt-bench [--quick] [--daemon-seconds N] [--skip-daemon] [--only 1|2|3|4|5|6] [--drain-rows N] [--drain-bundle N]\n" +
              "  1. readings/s through decode → normalise → alert check → store (group commit) vs raw SQLite inserts\n" +
              "  2. frame-on-pty → committed latency p50/p99, 100 simulated devices at 1 Hz\n" +
              "  3. iomtd with 16 simulated CMS50s at 60 Hz forwarding to the local receiver: CPU, peak RSS, frame → DOM latency\n" +
              "  4. (only with --only 4, ~10 min) drain 1,000,000 buffered observations to the local receiver: obs/s per bundle size, forwarder peak RSS, receiver SIGKILL mid-drain;\n" +
              "     --drain-rows N drains N rows instead, --drain-bundle N skips the bundle-size sweep\n" +
              "  5. frame-on-pty → alert dispatched (exec hook started and exited / webhook answered) p50/p99, 100 devices at 1 Hz\n" +
              "  6. (only with --only 6) drain 1,000,000 buffered readings (100,000 with --quick) through the local mosquitto to a QoS 1\n" +
              "     subscriber: readings/s, CPU per reading (gateway / broker), peak RSS, lost / duplicated; --drain-rows, --drain-bundle (default 100) apply")
        exit(0)
    default: print("iomt-bench: unknown argument \(arg)"); exit(2)
    }
}
#if DEBUG
print("note: this is a debug build; benchmark figures are only meaningful with -c release")
#endif
let report = BenchReport()
if options.only == nil || options.only == 1 { await PipelineThroughputBench.run(options: options, report: report) }
if options.only == nil || options.only == 2 { await PtyLatencyBench.run(options: options, report: report) }
if !options.skipDaemon, options.only == nil || options.only == 3 { await DaemonBench.run(options: options, report: report) }
// The drain (about 10 minutes today) runs only when asked for: --only 4.
if options.only == 4 { await DrainBench.run(options: options, report: report) }
// Needs Debian's mosquitto (scripts/setup.sh installs it): --only 6.
if options.only == 6 { await MQTTDrainBench.run(options: options, report: report) }
if options.only == nil || options.only == 5 { await AlertLatencyBench.run(options: options, report: report) }
report.printSummary()
