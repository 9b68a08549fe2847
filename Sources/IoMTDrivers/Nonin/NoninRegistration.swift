import IoMTCore

/// Nonin serial data formats 2 and 8 (`selectFormat`: send the select-format command at link up).
enum NoninRegistration {
    static let all: [DriverRegistration] = [
        DriverRegistration(id: DriverRegistry.noninFormat2, options: ["reportIntervalMs", "selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat2Session(reportIntervalMs: try reportInterval(options), selectsFormat: try options.boolean("selectFormat", default: false))
        },
        DriverRegistration(id: DriverRegistry.noninFormat8, options: ["reportIntervalMs", "selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat8Session(reportIntervalMs: try reportInterval(options), selectsFormat: try options.boolean("selectFormat", default: false))
        },
        // Spot-checks, one reading each with the device's time: no reporting window.
        DriverRegistration(id: DriverRegistry.noninFormat13, options: ["selectFormat"]) { _, options throws(DriverConfigurationError) in
            NoninFormat13Session(selectsFormat: try options.boolean("selectFormat", default: false))
        },
    ]
}
