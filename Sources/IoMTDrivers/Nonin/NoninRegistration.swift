import IoMTCore

/// Nonin serial data formats 2, 8 and 13 (`selectFormat`: send the select-format command at link up).
public enum NoninRegistration {
    public static let format2Id = "nonin-serial-format2"
    public static let format8Id = "nonin-serial-format8"
    public static let format13Id = "nonin-serial-format13"

    static let all: [DriverRegistration] = [
        DriverRegistration(id: format2Id, options: ["reportIntervalMs", "selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat2Session(reportIntervalMs: try reportInterval(options), selectsFormat: try options.boolean("selectFormat", default: false))
        },
        DriverRegistration(id: format8Id, options: ["reportIntervalMs", "selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat8Session(reportIntervalMs: try reportInterval(options), selectsFormat: try options.boolean("selectFormat", default: false))
        },
        // Spot-checks, one reading each with the device's time: no reporting window.
        DriverRegistration(id: format13Id, options: ["selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat13Session(selectsFormat: try options.boolean("selectFormat", default: false))
        },
    ]
}
