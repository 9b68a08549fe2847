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
          readings    export stored readings as NDJSON (the input of 'rules test')
          rules       validate a rule file, or dry-run it over readings: which alerts would fire, when, from which rule
          alerts      list alerts; acknowledge or silence one (audited with your uid)
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

            Reads the store file (the daemon may be running; WAL lets readers work beside it) and prints the
            delivery queue for DOM: backlog, oldest undelivered reading and its age, last successful upload,
            delivered (retained) and quarantined counts, failed attempts by kind (http-503, timeout, …).

              --state-dir DIR  the daemon's stateDirectory (default /var/lib/iomtd); the store is DIR/iomtd.sqlite
              --db FILE        the store file itself
              --json           one JSON object

            Exit codes: 0 printed, 1 no store file or unreadable, 2 usage error.
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
        "readings": """
            Usage: iomtctl readings export [--state-dir DIR | --db FILE] [--since INSTANT] [--limit N]

            Prints stored readings, oldest first, one JSON object per line (NDJSON): the observation contract of
            `iomtctl decode` plus "id", "receivedAt", "correctedTime" and "device" (profileId, serialNumber, …).
            No patient identifiers. This is the input format of `iomtctl rules test --readings`.

              --since INSTANT  only readings received at or after this ISO 8601 instant
              --limit N        at most N readings

            Exit codes: 0 printed, 1 no store file or unreadable, 2 usage error.
            """,
        "rules": """
            Usage: iomtctl rules validate --rules FILE [--json]
                   iomtctl rules test --rules FILE --readings FILE [--patient REF] [--extend DURATION]
                                      [--profile ID] [--profiles-dir DIR] [--json]

            validate  parses the rule file (format: docs/alert-rules.md) and prints its version, rule count and
                      hash, or every problem with file, rule and field.
            test      runs the readings through the rule set with the daemon's own engine, ticking time once a
                      second from the first reading to the last, and prints which alerts would fire, when, and
                      from which rule (persistence, repetition/escalation and missed-measurement rules included).

              --readings FILE     NDJSON from `iomtctl readings export`, or lines of `iomtctl decode` output
                                  ({"observations":[…]}) carrying "receivedAt" (and "device", or pass --profile ID)
              --patient REF       apply this patient reference's rules (patients.REF in the rule file)
              --extend DURATION   keep time running after the last reading (e.g. 27h, to see missed measurements)
              --profiles-dir DIR  profiles, for each device's deviceClass (default as for decode)
              --json              one JSON object: the rule set, and every alert with its inputs

            Exit codes: 0 ran (alerts or none), 2 invalid rule file, unreadable or malformed readings, usage error.
            Example: iomtctl rules test --rules /etc/iomtd/rules.json --readings today.ndjson --patient P-0001
            """,
        "alerts": """
            Usage: iomtctl alerts list [--state-dir DIR | --db FILE] [--limit N] [--json]
                   iomtctl alerts ack ID [--state-dir DIR | --db FILE]
                   iomtctl alerts silence ID --for DURATION [--state-dir DIR | --db FILE]

            list     newest first: time, priority, fired/repeated/escalated, message, rule and rule-set version
                     and hash, device, acknowledgement, silence, channels it was sent on (--json adds the inputs
                     that fired it)
            ack      acknowledges the alert's episode: repetition and escalation stop
            silence  pauses repetition and escalation of the episode for DURATION (e.g. 15m; at most 24h)

            ack and silence are written to the store with your uid and audited; the running daemon applies
            them within a second. Messages carry no patient identifiers.

            Exit codes: 0 done, 1 no store file, unknown alert or store not writable, 2 usage error.
            """,
    ]
}
