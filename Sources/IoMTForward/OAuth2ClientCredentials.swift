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

    /// The longest `expires_in` believed (24 h): a token is replaced at least daily whatever the server
    /// says, and no lifetime from outside can overflow the arithmetic on it.
    static let maximumLifetimeSeconds: Int64 = 86_400

    public func isFresh(at now: Instant) -> Bool { refreshAt.map { now < $0 } ?? true }

    public var description: String {
        "access token (redacted), obtained \(obtainedAt)" + (expiresAt.map { ", expires \($0)" } ?? ", no expiry given")
    }

    /// Replace at 80 % of the lifetime or 60 s before expiry, whichever comes first — but not before
    /// half the lifetime has passed, so a very short-lived token is not refreshed at every request.
    static func refreshDelayMilliseconds(lifetimeSeconds: Int64) -> Int64 {
        let lifetime = min(lifetimeSeconds, maximumLifetimeSeconds) * 1000
        let earliest = min(lifetime * 8 / 10, lifetime - 60_000)
        return max(lifetime / 2, earliest)
    }
}
