import IoMTConfiguration

enum CLIHelp {
    static let overview = """
        Usage: iomtctl COMMAND [OPTIONS]

        The technician's interface to iomtd.

        Commands:
          decode      decode captured device bytes with a profile's driver and print observations as JSON
                      (--fhir: the transaction Bundle the daemon would upload)
          status      the running daemon: devices and their connection, delivery queue (backlog, oldest
                      undelivered, last upload, failures by kind, quarantined), alerts of the last 24 h
          devices     each device: profile, port or address, connection state, last reading
          bind        bind a device to a patient from a time (clinic mode; readings outside any binding are held)
          unbind      end a device's binding
          bindings    list bindings (patients masked unless --show-patient)
          scan        discover Bluetooth LE health devices and Classic (SPP) devices for a few seconds
          pair        pair and trust a Bluetooth device through the daemon's agent (--passkey/--pin when asked)
          forget      make BlueZ forget a Bluetooth device and its bond
          replay      run a Firmware-Fixtures capture through the running daemon (decode, store, alerts, DOM) as test data
          capture     record what a configured device sends for N seconds into a Firmware-Fixtures case skeleton
          trend       chart a measurement over time in the terminal, alert thresholds marked
          doctor      check the box (daemon, configuration, Bluetooth, serial permissions, DOM over TLS, clock,
                      disk, store integrity) and print the fix for each problem
          metrics     the same figures in Prometheus text format (as the daemon's metrics.prom)
          quarantine  list readings DOM refused for their content, with the server's reason; requeue them
          store       check the store file's integrity; recover what is readable from a damaged one
          profiles    list, show and validate device profiles; print the udev rules they need
          readings    export or tail stored readings (NDJSON, CSV or FHIR NDJSON)
          rules       validate a rule file, or dry-run it over readings: which alerts would fire, when, from which rule
          alerts      list alerts; acknowledge or silence one (audited with your uid)
          spirometry  GLI reference values: predicted, LLN, ULN, z-score and % predicted (GLI Global 2022, GLI-2012)
          help        show help for a command (iomtctl help decode)

        Options for every command: -h/--help. Commands that talk to the daemon take --socket PATH
        (default $IOMTD_CONTROL_SOCKET or /run/iomtd/control.sock); only root, the iomtd user and members
        of the control group (default iomtd) may use it, and every change is audited with the caller's uid.
        Exit codes: 0 success, 1 operation failed (e.g. iomtd not running, no store file), 2 usage or
        input error, 3 permission denied.
        """

    static let command: [String: String] = [
        "decode": """
            Usage: iomtctl decode --profile ID --hex BYTES [--characteristic UUID | --record [--user N] [--address ADDR]]
                                  [--profiles-dir DIR] [--pretty]

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
              --characteristic UUID
                                  Bluetooth (GATT) profiles only: the characteristic the bytes are one
                                  value of, as 4 hex digits for an assigned number (e.g. 2A36 Intermediate
                                  Cuff Pressure, 2A34 Glucose Measurement Context, 2A49 a feature) or in
                                  full for a vendor one (6e400003-b5a3-f393-e0a9-e50e24dcca9e; either
                                  spelling of an assigned number works); default the profile's main
                                  measurement (2A35, 2A5E, 2A1C, 2A9D, 2A37, 2A18). A value the decoder
                                  rejects (truncated, wrong characteristic) exits 2 with the reason.
              --record            the bytes are one record as read from the device's memory (Omron cuffs:
                                  14 or 16 bytes of EEPROM); prints "user" and "slot" beside the observations
              --user N            with --record: the user area it was read from (default 1)
              --address ADDR      with --record: the EEPROM address it was read from, in hex (gives user and slot)

            With --fhir, prints instead the FHIR transaction Bundle the daemon would upload these readings in
            (PhgDevice, PhdDevice, Observations; same code path as iomtd):
              --fhir              print the transaction Bundle
              --patient PESEL     required with --fhir; validated (check digit, birth date), never echoed
              --gateway-id EUI64  the daemon's gateway.systemId (default 0000000000000000)
              --serial-number SN  the device's serialNumber from the daemon configuration (default none)
              --device-path PATH  the device path from the daemon configuration (default /dev/iomt-capture)
              --at INSTANT        receipt time, ISO 8601 (default now)
              --config FILE       the daemon's configuration (default \(DaemonConfiguration.defaultPath), if present): the
                                  patients' demographics give spirometry readings their GLI reference values

            Exit codes: 0 decoded (possibly no observations), 2 unknown profile, malformed hex, invalid profile,
            rejected GATT value or invalid PESEL (the reason is printed, the PESEL is not).
            Example: iomtctl decode --profile contec-cms50d-plus --hex 'e8 30 08 48 61'
                     iomtctl decode --profile ble-blood-pressure --hex '1e 78 00 50 00 5d 00 ea 07 0b 17 0a 0f 00 48 00 01 00 00'
                     iomtctl decode --profile ble-blood-pressure --characteristic 2A36 --hex '00 96 00 ff 07 ff 07'
                     iomtctl decode --profile omron-hem-7322t --record --address 0x02AC --hex '5b 78 1a 48 19 d7 1b 42 00 00 14 00 69 96'
                     iomtctl decode --profile beurer-po60 --characteristic FF02 --hex 'e9 03 00 00 00 00 00 00 1a 0b 1e 09 29 11 00 00 00 62 5d 60 00 00 00'
            """,
        "status": """
            Usage: iomtctl status [--socket PATH] [--json]
                   iomtctl status --state-dir DIR | --db FILE [--destination NAME] [--json]

            Asks the running daemon: version and uptime, mode (home hub or clinic), every device with its
            connection state (connected, reconnecting, failed …), since when, last reading and count; the
            delivery queue for DOM (backlog, oldest undelivered reading, last successful upload, quarantined,
            failed attempts by kind: http-503, timeout, tls …) and the alerts of the last 24 hours.
            When the daemon is not running, or with --state-dir/--db, reads the store file instead, strictly read-only
            (readers share the daemon's WAL; nothing is created, migrated or written) and prints the delivery
            queue only. metrics and quarantine list open the store the same way.

              --socket PATH    the daemon's control socket (default /run/iomtd/control.sock)
              --state-dir DIR  the daemon's stateDirectory (default /var/lib/iomtd); the store is DIR/iomtd.sqlite
              --db FILE        the store file itself
              --destination NAME  with the store: which delivery queue (dom, mqtt, …; default dom when the store
                               has it, else its first); the JSON names every queue the store holds in "destinations"
              --json           one JSON object

            Exit codes: 0 printed, 1 no daemon and no store file (or not a store of this release's schema), 2 usage
            error (also an unknown --destination), 3 permission denied.
            """,
        "devices": """
            Usage: iomtctl devices [--socket PATH] [--json]

            Every device the daemon runs: its key (used by bind/unbind), profile, transport and port path or
            Bluetooth address, connection state and since when, last reading time and readings stored.
            With --json also "deviceInfo": the latest device facts its driver reported (e.g. "session":
            how a Nonin 9560's last spot-check session ended; "battery": "low").
            A device that measures for two people (a two-user Omron cuff) is listed with its parts, each on a line
            of its own with its own key (bt:ADDRESS/user1, bt:ADDRESS/user2) and readings: bind each part.

            Exit codes: 0 printed, 1 iomtd not reachable, 3 permission denied.
            """,
        "scan": """
            Usage: iomtctl scan [--seconds N] [--socket PATH] [--json]
                   iomtctl scan --serial [--profiles-dir DIR] [--json]

            Asks the daemon to discover Bluetooth devices for N seconds (default 10, at most 120), with
            BlueZ's discovery filter set to transport "auto" (LE and BR/EDR as the adapter allows) and no
            service filter (an older Classic device sends no service list before pairing), then lists
            the health devices BlueZ knows on the adapter — a ble profile matches its services, or it is
            a Classic device offering the Serial Port Profile (0x1101) or of the health device class, or
            it is paired: address, signal strength (RSSI), transport
            ("le", or "bredr" for a Classic device: one offering SPP or with a Class of Device), the ble
            profile its advertised services match (for a Classic device "serial port (SPP)" or "health
            device class": give it a serial profile in devices[]), name, and whether it is paired,
            trusted or connected. Needs Bluetooth enabled in the daemon's configuration.
            With --serial (no daemon needed): the USB-serial adapters udev knows now, each with its node,
            VID:PID, product string, serial number, udev links and the profile hotplug would read it with
            (and the other profiles that fit the same VID:PID), or none.

            Exit codes: 0 printed, 1 iomtd not reachable or Bluetooth unavailable, 2 usage error, 3 permission denied.
            """,
        "pair": """
            Usage: iomtctl pair ADDRESS [--passkey N | --passkey - | --pin TEXT] [--socket PATH] [--json]

            Pairs the device at ADDRESS (AA:BB:CC:DD:EE:FF) through the daemon's BlueZ agent and marks it
            trusted, discovering it first if BlueZ does not know it (up to 30 s). Without a secret the
            agent offers no input and no output (Just Works); --passkey N (0 to 999999) answers a device
            that asks for the passkey it displays (agent capability KeyboardDisplay); --pin TEXT answers a
            legacy PIN request. For a Bluetooth Classic device (e.g. the Nonin 9560: the 6 digits printed
            on it) the passkey is kept in the daemon's state directory (bluetooth-passkeys.json, mode
            0600, never logged) and the agent answers it whenever the device pairs again (RequestPasskey,
            or RequestPinCode as 6 digits). --passkey - reads it from standard input instead (asked for,
            not echoed, on a terminal), keeping it out of the shell history. With bluetooth.autoConnectPaired the daemon starts reading
            it at once; otherwise add it to devices[] with its profile. Audited with your uid.

            Exit codes: 0 paired, 1 pairing failed (not found, rejected, wrong passkey) or iomtd not
            reachable, 2 usage error, 3 permission denied.
            """,
        "forget": """
            Usage: iomtctl forget ADDRESS [--socket PATH] [--json]

            Stops reading the device and removes it from BlueZ (Adapter1.RemoveDevice): its bond and its
            cached GATT database are deleted. A device still listed in devices[] is discovered and
            connected afresh (pair it again if it needs a bond). Audited with your uid.

            Exit codes: 0 removed, 1 BlueZ does not know the device or iomtd not reachable, 2 usage error, 3 permission denied.
            """,
        "replay": """
            Usage: iomtctl replay CAPTURE [--profile ID] [--patient PESEL] [--alarms] [--socket PATH] [--json]

            Sends a captured byte stream to the running daemon, which feeds it to the profile's driver on a
            synthetic clock (the profile's line rate, ending now) and puts the readings through the whole
            pipeline: store, alert rules, delivery to DOM. Every replayed reading is marked test data
            (status test-data; FHIR meta.security HTEST) and its device is "replay", so it can never pass for
            a patient's real measurement. CAPTURE is a Firmware-Fixtures case folder (case.json names the
            profile, capture.hex holds the bytes) or a hex file with --profile. A case written by iomtctl
            capture (case.json names a timeline) replays on its recorded timeline instead, Bluetooth values
            included, so it gives the readings its expected.json holds. --patient attaches the test
            readings to a patient in clinic mode (a home hub uses its own patient).

            Alerts: test readings are evaluated against the rules in episodes of their own (they never open,
            extend, escalate or resolve a real episode, and do not count for missed-measurement rules). What
            they fire is stored marked test (iomtctl alerts list shows TEST) and written to the log as
            "TEST ALERT", but does not reach the exec hook, the webhook or DOM. --alarms announces them on
            every channel, each flagged as a test: IOMT_ALERT_TEST=1 for the exec hook, "test": true in the
            webhook JSON, meta.security HTEST on the DOM Communication, messages starting "TEST:". Use it to
            check a buzzer or an on-call system; tell the people on call first. Audited either way.

            Exit codes: 0 replayed, 1 iomtd not reachable or the store refused, 2 bad capture or profile,
            3 permission denied.
            """,
        "capture": """
            Usage: iomtctl capture DEVICE --seconds N [--out DIR] [--name CASE] [--profiles-dir DIR] [--socket PATH] [--json]

            Records, for N seconds (1 to 600) on the daemon's clock, what a configured device sends — serial or SPP
            bytes, Bluetooth characteristic values — and what its driver sends it (commands, GATT writes), each
            with its time and direction, while the daemon keeps reading the device as always (readings stored,
            alarms evaluated). DEVICE is a device key, port path, Bluetooth address or a unique part of the key
            (iomtctl devices). One capture per device at a time: a second one is refused while the first runs.
            Memory is bounded: at most 5,000 events or 128 KiB; past that the rest is not recorded and the
            result says "limit reached".

            Writes a Firmware-Fixtures case skeleton to DIR/<driver>/<CASE>/ (DIR defaults to Firmware-Fixtures,
            CASE to field-<date>-<time>): capture.hex (the byte stream, or the main characteristic's first
            value), transcript.txt (every event with its time and direction; format in
            Firmware-Fixtures/README.md), case.json (profile, characteristic, gateway and device time) and
            expected.json, decoded from the transcript by the gateway's own driver — review it before committing
            the case as a fixture. iomtctl replay and the fixture test take the folder as it is.

            The files contain readings: handle them as patient data. They hold no patient identifier.
            On a terminal, progress (seconds left, events so far) is shown on standard error; --json prints
            the summary (case folder, events, bytes, limitReached) as JSON.

            Exit codes: 0 written, 1 iomtd not reachable, a capture of the device already running or the case
            not writable, 2 unknown device, bad --seconds, profile not found or the case folder exists,
            3 permission denied.
            """,
        "trend": """
            Usage: iomtctl trend CODE [--patient PESEL] [--since 24h|TIME] [--until TIME] [--config FILE]
                                 [--state-dir DIR | --db FILE] [--width N] [--height N] [--json]

            Draws CODE's readings from the store as a bar chart sized to the terminal (Unicode blocks): one
            column per time slice, showing the slice's worst value against the alert thresholds (lowest under
            a "below" limit, highest over an "above" limit, else the mean), so a short dip is not averaged away.
            Each alert rule for CODE in the configuration (default \(DaemonConfiguration.defaultPath)) is drawn as a dotted
            line named at the right edge. Times are UTC.

            CODE: an alias (spo2, pulse, pi, systolic, diastolic, map, bp-pulse, hr, temp, weight, fev1, fvc, pef,
            fev1-fvc, fef25-75), an MDC reference id (MDC_PULS_OXIM_SAT_O2), an MDC code or a LOINC code (2708-6).
            Blood-pressure components are found inside blood-pressure readings.
              --since    a duration before --until (30m, 24h, 7d) or an ISO 8601 time (default 24h)
              --until    ISO 8601 time (default now)
              --patient  only this patient's readings (clinic mode)
              --json     the points and thresholds instead of the chart

            Exit codes: 0 drawn (or no readings in the window), 1 store unreadable, 2 usage error.
            """,
        "doctor": """
            Usage: iomtctl doctor [--config FILE] [--socket PATH] [--json]

            Runs every check a technician would otherwise do by hand and prints each finding as
            [ok], [--] (information), [!!] (warning) or [XX] (problem), with the fix to apply:
              daemon          iomtd answers on the control socket
              configuration   FILE (default \(DaemonConfiguration.defaultPath)) and the profiles it names are valid
              bluetoothd      running (a problem only when a BLE device is configured)
              adapter         present under /sys/class/bluetooth and not rfkill-blocked
              serial PATH     each configured device exists and the iomtd user may open it
              DOM             GET <baseURL>/metadata with the daemon's own TLS settings (CA, client
                              certificate, pin, OAuth2) answers; the Date header gives the clock skew
              clock           NTP-synchronised (systemd-timesyncd)
              disk            free space where the store lives
              store           PRAGMA integrity_check, quarantined readings, backlog age

            Exit codes: 0 no problem (warnings allowed), 1 at least one problem, 2 usage error.
            """,
        "bind": """
            Usage: iomtctl bind DEVICE --patient PESEL [--height CM [--sex male|female] [--birth-date YYYY-MM-DD]]
                                [--from TIME] [--until TIME] [--release-held] [--socket PATH] [--json]

            Clinic mode (no patient.pesel in the configuration): readings of DEVICE whose measurement time falls
            in [--from, --until) belong to this patient. --from defaults to now; without --until the binding stays
            open until `iomtctl unbind`. Readings no binding covers are held (counted as "held" in status, listed
            by `quarantine list`) and never sent to anyone. A window that covers held readings is refused, naming how many and when they
            were measured, unless --release-held says you checked they are this patient's: then they are
            released to this patient. Every undelivered reading in the window is attributed again; a window
            that would move a reading already delivered for another patient is refused.
            DEVICE is the key shown by `iomtctl devices`, the port path, or any unique part of the key. A device
            whose identity is ambiguous (two USB adapters with one serial number) cannot be bound. A two-user cuff is
            bound part by part (bt:ADDRESS/user1, bt:ADDRESS/user2): a user nobody is bound to is held, never the
            other user's.
            TIME is ISO 8601 with an offset (2026-11-23T10:00:00+01:00) or "now". The PESEL is checked (length,
            check digit, birth date). Overlapping bindings of one device are refused, naming the other one.
            --height CM gives the patient's height for spirometry reference values (GLI), kept with the binding: sex at
            birth and date of birth come from the PESEL; --sex and --birth-date, when given, are checked against it and
            a mismatch is refused (exit 2, naming the option). Readings this binding attributes are assessed with these
            demographics — in the FHIR bundles and by z-score and baseline alert rules — before the configuration's
            patients[] entry for the same PESEL; without --height that entry applies, and without either the readings go
            without reference values, saying why. The equations stay the patient's configured ones (else GLI Global).

            Exit codes: 0 bound, 1 refused by the store (overlap, held readings, delivered readings), 2 bad input
            (PESEL, time, height, sex or birth date, unknown or ambiguous device, home-hub mode), 3 permission denied.
            """,
        "unbind": """
            Usage: iomtctl unbind DEVICE [--at TIME] [--socket PATH] [--json]

            Ends DEVICE's open binding at TIME (default now). Readings measured from TIME on are held until the
            next binding, also those already stored when TIME lies in the past. An end that would take readings
            already delivered for the patient away from them is refused, naming the last delivered time.

            Exit codes: 0 done, 1 no open binding or refused (delivered readings), 2 bad input, 3 permission denied.
            """,
        "bindings": """
            Usage: iomtctl bindings [--show-patient] [--socket PATH] [--json]

            Every binding, oldest first per device: id, device, patient (only its last two digits unless
            --show-patient), window, whether it is active now, who made it (uid), and the demographics given with it
            (height, sex at birth; the date of birth only with --show-patient, as it is part of the PESEL).

            Exit codes: 0 printed, 1 iomtd not reachable, 3 permission denied.
            """,
        "metrics": """
            Usage: iomtctl metrics [--state-dir DIR | --db FILE]

            Prints Prometheus text exposition, one sample per delivery queue the store holds (label destination):
            iomtd_backlog_readings, iomtd_oldest_undelivered_age_seconds,
            iomtd_last_success_timestamp_seconds, iomtd_delivery_failures_total{kind="…"},
            iomtd_quarantined_readings, iomtd_held_readings, iomtd_delivered_readings_retained. The daemon writes the same text to
            <stateDirectory>/metrics.prom every 15 s (node_exporter textfile collector).

            Exit codes: 0 printed, 1 no store file or unreadable, 2 usage error.
            """,
        "profiles": """
            Usage: iomtctl profiles list [--profiles-dir DIR] [--json]
                   iomtctl profiles show ID [--profiles-dir DIR] [--json]
                   iomtctl profiles validate [DIR] [--json]
                   iomtctl profiles install FILE [--replace] [--socket PATH] [--json]
                   iomtctl profiles udev-rules [--profiles-dir DIR]
                   iomtctl profiles matrix [--profiles-dir DIR]

            list        every profile: id, transport, device class, driver
            show ID     one profile: match rules (USB VID:PID, BLE services), serial settings, quirks, Bluetooth
                        link quirks (bluetoothQuirks), file;
                        with --json the profile file itself
            validate    loads every profile in DIR (default: the profiles directory) and builds its driver;
                        each error names the file, the field, what was expected and what was found
            install     checks FILE like validate, then has the running daemon store it in its local profiles
                        directory (<stateDirectory>/profiles, audited with your uid); used from the next start.
                        An id already in use is refused (--replace updates a profile installed this way)
            udev-rules  the udev rules for every USB adapter the profiles name (Systemd/70-iomtd.rules):
                        group iomtd access and a stable /dev/iomt/usb-VID_PID-PORT link
            matrix      the device support matrix as Markdown (docs/devices.md): model, transport, what is read,
                        pairing, clock, history and the evidence behind each profile (its "support" block)

            Profiles come from --profiles-dir, $IOMT_PROFILES_DIR, /usr/share/iomtd/profiles, or ./DeviceProfiles,
            plus the installed ones in /var/lib/iomtd/profiles (unless --profiles-dir is given).
            Exit codes: 0 done, 1 a profile is invalid, 2 usage error or unknown profile id.
            """,
        "quarantine": """
            Usage: iomtctl quarantine list [--state-dir DIR | --db FILE] [--destination NAME] [--json] [--show-patient] [--limit N]
                   iomtctl quarantine requeue all | --reason TEXT | --id N [--id N]... [--socket PATH]

            list: readings set aside because DOM refused their content (or no patient was bound), oldest
            first, each with the server's OperationOutcome text. Patient identifiers are shown only with
            --show-patient (11-digit runs in server texts are masked otherwise). --destination picks the queue
            (dom, mqtt, …; default dom when the store has it, else its first).

            requeue: puts quarantined readings back in the delivery queue once the cause is fixed: all of them,
            those whose reason contains TEXT, or the given ids. The running iomtd does it on its own store
            connection and audits it with your uid (from the control socket's peer credentials); iomtctl never
            writes the store, so without a running daemon nothing is requeued (exit 1). When DOM refuses many
            readings for one reason, iomtd pauses delivery (technical condition dom-refusing, `paused` in
            iomtctl status) instead of quarantining them.

            Exit codes: 0 printed / requeued (possibly none), 1 no store file or unreadable (list), iomtd not
            reachable (requeue), 2 usage error, 3 not allowed on the control socket.
            """,
        "store": """
            Usage: iomtctl store check [--state-dir DIR | --db FILE] [--json]
                   iomtctl store recover --from FILE --to NEWFILE

            check opens the store strictly read-only (beside a running daemon too) and reports PRAGMA quick_check,
            the schema version (and the one this release uses) and the rows per table.
            recover copies every row still readable from a damaged store, or one the daemon moved aside at start
            (STORE.corrupt-TIME), into a new store file NEWFILE (never an existing file), table by table; rows on
            damaged pages are counted as unreadable. To use the result: stop iomtd, move the store aside, put
            NEWFILE in its place, start iomtd (readings not yet delivered are then delivered).

              --state-dir DIR  the daemon's stateDirectory (default /var/lib/iomtd); the store is DIR/iomtd.sqlite
              --db FILE        the store file itself
              --json           one JSON object (check)

            Exit codes: 0 healthy / everything copied, 1 problems found / rows unreadable / no such file,
            2 usage error.
            """,
        "readings": """
            Usage: iomtctl readings export [--format ndjson|csv|fhir] [--state-dir DIR | --db FILE] [--since INSTANT] [--limit N]
                   iomtctl readings tail [-n N] [--follow] [--format ndjson|csv|fhir] [--state-dir DIR | --db FILE]

            export prints stored readings, oldest first; tail the last N (default 10) and, with --follow (-f),
            each new reading as the daemon commits it. The store is opened read-only.
              ndjson  (default) one JSON object per line: the observation contract of `iomtctl decode` plus "id",
                      "receivedAt", "correctedTime" and "device". No patient identifiers. The input format of
                      `iomtctl rules test --readings`.
              csv     RFC 4180 with a header: id, correctedTime, receivedAt, device, code, mdc, loinc, value, unit,
                      status; a blood-pressure reading gives one row per component; an overnight session gives its
                      summary figures, then one row per sample of its SpO2 and pulse-rate series at the sample's own
                      time (an empty value with status not-available where the device had none). No patient identifiers.
              fhir    one FHIR R4 Observation per line, exactly as uploaded to DOM (PHD IG; subject by PESEL);
                      --gateway-id EUI64 names the gateway as the daemon's gateway.systemId does.
              --since INSTANT  only readings received at or after this ISO 8601 instant
              --limit N        at most N readings

            Exit codes: 0 printed, 1 no store file or unreadable, 2 usage error.
            """,
        "rules": """
            Usage: iomtctl rules validate --rules FILE [--json]
                   iomtctl rules test --rules FILE --readings FILE [--patient REF] [--extend DURATION]
                                      [--profile ID] [--profiles-dir DIR] [--config FILE] [--pesel PESEL] [--json]

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
              --config FILE       the daemon's configuration (default \(DaemonConfiguration.defaultPath), if present), for the
                                  patient's demographics: z-score rules judge against its GLI reference values.
                                  The patient is the home hub's when --patient is its reference, or --pesel's
              --pesel PESEL       take the demographics of this patient (patients[] in the configuration);
                                  validated, never printed
              --json              one JSON object: the rule set, "referenceValues" (whether demographics were
                                  found), and every alert with its inputs

            Exit codes: 0 ran (alerts or none), 2 invalid rule file, unreadable or malformed readings, usage error.
            Example: iomtctl rules test --rules /etc/iomtd/rules.json --readings today.ndjson --patient P-0001
            """,
        "alerts": """
            Usage: iomtctl alerts list [--state-dir DIR | --db FILE] [--limit N] [--json]
                   iomtctl alerts ack ID [--socket PATH]
                   iomtctl alerts silence ID --for DURATION [--socket PATH]

            list     newest first: time, priority, fired/repeated/escalated/resolved, message, rule and rule-set version
                     and hash, device, acknowledgement, silence, channels it was sent on (--json adds the inputs
                     that fired it)
            ack      acknowledges the alert's episode: repetition and escalation stop
            silence  pauses repetition and escalation of the episode for DURATION (e.g. 15m; at most 24h)

            list reads the store file, read-only. ack and silence go through the running daemon, which records
            them on its own store connection with your uid (from the control socket's peer credentials), audits
            them and applies them within a second; the silence is measured on the daemon's clock. iomtctl never
            writes the store: without a running daemon nothing is recorded (exit 1). Messages carry no patient
            identifiers.

            Exit codes: 0 done, 1 no store file (list), unknown alert or iomtd not reachable (ack, silence),
            2 usage error, 3 not allowed on the control socket.
            """,
        "spirometry": """
            Usage: iomtctl spirometry reference --equations gli-global|gli-2012 [--ethnicity GROUP] --sex male|female
                       --age YEARS --height CM [--fev1 L] [--fvc L] [--ratio R] [--fev6 L] [--fef2575 L/s] [--json]

            Reference values by the LMS method (z = ((obs/M)^L − 1)/(L·S), LLN = M·(1 − 1.645·L·S)^(1/L), the 5th
            centile; ULN the 95th): predicted (M), LLN, ULN and, for an observed value, its z-score and percent
            predicted, for FEV1, FVC and FEV1/FVC (and FEF25-75 with GLI-2012). The daemon uses the same code.

              --equations SET     gli-global: GLI Global 2022 (Bowerman 2023), race-neutral, the default for new
                                  work; spline looked up at the quarter-year row below the age, as rspiro does.
                                  gli-2012: GLI-2012 (Quanjer 2012), splines interpolated between quarter-year rows
              --ethnicity GROUP   gli-2012 only, and required there: caucasian, african-american,
                                  north-east-asian, south-east-asian, other (GLI's "other/mixed")
              --sex SEX           sex at birth: male or female
              --age YEARS         decimals allowed (e.g. 39.5); both sets cover 3–95 years (GLI-2012 FEF25-75: 3–90)
              --height CM         standing height in cm (accepted 50–250)
              --fev1 L, --fvc L, --fev6 L, --fef2575 L/s
                                  observed values; FEV6 has no GLI equation (its row says so)
              --ratio R           observed FEV1/FVC as a fraction (0.78); without it, --fev1 / --fvc
              --json              {"equations":"gli-global","results":[{"parameter":"FEV1","observed":3.5,
                                  "predicted":4.1,"lln":3.3,"uln":4.9,"z":-1.2,"percentPredicted":85.3}, ...]}
                                  (numbers to 4 decimals; null where not defined, with a "reason")

            Exit codes: 0 values printed, 2 unknown option or value, age or height outside the equations'
            range (the message names the field, the value and the range), an ethnicity given with gli-global
            or missing with gli-2012.
            Example: iomtctl spirometry reference --equations gli-global --sex male --age 39 --height 175 --fev1 3.5 --fvc 4.6 --json
            """,
    ]
}
