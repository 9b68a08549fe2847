import IoMTCore

/// The control protocol between iomtctl and iomtd: one JSON object per line each way over the Unix
/// socket. A request names a command and its arguments; the response says ok with a result, or
/// gives an error text and the exit code iomtctl should return (docs/man/iomtctl.1 lists them).
public struct ControlRequest: Sendable, Hashable {
    public var command: String
    public var arguments: JSONValue

    public init(command: String, arguments: JSONValue = .object([])) {
        self.command = command; self.arguments = arguments
    }

    public var json: JSONValue { .object([("command", .string(command)), ("arguments", arguments)]) }

    public static func parse(_ line: [UInt8]) -> ControlRequest? {
        guard let value = try? JSONValue.parse(String(decoding: line, as: UTF8.self)),
              let command = value["command"]?.stringValue else { return nil }
        return ControlRequest(command: command, arguments: value["arguments"] ?? .object([]))
    }

    public func argument(_ name: String) -> JSONValue? {
        guard let value = arguments[name], !value.isNull else { return nil }
        return value
    }
}

public struct ControlResponse: Sendable, Hashable {
    public var result: JSONValue?
    public var error: String?
    /// 0 ok, 1 operation failed, 2 usage or input error, 3 permission denied.
    public var exitCode: Int32

    public static func ok(_ result: JSONValue) -> ControlResponse { ControlResponse(result: result, error: nil, exitCode: 0) }
    public static func failure(_ message: String, exitCode: Int32 = 1) -> ControlResponse {
        ControlResponse(result: nil, error: message, exitCode: exitCode)
    }
    public static let permissionDeniedExitCode: Int32 = 3

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("ok", .bool(error == nil)), ("exitCode", .number(Int(exitCode)))]
        if let result { members.append(("result", result)) }
        if let error { members.append(("error", .string(error))) }
        return .object(members)
    }

    public static func parse(_ line: [UInt8]) -> ControlResponse? {
        guard let value = try? JSONValue.parse(String(decoding: line, as: UTF8.self)), let ok = value["ok"]?.boolValue else { return nil }
        let code = Int32(clamping: value["exitCode"]?.intValue ?? (ok ? 0 : 1))
        return ControlResponse(result: value["result"], error: ok ? nil : (value["error"]?.stringValue ?? "unknown error"), exitCode: code)
    }
}
