import Dispatch
import Foundation
import IoMTDBus
import IoMTLab
import Synchronization

/// `iomt-lab ble-sim --device blood-pressure|pulse-oximeter|nonin-3230|and-ua651ble|lepu-pc60fw|jumper-jpd500f [--adapter hciN] [--fixtures DIR] [--name NAME]
///  [--interval-ms N] [--disconnect-after N] [--include-rejected]`: a BLE health device served through BlueZ
/// on the system bus until SIGINT/SIGTERM.
enum BLESimulatorCommand {
    static let usage = """
    usage: iomt-lab ble-sim --device blood-pressure|pulse-oximeter|nonin-3230|and-ua651ble|lepu-pc60fw|jumper-jpd500f
                            [--adapter hci0] [--fixtures DIR] [--name NAME] [--interval-ms N] [--disconnect-after N] [--include-rejected]
      Serves a Bluetooth LE health device through BlueZ (system bus): a GATT application with the device's
      service (Blood Pressure 0x1810 or Pulse Oximeter 0x1822) and Current Time 0x1805, an LE advertisement
      and a NoInputNoOutput agent on the adapter. Once a central subscribes, the measurement values of
      Firmware-Fixtures/ble-<device> are replayed (one per subscribed characteristic every --interval-ms,
      default 1000) in a loop; cases the decoder must reject are skipped unless --include-rejected.
      The Current Time starts at 2000-01-01 (an unset clock); writes by the central are logged.
      and-ua651ble: an A&D cuff — no Current Time Service, a Date Time 0x2A08 (read, write) in the BP service;
      once subscribed it indicates every case of Firmware-Fixtures/and-ua651ble once, then disconnects the
      central itself and advertises again a second later.
      nonin-3230, lepu-pc60fw, jumper-jpd500f: a vendor oximeter on its own 128-bit service (Nonin Oximetry
      46a970e0-…; Nordic UART 6e400001-…, frames on TX 6e400003-…; Jumper cdeacb80-…, frames on cdeacb81-…),
      no Current Time Service; the captures of Firmware-Fixtures/<device> are notified once subscribed. The
      PC-60FW's UART RX 6e400002-… and the Jumper's cdeacb82-… accept every write (logged, nothing answered).
      --fixtures DIR        default: Firmware-Fixtures/ble-<device> (the vendor devices: Firmware-Fixtures/<device>) found from the working directory
                            or the executable's location
      --disconnect-after N  after N values, drop the advertisement and disconnect the central from the
                            peripheral side (once), then advertise and serve again
    Logs one line per event on stdout ("ble-sim: StartNotify 2A35 ...", "ble-sim: current time written ...").
    Runs until SIGINT or SIGTERM.
    (--device contec-spirometer: see iomt-lab ble-sim --device contec-spirometer --help;
     --device o2ring: see iomt-lab ble-sim --device o2ring --help;
     --device contec-oximeter-ble or beurer-po60: see iomt-lab ble-sim --device beurer-po60 --help;
     --device omron-hem-7322t or omron-hem-7155t-fe4a: see iomt-lab ble-sim --device omron-hem-7322t --help)
    """

    static func run(_ arguments: [String]) -> Int32 {
        // Command/answer devices, not fixture replays: each has its own command (and usage).
        let dedicated: [String: ([String]) -> Int32] = [
            "contec-spirometer": ContecSpirometerSimCommand.run, "o2ring": O2RingSimCommand.run, "omron-hem-7322t": OmronCuffSimCommand.run,
            "omron-hem-7155t-fe4a": OmronCuffSimCommand.run,
            "contec-oximeter-ble": ContecOximeterSimCommand.run, "beurer-po60": ContecOximeterSimCommand.run,
        ]
        if let index = arguments.firstIndex(of: "--device"), arguments.indices.contains(index + 1), let run = dedicated[arguments[index + 1]] {
            return run(arguments)
        }
        if BLESimOptions.printedHelp(arguments, usage: usage) { return 0 }
        var device: BLESimulatedDevice? = nil
        var adapter = "hci0", fixtures: String? = nil, name: String? = nil
        var interval = 1000
        var disconnectAfter: Int? = nil
        var includeRejected = false
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data("iomt-lab ble-sim: \(message)\n\(usage)\n".utf8))
            return 64
        }
        let parsed = parseOptions(arguments[...], usage: usage, program: "iomt-lab ble-sim", flags: ["--include-rejected"],
                                  flag: { _ in includeRejected = true }) { option, value in
            switch option {
            case "--device":
                guard let parsed = BLESimulatedDevice(rawValue: value) else {
                    return "unknown device \"\(value)\" (expected blood-pressure, pulse-oximeter, nonin-3230, and-ua651ble, lepu-pc60fw, jumper-jpd500f, contec-spirometer, contec-oximeter-ble, beurer-po60, o2ring or omron-hem-7322t)"
                }
                device = parsed
            case "--adapter": return BLESimOptions.adapter(value) { adapter = $0 }
            case "--fixtures": fixtures = value
            case "--name": return BLESimOptions.name(value) { name = $0 }
            case "--interval-ms": return readNumber(option, value, in: 10...600_000) { interval = $0 }
            case "--disconnect-after":
                guard let parsed = Int(value), parsed >= 1 else { return "--disconnect-after must be a positive number of values, got \"\(value)\"" }
                disconnectAfter = parsed
            default: return "unknown option \(option)"
            }
            return nil
        }
        guard parsed else { return 64 }
        guard let device else { return fail("--device is required") }
        guard let directory = fixtures ?? defaultFixtureDirectory(device) else {
            return fail("cannot find Firmware-Fixtures/\(device.fixtureFolder) from the working directory or the executable; pass --fixtures DIR")
        }
        let simulator: BLEPeripheralSimulator
        do {
            let cases = try BLEFixtureLoader.load(directory: directory)
            simulator = try BLEPeripheralSimulator(
                configuration: .init(device: device, adapter: adapter, localName: name, intervalMilliseconds: interval,
                                     disconnectAfter: disconnectAfter, includeRejected: includeRejected),
                cases: cases, fixtureDirectory: directory, log: bleSimLog)
        } catch {
            FileHandle.standardError.write(Data("iomt-lab ble-sim: \(error)\n".utf8))
            return 1
        }
        bleSimLog("\(device.rawValue) on \(adapter), fixtures \(directory)")
        return serveOnSystemBus(simulator)
    }

    /// Firmware-Fixtures/<fixture folder> in the working directory or above the executable (a build directory).
    static func defaultFixtureDirectory(_ device: BLESimulatedDevice) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.path)
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates {
            let path = candidate + "/Firmware-Fixtures/" + device.fixtureFolder
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }
}
