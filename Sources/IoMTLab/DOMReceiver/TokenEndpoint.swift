import Foundation
import Glibc
import IoMTCore

/// The receiver's OAuth 2.0 token endpoint (client credentials grant, RFC 6749 §4.4) and the bearer
/// check on `/fhir` (RFC 6750 §3). Tokens are opaque random strings kept in memory only, so a
/// restarted receiver has forgotten them — exactly what a client must survive.
struct TokenEndpoint {
    let client: OAuth2ClientRegistration
    let lifetimeSeconds: Int
    private var expiries: [String: UInt64] = [:]
    private(set) var issued = 0
    private(set) var refused = 0

    init(client: OAuth2ClientRegistration, lifetimeSeconds: Int) { self.client = client; self.lifetimeSeconds = lifetimeSeconds }

    mutating func issue(_ request: HTTPWireRequest) -> HTTPWireResponse {
        let form = Dictionary(formFields(request.body), uniquingKeysWith: { first, _ in first })
        guard let (id, secret) = basicCredentials(request) ?? form["client_id"].map({ ($0, form["client_secret"] ?? "") }) else {
            return oauthError(401, "invalid_client", "client authentication required (HTTP Basic)")
        }
        guard id == client.clientId, secret == client.clientSecret else {
            return oauthError(401, "invalid_client", "unknown client or wrong secret")
        }
        guard form["grant_type"] == "client_credentials" else {
            return oauthError(400, "unsupported_grant_type", "only client_credentials is supported")
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let now = monotonicNanoseconds()
        expiries = expiries.filter { $0.value > now }
        expiries[token] = now + UInt64(lifetimeSeconds) * 1_000_000_000
        issued += 1
        let body = JSONValue.object([("access_token", .string(token)), ("token_type", .string("Bearer")),
                                     ("expires_in", .number(lifetimeSeconds))]).serialized()
        var response = HTTPWireResponse.json(200, body, contentType: "application/json")
        response.headers.append(("Cache-Control", "no-store"))  // §5.1
        return response
    }

    /// nil when the request carries a valid, unexpired bearer token; otherwise the 401 to send.
    mutating func expireAll() {
        for token in expiries.keys { expiries[token] = 0 }
    }

    mutating func refusal(_ request: HTTPWireRequest) -> HTTPWireResponse? {
        let header = request.header("Authorization") ?? ""
        let parts = header.split(separator: " ", maxSplits: 1)
        if parts.count == 2, parts[0].lowercased() == "bearer", let expiry = expiries[String(parts[1])], expiry > monotonicNanoseconds() {
            return nil
        }
        refused += 1
        let error = header.isEmpty ? "" : #", error="invalid_token""#
        var response = HTTPWireResponse.json(401, TransactionProcessor.operationOutcome(401, "a valid bearer token is required"))
        response.headers.append(("WWW-Authenticate", #"Bearer realm="dom-receiver""# + error))
        return response
    }

    private func oauthError(_ status: Int, _ code: String, _ description: String) -> HTTPWireResponse {
        var response = HTTPWireResponse.json(status, JSONValue.object([("error", .string(code)), ("error_description", .string(description))]).serialized(),
                                             contentType: "application/json")
        if status == 401 { response.headers.append(("WWW-Authenticate", #"Basic realm="dom-receiver""#)) }
        return response
    }

    /// RFC 6749 §2.3.1: Basic credentials whose two halves are form-urlencoded.
    private func basicCredentials(_ request: HTTPWireRequest) -> (String, String)? {
        guard let header = request.header("Authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let data = Data(base64Encoded: String(parts[1])) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (percentDecode(text[..<colon]), percentDecode(text[text.index(after: colon)...]))
    }

    private func formFields(_ body: [UInt8]) -> [(String, String)] {
        String(decoding: body, as: UTF8.self).split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (percentDecode(parts[0]), parts.count > 1 ? percentDecode(parts[1]) : "")
        }
    }
}
