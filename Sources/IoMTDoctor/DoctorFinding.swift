import IoMTCore

/// One `iomtctl doctor` check: what was looked at, how it stands, and what to do about it.
public struct DoctorFinding: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case ok, info, warning, problem
        var mark: String {
            switch self { case .ok: "ok"; case .info: "--"; case .warning: "!!"; case .problem: "XX" }
        }
    }

    public let check: String
    public let status: Status
    public let detail: String
    /// The fix to apply, as a command or a short instruction (nil when nothing is to be done).
    public let fix: String?

    public init(_ check: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.check = check; self.status = status; self.detail = detail; self.fix = fix
    }

    public var json: JSONValue {
        .object([("check", .string(check)), ("status", .string(status.rawValue)), ("detail", .string(detail)),
                 ("fix", fix.map { .string($0) } ?? .null)])
    }

    public var text: String {
        "[\(status.mark)] \(check): \(detail)" + (fix.map { "\n       fix: \($0)" } ?? "")
    }
}
