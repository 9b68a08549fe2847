/// The options every `iomt-lab ble-sim` device takes, checked one way: the problem with the value, or nil once `set`.
enum BLESimOptions {
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
