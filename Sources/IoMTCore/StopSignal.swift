import Dispatch
import Glibc

/// Resolves when SIGTERM or SIGINT arrives. The signal sources are only retained (never touched
/// after init), which is why the unchecked conformance is sound.
package final class StopSignal: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Void>
    private let continuation: BoundedStreamSink<Void>

    package init() {
        // One pending stop is all that matters: repeated signals keep the newest, counted (never a growing queue).
        (stream, continuation) = BoundedStreamSink<Void>.make(name: "stop signals", capacity: 1, policy: .dropOldest)
        var made: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let continuation = continuation
            source.setEventHandler { continuation.yield(()) }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    package func wait() async {
        for await _ in stream { return }
    }
}
