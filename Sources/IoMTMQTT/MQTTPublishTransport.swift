import IoMTHTTP

/// Lets the Forwarder (its ordering, read-ahead, quarantine and BackoffPolicy) deliver to a broker: the
/// request's `url` is the topic, its body the payload. The answer is 200 only once the PUBACK arrived with a
/// success code; every other outcome is an error the Forwarder counts and backs off on, rows kept pending.
public struct MQTTPublishTransport: HTTPTransport {
    public let client: MQTTClient

    public init(client: MQTTClient) { self.client = client }

    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        do {
            try await client.publish(topic: request.url, payload: request.body)
        } catch {
            switch error {
            case let .connect(m), let .refusedConnection(m): throw .connect(m)
            case let .connectionLost(m): throw .connectionReset(m)
            case .timeout: throw .timeout
            case let .refusedPublish(m): throw .other("PUBACK refused: \(m)")
            case let .invalid(m): throw .invalidRequest(m)
            }
        }
        return HTTPResponse(status: 200, headers: [], body: [])
    }
}
