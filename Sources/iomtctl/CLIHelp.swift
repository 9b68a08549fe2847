enum CLIHelp {
    static let overview = """
        Usage: iomtctl COMMAND [OPTIONS]

        The technician's interface to iomtd.

        Commands:
          decode      decode captured device bytes with a profile's driver and print observations as JSON
                      (--fhir: the transaction Bundle the daemon would upload)
          status      delivery queue: backlog, oldest undelivered age, last success, failures by kind, quarantined
          metrics     the same figures in Prometheus text format (as the daemon's metrics.prom)
          quarantine  list readings DOM refused for their content, with the server's reason
          help        show help for a command (iomtctl help decode)

        Options for every command: -h/--help.
        Exit codes: 0 success, 1 operation failed (e.g. no store file), 2 usage or input error.
        """

    static let command: [String: String] = [
        "decode": """
            Usage: iomtctl decode --profile ID --hex BYTES [--profiles-dir DIR] [--pretty]

            Decodes the bytes with the driver of profile ID, as if they had arrived from the device in one
            read, flushes the driver's reporting window, and prints:
              {"observations":[{"code":"MDC_PULS_OXIM_SAT_O2","mdc":150456,"value":"97","unit":"%",
                                "loinc":"2708-6","status":[],"deviceTime":null}, ...]}
            `value` is a string holding the decimal at the device's precision (null when the device
            reported none, e.g. finger out; `status` then says why).

              --profile ID        profile id (file name in the profiles directory, without .json)
              --hex BYTES         bytes as hex; spaces, colons and 0x prefixes are allowed
              --profiles-dir DIR  profiles directory (default $IOMT_PROFILES_DIR, /usr/share/iomtd/profiles, ./DeviceProfiles)
              --pretty            indent the JSON

            With --fhir, prints instead the FHIR transaction Bundle the daemon would upload these readings in
            (PhgDevice, PhdDevice, Observations; same code path as iomtd):
              --fhir              print the transaction Bundle
              --patient PESEL     required with --fhir; validated (check digit, birth date), never echoed
              --gateway-id EUI64  the daemon's gateway.systemId (default 0000000000000000)
              --serial-number SN  the device's serialNumber from the daemon configuration (default none)
              --device-path PATH  the device path from the daemon configuration (default /dev/iomt-capture)
              --at INSTANT        receipt time, ISO 8601 (default now)

            Exit codes: 0 decoded (possibly no observations), 2 unknown profile, malformed hex, invalid profile
            or invalid PESEL (the reason is printed, the PESEL is not).
            Example: iomtctl decode --profile contec-cms50d-plus --hex 'e8 30 08 48 61'
            """,
        "status": """
            Usage: iomtctl status [--state-dir DIR | --db FILE] [--json]

            Opens the store file strictly read-only (the daemon may be running: readers share its WAL; nothing
            is created, migrated or written) and prints the delivery queue for DOM: backlog, oldest undelivered
            reading and its age, last successful upload, delivered (retained) and quarantined counts, failed
            attempts by kind (http-503, timeout, …). metrics and quarantine list open the store the same way.

              --state-dir DIR  the daemon's stateDirectory (default /var/lib/iomtd); the store is DIR/iomtd.sqlite
              --db FILE        the store file itself
              --json           one JSON object

            Exit codes: 0 printed, 1 no store file, unreadable, or not a store of this release's schema, 2 usage error.
            """,
        "metrics": """
            Usage: iomtctl metrics [--state-dir DIR | --db FILE]

            Prints Prometheus text exposition: iomtd_backlog_readings, iomtd_oldest_undelivered_age_seconds,
            iomtd_last_success_timestamp_seconds, iomtd_delivery_failures_total{kind="…"},
            iomtd_quarantined_readings, iomtd_delivered_readings_total. The daemon writes the same text to
            <stateDirectory>/metrics.prom every 15 s (node_exporter textfile collector).

            Exit codes: 0 printed, 1 no store file or unreadable, 2 usage error.
            """,
        "quarantine": """
            Usage: iomtctl quarantine list [--state-dir DIR | --db FILE] [--json] [--show-patient] [--limit N]

            Readings set aside because DOM refused their content (or no patient was bound), oldest first,
            each with the server's OperationOutcome text. Patient identifiers are shown only with
            --show-patient (11-digit runs in server texts are masked otherwise).

            Exit codes: 0 printed (possibly none), 1 no store file or unreadable, 2 usage error.
            """,
    ]
}
