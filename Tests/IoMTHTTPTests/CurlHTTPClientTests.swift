import Testing
@testable import IoMTHTTP

@Suite("CurlHTTPClient over loopback")
struct CurlHTTPClientTests {
    @Test func getAndPostRoundTripStatusBodyAndHeaders() async throws {
        let server = try LoopbackServer(.respond { request in
            if request.method == "POST" {
                return (201, [("Location", "/Bundle/7"), ("X-Echo-Type", request.header("Content-Type") ?? "")], request.body.reversed())
            }
            return (200, [("Content-Type", "text/plain"), ("X-Target", request.target)], Array("hello".utf8))
        })
        defer { server.stop() }
        let client = CurlHTTPClient()
        let base = "http://127.0.0.1:\(server.port)"

        let get = try await client.send(HTTPRequest(method: "GET", url: base + "/metadata?x=1", headers: [HTTPHeader("Accept", "text/plain")]))
        #expect(get.status == 200)
        #expect(get.body == Array("hello".utf8))
        #expect(get.header("content-type") == "text/plain")
        #expect(get.header("X-Target") == "/metadata?x=1")

        let body = (0..<5000).map { UInt8($0 % 251) }  // larger than 1 KiB: no Expect: 100-continue stall
        let post = try await client.send(HTTPRequest(method: "POST", url: base + "/Bundle",
                                                     headers: [HTTPHeader("Content-Type", "application/fhir+json")], body: body))
        #expect(post.status == 201)
        #expect(post.body == body.reversed())
        #expect(post.header("Location") == "/Bundle/7")
        #expect(post.header("X-Echo-Type") == "application/fhir+json")

        let put = try await client.send(HTTPRequest(method: "PUT", url: base + "/Patient/1", body: [1, 2, 3]))
        #expect(put.status == 200)

        let requests = server.requests
        #expect(requests.map(\.method) == ["GET", "POST", "PUT"])
        #expect(requests[0].header("Accept") == "text/plain")
        #expect(requests[1].body == body)
        #expect(requests[1].header("Expect") == nil)
        #expect(requests[2].body == [1, 2, 3])
        // Counted by requests, not accepts: a parallel test probing a recycled port may connect without a request.
        #expect(Set(requests.map(\.connection)).count == 1, "sequential requests reuse one keep-alive connection")
    }

    @Test func errorStatusIsAResponseNotAnError() async throws {
        let server = try LoopbackServer(.respond { _ in (503, [("Retry-After", "5")], Array("busy".utf8)) })
        defer { server.stop() }
        let response = try await CurlHTTPClient().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        #expect(response.status == 503)
        #expect(response.header("retry-after") == "5")
    }

    @Test func refusedConnectionIsConnect() async {
        let port = LoopbackServer.unusedPort()
        let error = await sendExpectingError(CurlHTTPClient(), HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
        #expect(error?.kind == "connect", "got \(String(describing: error))")
    }

    @Test func silentServerTimesOut() async throws {
        let server = try LoopbackServer(.silent)
        defer { server.stop() }
        let error = await sendExpectingError(CurlHTTPClient(),
                                             HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/", timeoutMilliseconds: 300))
        #expect(error == .timeout)
    }

    @Test func closeMidResponseIsConnectionReset() async throws {
        let server = try LoopbackServer(.closeMidResponse(announced: 100, sent: 10))
        defer { server.stop() }
        let error = await sendExpectingError(CurlHTTPClient(), HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        #expect(error?.kind == "reset", "got \(String(describing: error))")
    }

    @Test func closeWithoutAnswerIsConnectionReset() async throws {
        let server = try LoopbackServer(.closeImmediately)
        defer { server.stop() }
        let error = await sendExpectingError(CurlHTTPClient(), HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        #expect(error?.kind == "reset", "got \(String(describing: error))")
    }

    @Test func httpsToPlainListenerIsTLS() async throws {
        let server = try LoopbackServer(.plainReply(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)))
        defer { server.stop() }
        let error = await sendExpectingError(CurlHTTPClient(), HTTPRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/"))
        #expect(error?.kind == "tls", "got \(String(describing: error))")
    }

    @Test func refusesHeaderInjectionAndOtherSchemes() async {
        let client = CurlHTTPClient()
        let injected = await sendExpectingError(client, HTTPRequest(method: "GET", url: "http://127.0.0.1:1/",
                                                                    headers: [HTTPHeader("X-A", "b\r\nHost: evil")]))
        #expect(injected?.kind == "invalid")
        let file = await sendExpectingError(client, HTTPRequest(method: "GET", url: "file:///etc/passwd"))
        #expect(file?.kind == "invalid")
    }

    @Test func hostPartDropsPathQueryAndCredentials() {
        #expect(CurlErrorMapping.hostPart("https://user:pw@dom.example:8443/fhir/Patient?id=123") == "https://dom.example:8443")
    }

    private func sendExpectingError(_ client: CurlHTTPClient, _ request: HTTPRequest) async -> HTTPError? {
        do {
            let response = try await client.send(request)
            Issue.record("expected an error, got HTTP \(response.status)")
            return nil
        } catch {
            return error
        }
    }
}
