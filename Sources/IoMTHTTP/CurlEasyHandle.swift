import CCurl
import IoMTCore

/// One libcurl easy handle. Used by one thread at a time (the pool hands it out exclusively), which is
/// what libcurl requires; that is why the unchecked Sendable is sound.
final class CurlEasyHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    func perform(_ request: HTTPRequest, configuration: CurlHTTPClient.Configuration) -> Result<HTTPResponse, HTTPError> {
        // Reset clears options but keeps the connection cache, so keep-alive survives between requests.
        curl_easy_reset(handle)
        let sink = ResponseSink(maxBodyBytes: configuration.maxResponseBodyBytes)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var setup = CurlOptions(handle: handle)
            setup.string(CURLOPT_URL, request.url)
            setup.string(CURLOPT_PROTOCOLS_STR, "http,https")
            setup.long(CURLOPT_NOSIGNAL, 1)  // no SIGALRM for timeouts: we are multi-threaded
            // TLS is always verified (no option exists to disable it).
            setup.long(CURLOPT_SSL_VERIFYPEER, 1)
            setup.long(CURLOPT_SSL_VERIFYHOST, 2)
            if let path = configuration.caBundlePath { setup.string(CURLOPT_CAINFO, path) }
            if let path = configuration.clientCertificatePath { setup.string(CURLOPT_SSLCERT, path) }
            if let path = configuration.clientKeyPath { setup.string(CURLOPT_SSLKEY, path) }
            if let pin = configuration.pinnedPublicKey { setup.string(CURLOPT_PINNEDPUBLICKEY, pin) }
            setup.long(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds)
            let total = request.timeoutMilliseconds > 0
                ? min(request.timeoutMilliseconds, configuration.totalTimeoutMilliseconds) : configuration.totalTimeoutMilliseconds
            setup.long(CURLOPT_TIMEOUT_MS, total)
            setup.long(CURLOPT_TCP_KEEPALIVE, 1)
            setup.long(CURLOPT_FOLLOWLOCATION, 0)
            setup.pointer(CURLOPT_ERRORBUFFER, errorPointer.baseAddress)

            switch request.method {
            case "GET": setup.long(CURLOPT_HTTPGET, 1)
            case "HEAD": setup.long(CURLOPT_NOBODY, 1)
            case "POST": setup.body(request.body)
            default:
                setup.string(CURLOPT_CUSTOMREQUEST, request.method)
                if !request.body.isEmpty { setup.body(request.body) }
            }
            for header in request.headers { headerList = curl_slist_append(headerList, "\(header.name): \(header.value)") }
            // Without this libcurl waits for "100 Continue" before sending bodies over 1 KiB.
            headerList = curl_slist_append(headerList, "Expect:")
            setup.pointer(CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList))

            let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
            setup.check(iomt_curl_setopt_write(handle) { data, size, count, user in
                guard let data, let user else { return 0 }
                // Returning less than offered makes libcurl stop with CURLE_WRITE_ERROR.
                return Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue().appendBody(data, size * count) ? size * count : 0
            })
            setup.pointer(CURLOPT_WRITEDATA, sinkPointer)
            setup.check(iomt_curl_setopt_header(handle) { data, size, count, user in
                guard let data, let user else { return 0 }
                Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue().appendHeaderLine(data, size * count)
                return size * count
            })
            setup.pointer(CURLOPT_HEADERDATA, sinkPointer)
            if let failure = setup.failure { return failure }
            let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
            // The handle outlives these buffers (it goes back to the pool): leave it no dangling pointers.
            _ = iomt_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, nil)
            _ = iomt_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, nil)
            _ = iomt_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, nil)
            _ = iomt_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, nil)
            return code
        }

        if sink.exceededLimit { return .failure(.responseTooLarge(limitBytes: configuration.maxResponseBodyBytes)) }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(CurlErrorMapping.error(for: code, message: message, url: request.url))
        }
        var status = 0
        _ = iomt_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }
}

/// Sets options, remembering the first failure (an unknown option means a libcurl too old for us).
private struct CurlOptions {
    let handle: UnsafeMutableRawPointer
    var failure: CURLcode?

    init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    mutating func check(_ code: CURLcode) { if code != CURLE_OK, failure == nil { failure = code } }
    mutating func long(_ option: CURLoption, _ value: Int) { check(iomt_curl_setopt_long(handle, option, value)) }
    mutating func string(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (since 7.17), so a temporary C string is enough.
        check(value.withCString { iomt_curl_setopt_ptr(handle, option, $0) })
    }
    mutating func pointer(_ option: CURLoption, _ value: UnsafeRawPointer?) { check(iomt_curl_setopt_ptr(handle, option, value)) }
    mutating func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) { check(iomt_curl_setopt_ptr(handle, option, value)) }
    mutating func pointer(_ option: CURLoption, _ value: UnsafeMutablePointer<CChar>?) { check(iomt_curl_setopt_ptr(handle, option, value)) }

    /// POST semantics with a copied body (COPYPOSTFIELDS needs the size set first for binary data).
    mutating func body(_ bytes: [UInt8]) {
        long(CURLOPT_POST, 1)
        check(iomt_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
        if bytes.isEmpty {
            string(CURLOPT_COPYPOSTFIELDS, "")
        } else {
            check(bytes.withUnsafeBytes { iomt_curl_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) })
        }
    }
}

/// Collects the response; header lines of interim responses (100 Continue) are dropped at each new status line.
final class ResponseSink {
    private(set) var body: [UInt8] = []
    private(set) var headers: [HTTPHeader] = []
    private(set) var exceededLimit = false
    let maxBodyBytes: Int

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    /// false (and nothing kept) once the body would pass its bound.
    func appendBody(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Bool {
        guard count <= maxBodyBytes - body.count else {
            exceededLimit = true
            return false
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
        return true
    }

    func appendHeaderLine(_ data: UnsafeMutablePointer<CChar>, _ count: Int) {
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") { headers.removeAll(); return }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingSpaces
        headers.append(HTTPHeader(name, value))
    }
}
