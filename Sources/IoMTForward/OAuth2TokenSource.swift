import IoMTCore
import IoMTHTTP

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
