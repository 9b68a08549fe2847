import CCurl
import Dispatch
import IoMTCore
import Synchronization

/// HTTP(S) client on libcurl. TLS peer and host name are always verified; there is no switch to turn
/// that off. Blocking transfers run on a dedicated dispatch queue, never on the cooperative pool.
/// Easy handles are pooled so keep-alive connections (and TLS sessions) are reused between requests.
public final class CurlHTTPClient: HTTPTransport {
    public struct Configuration: Sendable, Hashable {
        /// PEM bundle of trusted CAs; nil uses the system store (Debian: /etc/ssl/certs).
        public var caBundlePath: String?
        /// Client certificate and key (PEM) for mutual TLS.
        public var clientCertificatePath: String?
        public var clientKeyPath: String?
        /// `sha256//<base64>` of the server's public key (CURLOPT_PINNEDPUBLICKEY), checked on top of CA verification.
        public var pinnedPublicKey: String?
        public var connectTimeoutMilliseconds: Int
        /// Upper bound for a whole request; a request's own `timeoutMilliseconds` may shorten it.
        public var totalTimeoutMilliseconds: Int
        /// Idle easy handles kept for connection reuse.
        public var maxIdleHandles: Int
        /// Largest response body kept in memory; a longer one fails with `.responseTooLarge` (a misbehaving or
        /// hostile server must not grow the daemon without bound; DOM's answers are a few kilobytes).
        public var maxResponseBodyBytes: Int = Configuration.defaultMaxResponseBodyBytes
        public static let defaultMaxResponseBodyBytes = 4 << 20

        public init(caBundlePath: String? = nil, clientCertificatePath: String? = nil, clientKeyPath: String? = nil,
                    pinnedPublicKey: String? = nil, connectTimeoutMilliseconds: Int = 10_000,
                    totalTimeoutMilliseconds: Int = 60_000, maxIdleHandles: Int = 4) {
            self.caBundlePath = caBundlePath; self.clientCertificatePath = clientCertificatePath
            self.clientKeyPath = clientKeyPath; self.pinnedPublicKey = pinnedPublicKey
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
            self.totalTimeoutMilliseconds = totalTimeoutMilliseconds; self.maxIdleHandles = maxIdleHandles
        }
    }

    public let configuration: Configuration
    private let idleHandles = Mutex<[CurlEasyHandle]>([])
    private let queue = DispatchQueue(label: "iomtd.http.curl", attributes: .concurrent)

    public init(configuration: Configuration = Configuration()) {
        CurlGlobal.initialise()
        self.configuration = configuration
    }

    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        try RequestValidation.check(request)
        let result: Result<HTTPResponse, HTTPError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.perform(request))
            }
        }
        return try result.get()
    }

    /// Runs on `queue`: borrows an easy handle, performs, returns the handle to the pool.
    private func perform(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPError> {
        let borrowed = idleHandles.withLock { $0.popLast() }
        guard let handle = borrowed ?? CurlEasyHandle() else { return .failure(.other("curl_easy_init failed (out of memory?)")) }
        let result = handle.perform(request, configuration: configuration)
        let limit = configuration.maxIdleHandles
        idleHandles.withLock { idle in
            if idle.count < limit { idle.append(handle) }
        }
        return result
    }
}

/// `curl_global_init` is not thread-safe and must run once before any handle exists.
enum CurlGlobal {
    private static let initialised: Bool = iomt_curl_global_init_default() == CURLE_OK
    static func initialise() { _ = initialised }
}

/// Refuses requests libcurl would misinterpret (header injection, unsupported schemes).
enum RequestValidation {
    static func check(_ request: HTTPRequest) throws(HTTPError) {
        let lowered = request.url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw .invalidRequest("URL \(request.url) must start with http:// or https://")
        }
        guard !request.method.isEmpty, request.method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }) else {
            throw .invalidRequest("method \"\(request.method)\" is not an HTTP token")
        }
        for header in request.headers {
            let bad: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
            if header.name.isEmpty || header.name.utf8.contains(where: { bad($0) || $0 == 0x3A || $0 == 0x20 })
                || header.value.utf8.contains(where: bad) {
                throw .invalidRequest("header \"\(header.name)\" has an empty name or a CR/LF/colon where none is allowed")
            }
        }
    }
}
