import Dispatch
import Foundation
import IoMTDBus
import IoMTLab

/// `iomt-lab ble-sim --device omron-hem-7322t | omron-hem-7155t-fe4a`: an Omron cuff on the classic or the FE4A stack
/// through BlueZ.
enum OmronCuffSimCommand {
    static let usage = """
    usage: iomt-lab ble-sim --device omron-hem-7322t|omron-hem-7155t-fe4a [--adapter hci0] [--name NAME] [--records N] [--user2-records N]
                            [--clock-offset S] [--disconnect-after-sync] [--add-record-after-sync K]
      Serves a simulated Omron HEM-7322T (Sources/IoMTDrivers/OmronBLE/README.md) through BlueZ (system bus): the
      parent service ecbe3980-… with TX0-TX3 (write), RX0-RX3 (notify) and the unlock characteristic, an LE
      advertisement and a NoInputNoOutput agent. Starts in pairing mode without a key: the first central programs
      one (02 + zeros → 82 00, 00 + key → 80 00), later ones must unlock with it (01 + key → 81 00). Answers start,
      read, write and end packets from its EEPROM: N records of user 1 (default 3; one every ten minutes up to the
      start, host clock as device time) and --user2-records N of user 2 (default 1; another person: the gateway reads both
      users on one connection and binds each on its own), big-endian 14-byte records; the unread counters and the
      records stay as they are unless the central writes them.
      --device omron-hem-7155t-fe4a serves the HEM-7155T's FE4A firmware instead: service 0000fe4a-… with TX0 (write),
      RX0 (notify) and the unlock characteristic; OS bonding only (the agent answers Just Works), then the token
      (11 + 4 bytes → 91 00 + the same 4 bytes) before memory is answered; whole packets in one write / one
      notification; 16-byte little-endian records, users at 0x02E8 / 0x06A8 × 60, the clock at 0x0260 + 0x2C.
      --clock-offset S            the cuff's clock is S seconds off the host's (negative: behind)
      --disconnect-after-sync     after each sync ends, drop the central's link; the central reconnects and syncs again
      --add-record-after-sync K   once sync K has ended, store one new record of user 1
      SIGUSR1                     store one new record of user 1 now
    Logs one line per event on stdout ("ble-sim: sync #1 ended: …", "ble-sim: record user 1 at …: 121/77 mmHg, pulse 65").
    Runs until SIGINT or SIGTERM.
    """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") { print(usage); return 0 }
        var configuration = OmronCuffPeripheral.Configuration()
        let parsed = parseOptions(arguments[...], usage: usage, program: "iomt-lab ble-sim", flags: ["--disconnect-after-sync"],
                                  flag: { _ in configuration.disconnectAfterSync = true }) { option, value in
            switch option {
            case "--device":
                switch value {
                case "omron-hem-7322t": configuration.model = .hem7322T
                case "omron-hem-7155t-fe4a": configuration.model = .hem7155TFE4A
                default: return "this usage is for --device omron-hem-7322t or omron-hem-7155t-fe4a"
                }
            case "--adapter":
                guard value.hasPrefix("hci"), Int(value.dropFirst(3)) != nil else { return "--adapter expects hciN, got \"\(value)\"" }
                configuration.adapter = value
            case "--name":
                guard !value.isEmpty, value.utf8.count <= 29 else { return "--name must be 1-29 bytes (it goes into the advertisement)" }
                configuration.localName = value
            case "--records": return readNumber(option, value, in: 0...99) { configuration.records = $0 }
            case "--user2-records": return readNumber(option, value, in: 0...99) { configuration.userTwoRecords = $0 }
            case "--clock-offset": return readNumber(option, value, in: -900_000_000...900_000_000) { configuration.clockOffsetSeconds = $0 }
            case "--add-record-after-sync": return readNumber(option, value, in: 1...1000) { configuration.addRecordAfterSync = $0 }
            default: return "unknown option \(option)"
            }
            return nil
        }
        guard parsed else { return 64 }
        let simulator = OmronCuffPeripheral(configuration: configuration) { line in
            print("ble-sim: " + line)
            fflush(nil)
        }
        print("ble-sim: \(configuration.model.name) on \(configuration.adapter), \(configuration.records) records of user 1, \(configuration.userTwoRecords) of user 2")
        fflush(nil)
        return serveOnSystemBus(addingRecordOnSIGUSR1: { await simulator.addRecordNow() }, start: { connection in
            try await simulator.export(on: connection)
            try await simulator.registerWithBlueZ()
        }, stop: { await simulator.stop() })
    }
}
