import IoMTCore

/// Text reports printed over serial (spirometers and other report printers); the format comes from the options.
public enum TextReportRegistration {
    public static let driverId = "serial-text-report"

    static let all: [DriverRegistration] = [
        DriverRegistration(id: driverId, options: TextReportFormat.optionNames) { _, options throws(DriverConfigurationError) in
            TextReportSession(format: try TextReportFormat.parse(options))
        },
    ]
}
