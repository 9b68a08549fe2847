import IoMTCore

/// iomtd's answer to one command: ok with the command's result, or an error text and the exit code
/// iomtctl returns. On the wire: `{"ok": BOOL, "exitCode": N, "result": {…}}` or `… "error": TEXT}`.
public struct ControlReply: Sendable, Hashable {
    public var result: JSONValue?
    public var error: String?
    public var exitCode: ExitCode

    public init(result: JSONValue?, error: String?, exitCode: ExitCode) {
        self.result = result; self.error = error; self.exitCode = exitCode
    }

    public static func ok(_ result: some ControlPayload) -> ControlReply { ControlReply(result: result.json, error: nil, exitCode: .ok) }
    public static func failure(_ message: String, _ exitCode: ExitCode = .failed) -> ControlReply {
        ControlReply(result: nil, error: message, exitCode: exitCode == .ok ? .failed : exitCode)
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("ok", .bool(error == nil)), ("exitCode", .number(Int(exitCode.rawValue)))]
        if let result { members.append(("result", result)) }
        if let error { members.append(("error", .string(error))) }
        return .object(members)
    }

    public static func decode(_ line: [UInt8]) throws(ControlMessageError) -> ControlReply {
        let root: JSONValue
        do { root = try JSONValue.parse(bytes: line) } catch {
            throw ControlMessageError(message: "answer", field: "(syntax)", expected: "one JSON object", found: error.description)
        }
        let answer = try ControlFieldReader.object(root, message: "answer")
        var r = ControlFieldReader(message: "answer")
        let ok = r.bool(answer, "ok")
        let code = r.optionalInteger(answer, "exitCode") ?? (ok ? 0 : 1)
        let exitCode = ExitCode(rawValue: Int32(clamping: code))
        if exitCode == nil { r.fields.fail("exitCode", expected: "0, 1, 2 or 3", foundText: "\(code)") }
        try r.finish()
        return ControlReply(result: answer["result"], error: ok ? nil : (answer["error"]?.stringValue ?? "iomtd gave no reason"),
                            exitCode: exitCode ?? .failed)
    }

    /// The result as the type the command answers with.
    public func payload<Payload: ControlPayload>(_ type: Payload.Type) throws(ControlMessageError) -> Payload {
        try Payload(json: result ?? .null)
    }
}

/// A command's result: written by iomtd, read by iomtctl, from one definition.
public protocol ControlPayload: Sendable {
    var json: JSONValue { get }
    init(json: JSONValue) throws(ControlMessageError)
}
