import Testing
@testable import IoMTHTTP

/// A server answering with an endless or huge body must not grow the daemon: the client keeps at most
/// `maxResponseBodyBytes` (4 MiB by default) and fails with its own error kind past that.
@Suite("HTTP response body bound")
struct ResponseBodyBoundTests {
    @Test func aBodyLargerThanFourMebibytesFailsWithTooLarge() async throws {
        let huge = [UInt8](repeating: 0x7B, count: (4 << 20) + 1)
        let server = try LoopbackServer(.respond { _ in (200, [("Content-Type", "application/fhir+json")], huge) })
        defer { server.stop() }
        do {
            let response = try await CurlHTTPClient().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/metadata"))
            Issue.record("a \(huge.count)-byte body was kept whole (\(response.body.count) bytes)")
        } catch {
            #expect(error == .responseTooLarge(limitBytes: 4 << 20))
            #expect(error.kind == "too-large")
        }
    }

    @Test func aBodyAtTheBoundIsKept() async throws {
        let body = [UInt8](repeating: 0x41, count: 1000)
        let server = try LoopbackServer(.respond { _ in (200, [], body) })
        defer { server.stop() }
        var configuration = CurlHTTPClient.Configuration()
        configuration.maxResponseBodyBytes = 1000
        let response = try await CurlHTTPClient(configuration: configuration).send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        #expect(response.body == body)
        configuration.maxResponseBodyBytes = 999
        await #expect(throws: HTTPError.responseTooLarge(limitBytes: 999)) {
            try await CurlHTTPClient(configuration: configuration).send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        }
    }
}
