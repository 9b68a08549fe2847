import Foundation
import IoMTCore

/// How the local DOM receiver listens and where it keeps what it acknowledged.
public struct DOMReceiverConfiguration: Sendable {
    /// TCP port on 127.0.0.1; 0 picks an ephemeral port (read it from `start()`).
    public var port: UInt16
    /// Append-only NDJSON of accepted resources, fsync'd before any 2xx; reloaded at start.
    public var dataFile: String?
    /// Directory receiving a copy of every POSTed bundle body (for offline validation).
    public var recordDirectory: String?
    /// Prints one line per bundle (counts only, never patient identifiers).
    public var log: Bool
    /// Fault injection hook, consulted for every request before normal handling (nil: behave).
    public var faults: (@Sendable (ReceivedRequestSummary) -> InjectedFault?)?
    /// TLS on the listener (nil: plain HTTP, the default the demo uses).
    public var tls: DOMReceiverTLS?
    /// With a client registered, `POST /token` issues bearer tokens and `/fhir` requires one.
    public var oauth2Client: OAuth2ClientRegistration?
    /// Lifetime of issued tokens (`expires_in`).
    public var tokenLifetimeSeconds: Int

    public init(port: UInt16 = 0, dataFile: String? = nil, recordDirectory: String? = nil, log: Bool = false,
                faults: (@Sendable (ReceivedRequestSummary) -> InjectedFault?)? = nil, tls: DOMReceiverTLS? = nil,
                oauth2Client: OAuth2ClientRegistration? = nil, tokenLifetimeSeconds: Int = 3600) {
        self.port = port; self.dataFile = dataFile; self.recordDirectory = recordDirectory; self.log = log; self.faults = faults
        self.tls = tls; self.oauth2Client = oauth2Client; self.tokenLifetimeSeconds = tokenLifetimeSeconds
    }
}

/// Server certificate and key (PEM); with `clientCAFile`, clients must present a certificate issued by that CA.
public struct DOMReceiverTLS: Sendable, Hashable {
    public var certificateFile: String
    public var keyFile: String
    public var clientCAFile: String?
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile; self.keyFile = keyFile; self.clientCAFile = clientCAFile
    }
}

/// The one OAuth2 client the receiver's token endpoint knows.
public struct OAuth2ClientRegistration: Sendable, Hashable {
    public var clientId: String
    public var clientSecret: String
    public init(clientId: String, clientSecret: String) { self.clientId = clientId; self.clientSecret = clientSecret }

    /// `ID:SECRET` as given on the command line (the secret may itself contain colons).
    public init?(argument: String) {
        guard let colon = argument.firstIndex(of: ":"), colon != argument.startIndex, argument.index(after: colon) != argument.endIndex else { return nil }
        self.init(clientId: String(argument[..<colon]), clientSecret: String(argument[argument.index(after: colon)...]))
    }
}

/// What the fault hook sees of a request.
public struct ReceivedRequestSummary: Sendable, Hashable {
    public var method: String
    public var path: String
    /// 1-based count of requests this receiver has seen (across connections).
    public var sequence: Int
    /// The request body, so a script can refuse bundles carrying a particular row.
    public var body: [UInt8]
}

/// A scripted misbehaviour for resilience tests.
public enum InjectedFault: Sendable, Hashable {
    /// Answer with this status (e.g. 503) and headers (e.g. Retry-After) without processing the request.
    case respond(status: Int, headers: [String: String], body: String)
    /// Wait, then handle the request normally (slow server).
    case delay(milliseconds: Int)
    /// Close the connection without answering (after reading the request).
    case drop
    /// Handle the request normally — DOM stores the resources — then damage the answer, so the client
    /// cannot know it was accepted: its resend must be matched by conditional create.
    case processThen(ResponseDamage)
    /// Handle the transaction, but refuse every `every`-th Observation entry with `status` inside a 200
    /// transaction-response (not stored; OperationOutcome in `response.outcome`); other entries as usual.
    case failEntries(status: Int, every: Int)
}

/// How an answer is damaged after the request was handled.
public enum ResponseDamage: Sendable, Hashable {
    /// 200 with a body that is not JSON.
    case garbage
    /// 200 with the first half of the transaction-response JSON.
    case truncate
    /// Close the connection without answering.
    case drop
}

public struct DOMReceiverError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
