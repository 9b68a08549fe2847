import IoMTCore

/// The two CMS50 firmware generations. Both read through the detecting session: hotplug cannot tell them apart.
public enum CMS50Registration {
    public static let legacyId = "contec-cms50-legacy"
    public static let v46Id = "contec-cms50-v46"

    static let all: [DriverRegistration] = [
        DriverRegistration(id: legacyId, options: ["reportIntervalMs"]) { _, options throws(DriverConfigurationError) in
            CMS50GenerationDetectingSession(starting: .legacy, reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: 5000)
        },
        DriverRegistration(id: v46Id, options: ["reportIntervalMs", "keepAliveIntervalMs", "downloadStoredData", "storageIntervalSeconds",
                                                 "storedLengthUnit", "storedAnswerTimeoutMs"]) { _, options throws(DriverConfigurationError) in
            // The device stops a live run after about 30 s; 5 s leaves room for lost commands.
            let keepAlive = Int64(try options.integer("keepAliveIntervalMs", in: 1000...25_000, default: 5000))
            // Only the Bluetooth profile downloads the recording memory: the USB generations keep their detecting session.
            guard try options.boolean("downloadStoredData", default: false) else {
                return CMS50GenerationDetectingSession(starting: .v46, reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: keepAlive)
            }
            return CMS50StoredDataSession(reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: keepAlive,
                                          download: try storedDownloadOptions(options))
        },
    ]
}

/// The oximeters' reporting window (`reportIntervalMs`, 100 ms to 60 s, default 1 s).
func reportInterval(_ options: DriverOptions) throws(DriverConfigurationError) -> Int64 {
    Int64(try options.integer("reportIntervalMs", in: 100...60_000, default: 1000))
}

/// The stored-data download's options (README.md, "Stored data": what each default rests on).
func storedDownloadOptions(_ options: DriverOptions) throws(DriverConfigurationError) -> CMS50StoredDownload.Options {
    var download = CMS50StoredDownload.Options()
    download.storageIntervalSeconds = try options.integer("storageIntervalSeconds", in: 1...60, default: 1)
    download.answerTimeoutMs = Int64(try options.integer("storedAnswerTimeoutMs", in: 1000...30_000, default: 2000))
    download.lengthUnit = try options.choice("storedLengthUnit", default: CMS50StoredDownload.LengthUnit.bytes)
    return download
}
