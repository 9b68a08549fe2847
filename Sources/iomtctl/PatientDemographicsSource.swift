import Glibc
import IoMTConfiguration
import IoMTControl
import IoMTCore
import IoMTSpirometry

/// The patients' demographics (height, sex and birth date from the PESEL) for spirometry reference values, from the
/// daemon's configuration as `doctor` and `trend` find it: `--config FILE`, else `DaemonConfiguration.defaultPath`. So `decode --fhir`
/// and `rules test` show the reference ranges and z-score alerts the daemon would.
struct PatientDemographicsSource {
    /// PESEL → demographics; the home hub's patient reference → its PESEL.
    var demographics: [String: PatientDemographics] = [:]
    var homeReference: (reference: String, pesel: String)?

    /// An explicit `--config` must be readable and valid (exit 2 otherwise, 3 when permission is denied); the default
    /// file may be absent (no demographics) but not invalid. Unreadable default: a note on stderr, no demographics.
    static func load(option: String?) throws(CLIError) -> PatientDemographicsSource {
        let path = option ?? DaemonConfiguration.defaultPath
        let text: String
        do { text = try FileIO.readText(path) } catch {
            if option == nil {
                if error.errorNumber != ENOENT {
                    writeToStandardError("note: \(error): no patient demographics, so no spirometry reference values; pass --config FILE\n")
                }
                return PatientDemographicsSource()
            }
            throw CLIError(message: "--config: cannot read \(path): \(error)", hint: "pass the daemon's configuration file",
                           exitCode: error.errorNumber == EACCES ? .permissionDenied : .usage)
        }
        let configuration: DaemonConfiguration
        do { configuration = try DaemonConfiguration.parse(text, file: path) } catch {
            throw CLIError(message: "invalid configuration\n\(error)", hint: option == nil ? "pass another one with --config FILE" : nil, exitCode: .usage)
        }
        var source = PatientDemographicsSource(demographics: configuration.patientDemographics)
        if let reference = configuration.patientReference, let pesel = configuration.patientId { source.homeReference = (reference, pesel) }
        return source
    }

    /// The demographics of the patient a dry run is for: by PESEL (`--pesel`), else the home hub's patient when its
    /// reference is the one given (`--patient REF`).
    func patient(pesel: String?, reference: String?) -> PatientDemographics? {
        if let pesel { return demographics[pesel] }
        if let reference, let home = homeReference, home.reference == reference { return demographics[home.pesel] }
        return nil
    }
}
