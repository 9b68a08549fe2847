import Glibc
import IoMTCore
import IoMTFHIR

/// Opt-in witness of acknowledgements for the durability harnesses (scripts/power-cut, scripts/kill-loop.sh):
/// with `IOMT_COMMIT_WITNESS=PATH` (e.g. the guest's serial console /dev/ttyS0, or a file), the daemon writes
/// `COMMITTED <device key> <reading identifier>` for each reading once the store commit holding it has returned.
/// The identifier is the PHD conditional-create identifier with the patient part replaced by "unbound", so the
/// line carries no patient identifier and the harness can still match it against what DOM holds.
/// A line is one `write` to a descriptor opened O_APPEND; a lost line only under-counts what was acknowledged.
public final class CommitWitness: Sendable {
    public static let variable = "IOMT_COMMIT_WITNESS"
    /// The daemon's witness, or nil (the normal case) when the variable is unset.
    public static let shared: CommitWitness? = getenv(variable).flatMap { CommitWitness(path: String(cString: $0)) }

    private let descriptor: Int32

    init?(path: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            Log.error("\(Self.variable)=\(path): cannot open (errno \(errno)); no commit witness is written", "store")
            return nil
        }
        descriptor = fd
        Log.warning("commit witness on \(path) (\(Self.variable), for the durability harnesses only)", "store")
    }

    public func committed(_ observations: [Observation]) {
        var text = ""
        for observation in observations {
            var withoutPatient = observation
            withoutPatient.patientId = nil
            let device = observation.device.key.map { $0 == " " ? "_" : $0 }
            text += "COMMITTED \(String(device)) \(PHDObservationIdentifier.value(for: withoutPatient))\n"
        }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
