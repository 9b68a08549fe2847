import COpenSSL
import Glibc

/// TLS for the receiver's listener on OpenSSL's libssl: TLS 1.2 or later, the given certificate and key,
/// and — with a client CA — mutual TLS: a client without a certificate issued by that CA fails the handshake.
/// An SSL_CTX may be shared by threads once set up (OpenSSL ≥ 1.1), which is why the unchecked Sendable is sound.
final class TLSServerContext: @unchecked Sendable {
    private let context: OpaquePointer

    init(_ settings: DOMReceiverTLS) throws(DOMReceiverError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw DOMReceiverError(message: "SSL_CTX_new failed: \(Self.lastError())") }
        self.context = context
        guard iomt_ssl_ctx_require_tls12(context) == 1 else { throw DOMReceiverError(message: "cannot require TLS 1.2: \(Self.lastError())") }
        guard SSL_CTX_use_certificate_chain_file(context, settings.certificateFile) == 1 else {
            throw DOMReceiverError(message: "cannot load the TLS certificate \(settings.certificateFile): \(Self.lastError()); expected a PEM certificate (chain)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, settings.keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw DOMReceiverError(message: "cannot load the TLS key \(settings.keyFile): \(Self.lastError()); expected the PEM key of \(settings.certificateFile)")
        }
        if let clientCA = settings.clientCAFile {
            guard SSL_CTX_load_verify_locations(context, clientCA, nil) == 1, let names = SSL_load_client_CA_file(clientCA) else {
                throw DOMReceiverError(message: "cannot load the client CA \(clientCA): \(Self.lastError()); expected PEM certificates")
            }
            SSL_CTX_set_client_CA_list(context, names)  // takes ownership; tells clients which issuers we accept
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Runs the server handshake on an accepted socket (blocking, on the connection's own thread).
    func accept(fd: Int32) -> Result<TLSConnection, DOMReceiverError> {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else { return .failure(DOMReceiverError(message: "SSL_new failed: \(Self.lastError())")) }
        SSL_set_fd(ssl, fd)
        guard SSL_accept(ssl) == 1 else {
            let reason = Self.lastError()
            SSL_free(ssl)
            return .failure(DOMReceiverError(message: "TLS handshake failed: \(reason)"))
        }
        return .success(TLSConnection(ssl: ssl))
    }

    static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no OpenSSL error queued (peer closed?)" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One TLS session; used by its connection's thread only.
final class TLSConnection: ReceiverConnection {
    private let ssl: OpaquePointer

    init(ssl: OpaquePointer) { self.ssl = ssl }

    deinit {
        SSL_shutdown(ssl)  // close_notify, best effort; the socket is closed by the owner afterwards
        SSL_free(ssl)
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        Int(SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max)))))
    }

    func sendAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if written <= 0 { return false }
            offset += Int(written)
        }
        return true
    }
}
