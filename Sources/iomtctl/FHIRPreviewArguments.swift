import IoMTCore

extension FHIRPreview {
    /// `decode --fhir` and the options that go with it (`--patient`, `--gateway-id`, `--serial-number`, `--device-path`,
    /// `--at`, `--config`), read from the command line; `checkUsage()` and `options()` check and complete them.
    struct Arguments {
        var fhir: Bool
        var patient: String?
        var gatewayId: String?
        var serialNumber: String?
        var devicePath: String?
        var atText: String?
        var configPath: String?

        init(_ arguments: inout CommandArguments) throws(CLIError) {
            fhir = arguments.flag("--fhir")
            patient = try arguments.patient()
            gatewayId = try arguments.option("--gateway-id")
            serialNumber = try arguments.option("--serial-number")
            devicePath = try arguments.option("--device-path")
            atText = try arguments.option("--at")
            configPath = try arguments.option("--config")
        }

        /// Refuses the FHIR options without `--fhir`.
        func checkUsage() throws(CLIError) {
            if !fhir, patient != nil || gatewayId != nil || serialNumber != nil || devicePath != nil || atText != nil || configPath != nil {
                throw CLIError(message: "--patient, --gateway-id, --serial-number, --device-path, --at and --config go with --fhir", exitCode: .usage)
            }
        }

        /// The preview's options, nil without `--fhir`: `--at` defaults to now, `--config` gives the patients' demographics.
        func options() throws(CLIError) -> Options? {
            guard fhir else { return nil }
            guard let patient else { throw CLIError(message: "--fhir needs --patient PESEL (DOM attributes every reading to a patient)", exitCode: .usage) }
            var at = SystemClock().now()
            if let atText {
                guard let parsed = Instant(iso8601: atText) else { throw CLIError(message: "--at expects an ISO 8601 instant (2026-11-23T10:00:00Z), got '\(atText)'", exitCode: .usage) }
                at = parsed
            }
            return Options(patientId: patient, gatewayId: gatewayId ?? FHIRPreview.defaultGatewayId,
                           serialNumber: serialNumber, devicePath: devicePath ?? FHIRPreview.defaultDevicePath, receivedAt: at,
                           demographics: try PatientDemographicsSource.load(option: configPath).demographics)
        }
    }
}
