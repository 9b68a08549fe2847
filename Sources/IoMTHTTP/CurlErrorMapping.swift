import CCurl

/// libcurl result codes → `HTTPError` kinds that delivery counts and retries by.
enum CurlErrorMapping {
    static func error(for code: CURLcode, message: String, url: String) -> HTTPError {
        let context = "\(message) (curl \(code.rawValue), \(hostPart(url)))"
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connect(context)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_RECV_ERROR where message.contains(" alert "), CURLE_SEND_ERROR where message.contains(" alert "):
            // TLS 1.3: the server judges our client certificate after our side of the handshake is done, so
            // its refusal ("tlsv13 alert certificate required", "alert unknown ca") arrives as a read error.
            return .tls(context + "; the server refused the TLS session: check the client certificate and key in the configuration")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            // PARTIAL_FILE: the peer closed before the announced Content-Length arrived.
            return .connectionReset(context)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
             CURLE_USE_SSL_FAILED:
            return .tls(context + "; check the CA bundle, client certificate and pinned key in the configuration")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest(context)
        default:
            return .other(context)
        }
    }

    /// Scheme and authority only: paths and queries could carry identifiers that must not reach logs.
    static func hostPart(_ url: String) -> String {
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty else { return "invalid URL" }
        let authority = parts[2].prefix { $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last ?? authority  // never echo user:password
        return "\(parts[0])//\(host)"
    }
}
