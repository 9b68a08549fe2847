/// The options every `iomt-lab ble-sim` device takes, checked one way: the problem with the value, or nil once `set`.
enum BLESimOptions {
    /// `--help` or `-h` anywhere: prints `usage` and says so (the command then exits 0).
    static func printedHelp(_ arguments: [String], usage: String) -> Bool {
        guard arguments.contains("--help") || arguments.contains("-h") else { return false }
        print(usage)
        return true
    }

    /// The options of a device with a command of its own: `--device` (which must name `device`: the usage is for it),
    /// `--adapter` and `--name`, checked as `adapter` and `name` check them.
    static func deviceAdapterOrName(_ option: String, _ value: String, device: String, adapter set: (String) -> Void,
                                    name setName: (String) -> Void) -> String? {
        switch option {
        case "--device": value == device ? nil : "this usage is for --device \(device)"
        case "--adapter": adapter(value, set)
        default: name(value, setName)
        }
    }

    /// `--adapter hciN`.
    static func adapter(_ value: String, _ set: (String) -> Void) -> String? {
        guard value.hasPrefix("hci"), Int(value.dropFirst(3)) != nil else { return "--adapter expects hciN, got \"\(value)\"" }
        set(value)
        return nil
    }

    /// `--name NAME`: it goes into the advertisement.
    static func name(_ value: String, _ set: (String) -> Void) -> String? {
        guard !value.isEmpty, value.utf8.count <= 29 else { return "--name must be 1-29 bytes (it goes into the advertisement)" }
        set(value)
        return nil
    }
}
