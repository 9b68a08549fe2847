import IoMTCore

/// Text reports printed over serial (spirometers and other report printers); the format comes from the options.
enum TextReportRegistration {
    static let all: [DriverRegistration] = [
        DriverRegistration(id: DriverRegistry.serialTextReport, options: TextReportFormat.optionNames) { _, options throws(DriverConfigurationError) in
            TextReportSession(format: try TextReportFormat.parse(options))
        },
    ]
}
