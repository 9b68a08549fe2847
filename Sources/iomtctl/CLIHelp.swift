enum CLIHelp {
    static let overview = """
        Usage: iomtctl COMMAND [OPTIONS]

        The technician's interface to iomtd.

        Commands:
          decode    decode captured device bytes with a profile's driver and print observations as JSON
          help      show help for a command (iomtctl help decode)

        Options for every command: -h/--help.
        Exit codes: 0 success, 1 operation failed, 2 usage or input error.
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

            Exit codes: 0 decoded (possibly no observations), 2 unknown profile, malformed hex or invalid profile.
            Example: iomtctl decode --profile contec-cms50d-plus --hex 'e8 30 08 48 61'
            """,
    ]
}
