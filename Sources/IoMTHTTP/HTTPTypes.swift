// INTERFACE — the HTTP helper implements `CurlHTTPClient` against these types.
import IoMTCore

public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    public var timeoutMilliseconds: Int
    public init(method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = [], timeoutMilliseconds: Int = 30_000) {
        self.method = method; self.url = url; self.headers = headers; self.body = body; self.timeoutMilliseconds = timeoutMilliseconds
    }
}

public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) { self.status = status; self.headers = headers; self.body = body }
    /// Case-insensitive header lookup (first match).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// Transport-level failures, classified so delivery can count them by kind and retry.
public enum HTTPError: Error, Hashable, CustomStringConvertible {
    case connect(String)
    case timeout
    case connectionReset(String)
    case tls(String)
    case invalidRequest(String)
    /// The server refused our credentials even after a fresh token (HTTP 401 twice).
    case authenticationRejected(String)
    /// No access token could be obtained (token endpoint unreachable, refused the client, or answered nonsense).
    case tokenEndpoint(String)
    case other(String)
    /// The response body passed the client's bound (`maxResponseBodyBytes`); the rest was not read.
    case responseTooLarge(limitBytes: Int)

    /// Short kind for metrics: "connect", "timeout", "reset", "tls", "invalid", "auth", "auth-token", "other", "too-large".
    public var kind: String {
        switch self {
        case .connect: "connect"
        case .timeout: "timeout"
        case .connectionReset: "reset"
        case .tls: "tls"
        case .invalidRequest: "invalid"
        case .authenticationRejected: "auth"
        case .tokenEndpoint: "auth-token"
        case .other: "other"
        case .responseTooLarge: "too-large"
        }
    }

    public var description: String {
        switch self {
        case let .connect(m): "cannot connect: \(m)"
        case .timeout: "timed out"
        case let .connectionReset(m): "connection reset: \(m)"
        case let .tls(m): "TLS failure: \(m)"
        case let .invalidRequest(m): "invalid request: \(m)"
        case let .authenticationRejected(m): "authentication rejected: \(m)"
        case let .tokenEndpoint(m): "cannot obtain an access token: \(m)"
        case let .other(m): m
        case let .responseTooLarge(limit): "response body larger than \(limit) bytes; the server's answer was not read (check the URL points at the FHIR endpoint)"
        }
    }
}

/// Sends one HTTP request. Implementations must always verify TLS.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse
}
