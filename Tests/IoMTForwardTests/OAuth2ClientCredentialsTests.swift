import Foundation
import IoMTCore
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing
@testable import IoMTForward

/// OAuth2 client credentials against the real local DOM receiver over loopback: its token endpoint
/// issues opaque tokens and its `/fhir` refuses requests without a valid one.
@Suite struct OAuth2ClientCredentialsTests {
    static let client = OAuth2ClientRegistration(clientId: "gateway 0A1B:hub", clientSecret: "s3cret/with+odd&chars")

    /// A secret file (mode 0600) next to the store, and a forwarder whose transport authenticates.
    struct AuthenticatedForwarder {
        let forwarder: Forwarder
        let tokens: OAuth2TokenSource
        let secretFile: String
    }

    func makeAuthenticatedForwarder(_ fixture: StoreFixture, port: UInt16, secret: String = client.clientSecret,
                                    batchSize: Int = 100) throws -> AuthenticatedForwarder {
        let secretFile = fixture.directory.appendingPathComponent("client-secret").path
        try FileIO.writeAtomically(Array((secret + "\n").utf8), to: secretFile, mode: 0o600)
        let http = CurlHTTPClient(configuration: .init(connectTimeoutMilliseconds: 2000, totalTimeoutMilliseconds: 10_000))
        let tokens = OAuth2TokenSource(configuration: OAuth2ClientCredentialsConfiguration(
            tokenURL: "http://127.0.0.1:\(port)/token", clientId: Self.client.clientId, clientSecretFile: secretFile, scope: "system/Observation.write"),
            transport: http, clock: fixture.clock)
        let forwarder = Forwarder(store: fixture.store, destination: "dom", baseURL: "http://127.0.0.1:\(port)/fhir",
                                  wireFormat: FHIRPHDWireFormat(gateway: gateway),
                                  transport: AuthenticatingTransport(wrapping: http, tokens: tokens),
                                  configuration: ForwarderConfiguration(batchSize: batchSize, jitterSeed: 7), clock: fixture.clock)
        return AuthenticatedForwarder(forwarder: forwarder, tokens: tokens, secretFile: secretFile)
    }

    @Test func oneTokenServesManyRequests() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client))
        let port = try receiver.start()
        defer { receiver.stop() }
        let auth = try makeAuthenticatedForwarder(fixture, port: port, batchSize: 5)
        _ = try await fixture.store.append(readings(25))
        let steps = await drain(auth.forwarder)
        #expect(steps.last == .idle)
        #expect(steps.count == 6) // five bundles of five, then idle
        #expect(receiver.observationCount == 25)
        #expect(receiver.tokensIssued == 1)
        #expect(receiver.unauthorizedRequests == 0)
        #expect(await auth.tokens.tokensObtained == 1)
    }

    @Test func withoutATokenTheReceiverRefusesWithABearerChallenge() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(2))
        let plain = makeForwarder(fixture, port: port)
        let step = await plain.deliverOnce()
        guard case let .failed(kind, _) = step else { Issue.record("expected a failure, got \(step)"); return }
        #expect(kind == "http-401")
        #expect(receiver.unauthorizedRequests == 1)
        #expect(receiver.observationCount == 0)
        let response = try await CurlHTTPClient().send(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/fhir", body: Array("{}".utf8)))
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
    }

    @Test func tokenIsRefreshedBeforeItExpires() async throws {
        let fixture = try StoreFixture()
        // 600 s: refreshed at 480 s (80 %, earlier than 60 s before expiry).
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client, tokenLifetimeSeconds: 600))
        let port = try receiver.start()
        defer { receiver.stop() }
        let auth = try makeAuthenticatedForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(2))
        await drain(auth.forwarder)
        #expect(receiver.tokensIssued == 1)

        fixture.clock.advance(milliseconds: 479_000)
        _ = try await fixture.store.append(readings(2, startingAt: 2))
        await drain(auth.forwarder)
        #expect(receiver.tokensIssued == 1)

        fixture.clock.advance(milliseconds: 2_000)
        _ = try await fixture.store.append(readings(2, startingAt: 4))
        let steps = await drain(auth.forwarder)
        #expect(steps.first == .progressed(delivered: 2, quarantined: 0))
        #expect(receiver.tokensIssued == 2)
        #expect(receiver.unauthorizedRequests == 0) // refreshed ahead of time, never refused
        #expect(receiver.observationCount == 6)
    }

    @Test func forgottenTokenIsRefreshedOnceAndTheRequestRetriedOnce() async throws {
        let dataFile = FileManager.default.temporaryDirectory.appendingPathComponent("dom-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: dataFile) }
        let fixture = try StoreFixture()
        let first = DOMReceiver(configuration: DOMReceiverConfiguration(dataFile: dataFile, oauth2Client: Self.client))
        let port = try first.start()
        let auth = try makeAuthenticatedForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(3))
        await drain(auth.forwarder)
        #expect(first.tokensIssued == 1)
        first.stop()

        // Restarted: same data, but every token it issued is forgotten.
        let second = DOMReceiver(configuration: DOMReceiverConfiguration(port: port, dataFile: dataFile, oauth2Client: Self.client))
        try second.start()
        defer { second.stop() }
        _ = try await fixture.store.append(readings(3, startingAt: 3))
        let step = await auth.forwarder.deliverOnce()
        #expect(step == .progressed(delivered: 3, quarantined: 0))
        #expect(second.unauthorizedRequests == 1) // the stale token, refused once
        #expect(second.tokensIssued == 1)          // exactly one refresh
        #expect(second.bundleCount == 1)           // exactly one retry, accepted
        #expect(second.observationCount == 6)
        #expect(await auth.tokens.tokensObtained == 2)
    }

    /// The receiver's clock, not ours, decides: a token it considers expired (expired at the server, our injected
    /// clock standing still) is refused once, replaced once, and the bundle goes through.
    @Test func tokenExpiredAtTheServerIsReplacedOnce() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client, tokenLifetimeSeconds: 3600))
        let port = try receiver.start()
        defer { receiver.stop() }
        let auth = try makeAuthenticatedForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(1))
        await drain(auth.forwarder)
        #expect(receiver.observationCount == 1)
        // Counted from here, so a slow first round (a loaded machine) cannot blur the check.
        let (issuedBefore, refusedBefore) = (receiver.tokensIssued, receiver.unauthorizedRequests)
        // The server's clock passes the token's expiry; ours stands still (deterministic, no sleep on a loaded machine).
        receiver.expireIssuedTokens()
        _ = try await fixture.store.append(readings(1, startingAt: 1))
        #expect(await auth.forwarder.deliverOnce() == .progressed(delivered: 1, quarantined: 0))
        #expect(receiver.unauthorizedRequests == refusedBefore + 1)
        #expect(receiver.tokensIssued == issuedBefore + 1)
        #expect(receiver.observationCount == 2)
    }

    @Test func refusedFreshTokenIsAnAuthFailureAndKeepsRowsPending() async throws {
        let fixture = try StoreFixture()
        // DOM that refuses this client's writes whatever token it presents.
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            guard request.path == "/fhir" else { return nil }
            return .respond(status: 401, headers: ["WWW-Authenticate": #"Bearer error="insufficient_scope""#], body: "{}")
        }, oauth2Client: Self.client))
        let port = try receiver.start()
        defer { receiver.stop() }
        let auth = try makeAuthenticatedForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(4))
        let step = await auth.forwarder.deliverOnce()
        guard case let .failed(kind, _) = step else { Issue.record("expected a failure, got \(step)"); return }
        #expect(kind == "auth")
        #expect(receiver.tokensIssued == 2) // the first token and one refresh, no more
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 4)
        #expect(stats.quarantined == 0)
        #expect(stats.failuresByKind["auth"] == 4)
        #expect(await auth.forwarder.status.lastFailureKind == "auth")
    }

    @Test func wrongSecretFailsAsAuthTokenLosesNothingAndDrainsOnceFixed() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client))
        let port = try receiver.start()
        defer { receiver.stop() }
        let wrongSecret = "not-the-secret-\(UInt32.random(in: 0...UInt32.max))"
        let auth = try makeAuthenticatedForwarder(fixture, port: port, secret: wrongSecret, batchSize: 5)
        _ = try await fixture.store.append(readings(7))
        for _ in 0..<3 {
            let step = await auth.forwarder.deliverOnce()
            guard case let .failed(kind, _) = step else { Issue.record("expected a failure, got \(step)"); return }
            #expect(kind == "auth-token")
        }
        var stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 7)
        #expect(stats.quarantined == 0)
        #expect(stats.failuresByKind["auth-token"] != nil)
        #expect(receiver.tokensIssued == 0)
        #expect(receiver.bundleCount == 0)
        // The message explains, and never carries the secret.
        do {
            _ = try await auth.tokens.token()
            Issue.record("a token was issued for a wrong secret")
        } catch {
            #expect(error.kind == "auth-token")
            #expect(error.description.contains("invalid_client"))
            #expect(!error.description.contains(wrongSecret))
        }

        // The secret file is fixed (re-read at every token request): everything drains.
        try FileIO.writeAtomically(Array(Self.client.clientSecret.utf8), to: auth.secretFile, mode: 0o600)
        let steps = await drain(auth.forwarder)
        #expect(steps.last == .idle)
        #expect(receiver.observationCount == 7)
        stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.delivered == 7)
        #expect(receiver.tokensIssued == 1)
    }

    @Test func unreachableTokenEndpointIsAnAuthTokenFailure() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(oauth2Client: Self.client))
        let port = try receiver.start()
        receiver.stop()
        let auth = try makeAuthenticatedForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(2))
        let step = await auth.forwarder.deliverOnce()
        guard case let .failed(kind, _) = step else { Issue.record("expected a failure, got \(step)"); return }
        #expect(kind == "auth-token")
        #expect(try await fixture.store.stats(destination: "dom").backlog == 2)
    }
}

/// The small encoders the token request is built from, against published examples.
@Suite struct OAuth2EncodingTests {
    @Test func base64MatchesRFC4648TestVectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
        // RFC 7617 §2: Aladdin:open sesame
        #expect(Base64.encode(Array("Aladdin:open sesame".utf8)) == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        #expect(Base64.encode([0xFF, 0xFE, 0xFD]) == "//79")
    }

    @Test func formEncodingKeepsUnreservedAndEscapesTheRest() {
        #expect(FormURLEncoding.encode("a-Z_0.9*") == "a-Z_0.9*")
        #expect(FormURLEncoding.encode("a b:c/d+e&f=g%") == "a+b%3Ac%2Fd%2Be%26f%3Dg%25")
        #expect(FormURLEncoding.encode("zażółć") == "za%C5%BC%C3%B3%C5%82%C4%87")
        #expect(FormURLEncoding.body([("grant_type", "client_credentials"), ("scope", "a b")]) == "grant_type=client_credentials&scope=a+b")
    }

    @Test func bearerTokenSyntaxFollowsRFC6750() {
        #expect(OAuth2TokenExchange.isBearerTokenSyntax("abc.DEF-123_~+/=="))
        #expect(!OAuth2TokenExchange.isBearerTokenSyntax(""))
        #expect(!OAuth2TokenExchange.isBearerTokenSyntax("abc\r\nX-Injected: 1"))
        #expect(!OAuth2TokenExchange.isBearerTokenSyntax("a=b"))
        #expect(!OAuth2TokenExchange.isBearerTokenSyntax("with space"))
    }

    @Test func refreshComesAtEightyPercentOrAMinuteBeforeExpiryButNotBeforeHalfTime() {
        #expect(AccessToken.refreshDelayMilliseconds(lifetimeSeconds: 3600) == 2_880_000) // 80 %
        #expect(AccessToken.refreshDelayMilliseconds(lifetimeSeconds: 200) == 140_000)    // 60 s before
        #expect(AccessToken.refreshDelayMilliseconds(lifetimeSeconds: 60) == 30_000)      // half
    }

    @Test func tokenResponseIsParsedAndValidated() throws {
        let exchange = OAuth2TokenExchange(configuration: .init(tokenURL: "https://auth.example/token", clientId: "c", clientSecretFile: "/nonexistent"))
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        let ok = HTTPResponse(status: 200, headers: [], body: Array(#"{"access_token":"abc","token_type":"bearer","expires_in":"120"}"#.utf8))
        let token = try exchange.token(from: ok, requestedAt: now)
        #expect(token.expiresAt == now.adding(milliseconds: 120_000))
        #expect(!token.description.contains("abc"))
        let mac = HTTPResponse(status: 200, headers: [], body: Array(#"{"access_token":"abc","token_type":"mac"}"#.utf8))
        #expect(throws: HTTPError.self) { try exchange.token(from: mac, requestedAt: now) }
        let noExpiry = try exchange.token(from: HTTPResponse(status: 200, headers: [], body: Array(#"{"access_token":"abc","token_type":"Bearer"}"#.utf8)), requestedAt: now)
        #expect(noExpiry.isFresh(at: now.adding(milliseconds: 365 * 86_400_000)))
        // A missing secret file is an auth-token failure naming the file.
        do { _ = try exchange.request(); Issue.record("request built without a secret") } catch {
            #expect(error.kind == "auth-token")
            #expect(error.description.contains("/nonexistent"))
        }
    }
}
