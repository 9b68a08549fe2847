import Foundation
import IoMTCore
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing
@testable import IoMTForward

/// Numbers DOM or its token endpoint send back are untrusted: absurd ones must neither trap (which would stop
/// the daemon and, under systemd, loop it) nor stall delivery beyond the forwarder's clamp.
@Suite struct HostileNumbersTests {
    static let now = Instant(millisecondsSinceEpoch: 784_111_777_000) // 1994-11-06T08:49:37Z

    @Test func hugeRetryAfterSecondsSaturateInsteadOfTrapping() {
        #expect(RetryAfter.milliseconds("99999999999999999", now: Self.now) == Int64.max)
        #expect(RetryAfter.milliseconds("99999999999999999999999999", now: Self.now) == Int64.max)
        #expect(RetryAfter.milliseconds("9223372036854775", now: Self.now) == 9_223_372_036_854_775_000)
        #expect(RetryAfter.milliseconds("-5", now: Self.now) == nil)
        #expect(RetryAfter.milliseconds("", now: Self.now) == nil)
    }

    @Test func httpDatesInAbsurdYearsAreFarAwayNotATrap() throws {
        let year99999 = try #require(RetryAfter.milliseconds("Sun, 06 Nov 99999 08:49:37 GMT", now: Self.now))
        #expect(year99999 == CivilTime(year: 99999, month: 11, day: 6, hour: 8, minute: 49, second: 37).instant(assumingOffsetMinutes: 0)
            .milliseconds(since: Self.now))
        #expect(year99999 > 3_000_000 * 86_400_000)
        #expect((RetryAfter.milliseconds("Sun, 06 Nov 999999999999999999 08:49:37 GMT", now: Self.now) ?? 0) > 9_000_000_000_000_000_000)
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 99999 08:49:37 GMT", now: Instant(millisecondsSinceEpoch: .min)) == Int64.max)
    }

    @Test func tokenLifetimeOfTwoToTheSixtyThirdIsBoundedNotATrap() throws {
        let exchange = OAuth2TokenExchange(configuration: .init(tokenURL: "https://auth.example/token", clientId: "c", clientSecretFile: "/nonexistent"))
        for lifetime in ["9223372036854775808", "9223372036854775807", "\"99999999999999999999\""] {
            let body = #"{"access_token":"abc","token_type":"bearer","expires_in":\#(lifetime)}"#
            let token = try exchange.token(from: HTTPResponse(status: 200, headers: [], body: Array(body.utf8)), requestedAt: Self.now)
            #expect(token.expiresAt == Self.now.adding(milliseconds: 86_400_000), "expires_in \(lifetime)") // believed for 24 h at most
            let refresh = try #require(token.refreshAt)
            #expect(refresh > Self.now && refresh < token.expiresAt!)
        }
        #expect(AccessToken.refreshDelayMilliseconds(lifetimeSeconds: .max) == 86_400_000 * 8 / 10)
    }

    /// Through the real receiver and the forwarder: each absurd Retry-After is honoured only up to the clamp
    /// (`maxRetryAfterMilliseconds`, 10 min by default), and the rows go through once DOM answers.
    @Test func forwarderRetriesWithinItsClampWhenDOMSendsAbsurdRetryAfter() async throws {
        let fixture = try StoreFixture()
        let script = try FaultScript("1:503+retry-after=99999999999999999, 2:429+retry-after-date-year=99999, 3:503+retry-after=99999999999999999999999")
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: script.hook))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(2))
        let forwarder = makeForwarder(fixture, port: port)
        let clamp = ForwarderConfiguration().maxRetryAfterMilliseconds
        #expect(clamp == 600_000)
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-503", retryInMilliseconds: clamp))
        #expect(await forwarder.status.nextAttempt == fixture.clock.now().adding(milliseconds: clamp))
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-429", retryInMilliseconds: clamp))
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-503", retryInMilliseconds: clamp))
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 2, quarantined: 0))
        #expect(receiver.observationCount == 2)
    }
}
