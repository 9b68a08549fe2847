import IoMTCore
import IoMTHTTP

/// Adds `Authorization: Bearer …` (RFC 6750 §2.1) to every request, so the Forwarder stays unaware of OAuth.
/// A 401 means the token expired early or the server forgot it (a restart): the token is refreshed once
/// and the request retried once. A second 401 is `HTTPError.authenticationRejected` (kind `auth`), which
/// delivery retries with backoff — rows are never quarantined for it.
public struct AuthenticatingTransport: HTTPTransport {
    private let inner: any HTTPTransport
    private let tokens: OAuth2TokenSource

    public init(wrapping inner: any HTTPTransport, tokens: OAuth2TokenSource) {
        self.inner = inner; self.tokens = tokens
    }

    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let token = try await tokens.token()
        let first = try await inner.send(authorised(request, with: token))
        guard first.status == 401 else { return first }
        Log.notice("DOM refused the access token (HTTP 401); fetching a new one and retrying once")
        await tokens.invalidate(token)
        let fresh = try await tokens.token()
        let second = try await inner.send(authorised(request, with: fresh))
        guard second.status == 401 else { return second }
        await tokens.invalidate(fresh)
        let challenge = second.header("WWW-Authenticate").map { " (WWW-Authenticate: \($0))" } ?? ""
        throw .authenticationRejected("DOM answered HTTP 401 to a freshly issued token\(challenge); check that the OAuth2 client is allowed to write at DOM")
    }

    private func authorised(_ request: HTTPRequest, with token: AccessToken) -> HTTPRequest {
        var copy = request
        copy.headers.removeAll { $0.name.lowercased() == "authorization" }
        copy.headers.append(HTTPHeader("Authorization", "Bearer " + token.value))
        return copy
    }
}
