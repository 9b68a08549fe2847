import IoMTCore
import IoMTFHIR
@testable import IoMTForward
import IoMTHTTP

/// libFuzzer target: what DOM and its token endpoint send back (see scripts/fuzz.sh). The input's first line is a
/// header value (Retry-After, also read as the Date header by doctor), the rest a response body, read both as a
/// transaction-response Bundle and as an OAuth2 token response. Every number in it comes from outside: nothing may
/// trap, and what comes out must be usable (a delay ≥ 0, a token refreshed no earlier than issued, before expiry).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lineEnd = bytes.firstIndex(of: 10) ?? bytes.count
    let header = String(decoding: bytes[..<lineEnd], as: UTF8.self)
    let body = Array(bytes[min(lineEnd + 1, bytes.count)...])
    let now = Instant(millisecondsSinceEpoch: 1_764_000_000_000) // 2025-11-24
    for reference in [now, Instant(millisecondsSinceEpoch: 0), Instant(millisecondsSinceEpoch: .min)] {
        if let delay = RetryAfter.milliseconds(header, now: reference), delay < 0 { fatalError("Retry-After \"\(header)\" gave \(delay) ms") }
    }
    for requestEntries in 0...3 {
        let ids = (0..<requestEntries).map { Int64($0) }
        if let outcomes = try? TransactionResponseParser().parse(body, entryStoreIds: ids), outcomes.count != requestEntries {
            fatalError("\(outcomes.count) outcomes for \(requestEntries) request entries")
        }
    }
    _ = TransactionResponseParser.operationOutcomeText(body: body)
    let exchange = OAuth2TokenExchange(configuration: .init(tokenURL: "https://auth.example/token", clientId: "c", clientSecretFile: "/nonexistent"))
    for status in [200, 401] {
        guard let token = try? exchange.token(from: HTTPResponse(status: status, headers: [], body: body), requestedAt: now) else { continue }
        if let expiry = token.expiresAt, let refresh = token.refreshAt, !(now < refresh && refresh < expiry) {
            fatalError("token from \(now) refreshed at \(refresh), expires \(expiry)")
        }
    }
    return 0
}
