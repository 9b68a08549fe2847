import IoMTCore
import IoMTHTTP

/// The token request and the parsing of its answer (RFC 6749 §4.4.2, §5.1, §5.2). Pure apart from
/// reading the secret file.
struct OAuth2TokenExchange: Sendable {
    let configuration: OAuth2ClientCredentialsConfiguration

    func request() throws(HTTPError) -> HTTPRequest {
        let secret: String
        do { secret = try FileIO.readText(configuration.clientSecretFile).trimmingSpaces } catch {
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
            guard let seconds = (field.numberText ?? field.stringValue).flatMap({ Int64(saturatingDigits: $0) }), seconds > 0 else {
                throw .tokenEndpoint("\(endpoint) answered expires_in \(JSONFieldText.describe(field)); expected a positive number of seconds")
            }
            // A lifetime beyond the bound (up to 2^63 and more has been seen in fuzzing) is used for the bound only.
            lifetime = min(seconds, AccessToken.maximumLifetimeSeconds)
        }
        return AccessToken(value: value, obtainedAt: requestedAt,
                           expiresAt: lifetime.map { requestedAt.adding(milliseconds: $0.multipliedSaturated(by: 1000)) },
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

enum JSONFieldText {
    static func describe(_ value: JSONValue) -> String {
        if let text = value.stringValue { return "\"\(text)\"" }
        return value.numberText ?? value.kindDescription
    }
}
