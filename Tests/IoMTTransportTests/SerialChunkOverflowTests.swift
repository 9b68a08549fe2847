import Glibc
import IoMTCore
import IoMTProfiles
import IoMTTransport
import Testing

/// Issue 12.9: `SerialConnection.chunks()` on a real pseudo-terminal, flooded while nobody reads the stream: at most
/// `buffer` events wait, the refused ones are counted, and the consumer is told (`.overrun`) before the next chunk.
@Suite struct SerialChunkOverflowTests {
    @Test func aStalledConsumerHoldsAtMostTheBufferAndLearnsWhatWasLostBeforeTheNextChunk() async throws {
        let pty = try PseudoTerminal()
        let connection = SerialConnection(path: pty.slavePath, settings: SerialSettings(baudRate: 115200))
        let stream = connection.chunks(buffer: 4)
        var iterator = stream.makeAsyncIterator()
        // The port is open (on a loaded machine that can take a while) before the flood, or bytes written to the
        // master before the reader opened the slave would only fill the pty and never reach the stream.
        #expect(await iterator.next() == .opened(path: pty.slavePath))
        let block = [UInt8](repeating: 0x55, count: 512)
        let deadline = monotonicSeconds() + 120
        while connection.lostEvents == 0, monotonicSeconds() < deadline {
            pty.writeMaster(block)
            await Task.yield()
        }
        #expect(connection.lostEvents > 0, "the flood was never refused: the buffer is not bounded")

        var buffered: [SerialEvent] = []
        for _ in 0..<4 { if let next = await iterator.next() { buffered.append(next) } }
        #expect(!buffered.contains { if case .overrun = $0 { true } else { false } }, "the buffer held more than its bound")

        // Room again: the next chunk arrives behind a report of the loss.
        pty.writeMaster([0xAA])
        let report = await iterator.next()
        guard case let .overrun(lost)? = report else {
            Issue.record("expected .overrun before the next chunk, found \(String(describing: report))")
            connection.stop()
            return
        }
        #expect(lost >= 1 && lost <= connection.lostEvents)
        connection.stop()
        var after: [SerialEvent] = []
        while let next = await iterator.next() { after.append(next) }
        #expect(after.contains { if case .data = $0 { true } else { false } })
    }
}
