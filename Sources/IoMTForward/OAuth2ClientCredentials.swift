import IoMTCore
import IoMTHTTP

/// Where and as whom the gateway asks for access tokens (OAuth 2.0 client credentials grant, RFC 6749 §4.4).
public struct OAuth2ClientCredentialsConfiguration: Sendable, Hashable {
    public var tokenURL: String
    public var clientId: String
    /// File holding the client secret (mode 0600). Read at every token request, so a rotated secret
    /// takes effect without a restart; surrounding whitespace (a trailing newline) is ignored.
    public var clientSecretFile: String
    public var scope: String?
    public var requestTimeoutMilliseconds: Int

    public init(tokenURL: String, clientId: String, clientSecretFile: String, scope: String? = nil,
                requestTimeoutMilliseconds: Int = 10_000) {
        self.tokenURL = tokenURL; self.clientId = clientId; self.clientSecretFile = clientSecretFile; self.scope = scope
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
    }
}

/// A bearer token and when to replace it. Its description never shows the token.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible {
    let value: String
    public let obtainedAt: Instant
    /// nil: the server gave no `expires_in`; the token is used until DOM refuses it (401).
    public let expiresAt: Instant?
    public let refreshAt: Instant?

    public func isFresh(at now: Instant) -> Bool { refreshAt.map { now < $0 } ?? true }

    public var description: String {
        "access token (redacted), obtained \(obtainedAt)" + (expiresAt.map { ", expires \($0)" } ?? ", no expiry given")
    }

    /// Replace at 80 % of the lifetime or 60 s before expiry, whichever comes first — but not before
    /// half the lifetime has passed, so a very short-lived token is not refreshed at every request.
    static func refreshDelayMilliseconds(lifetimeSeconds: Int64) -> Int64 {
        let lifetime = lifetimeSeconds * 1000
        let earliest = min(lifetime * 8 / 10, lifetime - 60_000)
        return max(lifetime / 2, earliest)
    }
}

/// The token request and the parsing of its answer (RFC 6749 §4.4.2, §5.1, §5.2). Pure apart from
/// reading the secret file.
struct OAuth2TokenExchange: Sendable {
    let configuration: OAuth2ClientCredentialsConfiguration

    func request() throws(HTTPError) -> HTTPRequest {
        let secret: String
        do { secret = try FileIO.readText(configuration.clientSecretFile).trimmingWhitespace } catch {
            throw .tokenEndpoint("cannot read the client secret file \(configuration.clientSecretFile): \(error); check dom.oauth2.clientSecretFile")
        }
        guard !secret.isEmpty else {
            throw .tokenEndpoint("the client secret file \(configuration.clientSecretFile) is empty; put the secret issued for \(configuration.clientId) in it")
        }
        // RFC 6749 §2.3.1: id and secret are form-urlencoded (Appendix B) before HTTP Basic (RFC 7617).
        let credentials = FormURLEncoding.encode(configuration.clientId) + ":" + FormURLEncoding.encode(secret)
        var fields = [("grant_type", "client_credentials")]
        if let scope = configuration.scope { fields.append(("scope", scope)) }
        return HTTPRequest(method: "POST", url: configuration.tokenURL,
                           headers: [HTTPHeader("Authorization", "Basic " + Base64.encode(Array(credentials.utf8))),
                                     HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                                     HTTPHeader("Accept", "application/json")],
                           body: Array(FormURLEncoding.body(fields).utf8),
                           timeoutMilliseconds: configuration.requestTimeoutMilliseconds)
    }

    func token(from response: HTTPResponse, requestedAt: Instant) throws(HTTPError) -> AccessToken {
        let endpoint = configuration.tokenURL
        let json = try? JSONValue.parse(bytes: response.body)
        guard response.status == 200 else {
            // §5.2: {"error": "invalid_client", "error_description": "…"}; neither carries our secret.
            let code = json?["error"]?.stringValue.map { ": \($0)" } ?? ""
            let detail = json?["error_description"]?.stringValue.map { " (\($0))" } ?? ""
            let hint = response.status == 400 || response.status == 401
                ? "; check dom.oauth2.clientId and the secret in \(configuration.clientSecretFile)" : ""
            throw .tokenEndpoint("\(endpoint) answered HTTP \(response.status)\(code)\(detail)\(hint)")
        }
        guard let json, json.objectValue != nil else { throw .tokenEndpoint("\(endpoint) answered 200 without a JSON object") }
        guard let value = json["access_token"]?.stringValue, Self.isBearerTokenSyntax(value) else {
            throw .tokenEndpoint("\(endpoint) answered without a usable access_token (RFC 6750 §2.1 b64token expected)")
        }
        // §7.1 / RFC 6750: the type is compared case-insensitively; only bearer tokens are understood.
        guard let type = json["token_type"]?.stringValue, type.lowercased() == "bearer" else {
            throw .tokenEndpoint("\(endpoint) issued a token of type \(json["token_type"]?.stringValue ?? "(none)"); expected Bearer")
        }
        var lifetime: Int64? = nil
        if let field = json["expires_in"] {
            guard let seconds = (field.numberText ?? field.stringValue).flatMap({ Int64($0) }), seconds > 0 else {
                throw .tokenEndpoint("\(endpoint) answered expires_in \(JSONFieldText.describe(field)); expected a positive number of seconds")
            }
            lifetime = seconds
        }
        return AccessToken(value: value, obtainedAt: requestedAt,
                           expiresAt: lifetime.map { requestedAt.adding(milliseconds: $0 * 1000) },
                           refreshAt: lifetime.map { requestedAt.adding(milliseconds: AccessToken.refreshDelayMilliseconds(lifetimeSeconds: $0)) })
    }

    /// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`; anything else
    /// could not be sent safely in a header.
    static func isBearerTokenSyntax(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        let body = bytes.prefix { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
            default: false
            }
        }
        return !body.isEmpty && bytes.dropFirst(body.count).allSatisfy { $0 == UInt8(ascii: "=") }
    }
}

/// Obtains access tokens and caches one until it is due for refresh; concurrent callers share one request.
public actor OAuth2TokenSource {
    private let exchange: OAuth2TokenExchange
    private let transport: any HTTPTransport
    private let clock: any WallClock
    private var current: AccessToken?
    private var inFlight: Task<Result<AccessToken, HTTPError>, Never>?
    /// Tokens obtained so far (for status and tests).
    public private(set) var tokensObtained = 0

    public init(configuration: OAuth2ClientCredentialsConfiguration, transport: any HTTPTransport, clock: any WallClock) {
        exchange = OAuth2TokenExchange(configuration: configuration); self.transport = transport; self.clock = clock
    }

    /// The cached token while it is fresh, otherwise a new one. Failures are `HTTPError.tokenEndpoint` (kind `auth-token`).
    public func token() async throws(HTTPError) -> AccessToken {
        if let current, current.isFresh(at: clock.now()) { return current }
        if let inFlight { return try await inFlight.value.get() }
        let task = Task { await self.fetch() }
        inFlight = task
        let result = await task.value
        inFlight = nil
        if case let .success(token) = result { current = token }
        return try result.get()
    }

    /// Forgets `token` because the resource server refused it; a newer token someone already fetched is kept.
    public func invalidate(_ token: AccessToken) {
        if current == token { current = nil }
    }

    private func fetch() async -> Result<AccessToken, HTTPError> {
        let requestedAt = clock.now()
        do throws(HTTPError) {
            let response = try await transport.send(try exchange.request())
            let token = try exchange.token(from: response, requestedAt: requestedAt)
            tokensObtained += 1
            Log.info("access token obtained from \(exchange.configuration.tokenURL)"
                     + (token.expiresAt.map { ", valid \($0.milliseconds(since: requestedAt) / 1000) s" } ?? ", no expiry given"))
            return .success(token)
        } catch {
            if case .tokenEndpoint = error { return .failure(error) }
            return .failure(.tokenEndpoint("\(exchange.configuration.tokenURL): \(error.description)"))
        }
    }
}

enum JSONFieldText {
    static func describe(_ value: JSONValue) -> String {
        if let text = value.stringValue { return "\"\(text)\"" }
        return value.numberText ?? value.kindDescription
    }
}

extension String {
    var trimmingWhitespace: String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        var scalars = Substring.UnicodeScalarView(unicodeScalars.drop(while: isSpace))
        while let last = scalars.last, isSpace(last) { scalars.removeLast() }
        return String(scalars)
    }
}
