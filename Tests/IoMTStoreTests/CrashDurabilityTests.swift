import Glibc
import IoMTLab
import IoMTCore
import Testing
@testable import IoMTStore

/// Durability across a real crash: a child process (this test binary, re-executed on one test) appends
/// with group commit and reports each acknowledged id on a pipe; the parent SIGKILLs it mid-stream,
/// reopens the file and requires every acknowledged id to be there.
@Suite("Store crash durability")
struct CrashDurabilityTests {
    static let childDatabaseVariable = "IOMT_STORE_CRASH_CHILD_DB"
    static let acknowledgementDescriptor: Int32 = 3

    @Test func everyAcknowledgedRowSurvivesSIGKILL() async throws {
        let dir = TemporaryDirectory()
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        let child = try spawnChild(database: dir.database, acknowledgementWriteEnd: pipeEnds[1], readEnd: pipeEnds[0])
        close(pipeEnds[1])

        let readEnd = pipeEnds[0]
        let (text, killed) = await LabChildProcess.offThePool { () -> (String, Bool) in
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            var killed = false
            let deadline = monotonicNanoseconds() + 120_000_000_000
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                text += String(decoding: buffer[0..<count], as: UTF8.self)
                if !killed, text.split(separator: "\n").count >= 500 || monotonicNanoseconds() > deadline {
                    kill(child, SIGKILL)
                    killed = true
                }
            }
            close(readEnd)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            return (text, killed)
        }
        #expect(killed, "the child ended before it was killed")

        // Only whole lines count: a line cut by the kill was never fully reported.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        let acknowledged = lines.compactMap { Int64($0) }
        #expect(acknowledged.count >= 500)

        let store = try Store(path: dir.database)
        #expect(try await store.integrityCheck() == "ok")
        var missing: [Int64] = []
        for id in acknowledged where try await store.observation(id: id) == nil { missing.append(id) }
        #expect(missing.isEmpty, "acknowledged but lost after SIGKILL: \(missing.prefix(10))")
    }

    /// Runs only inside the spawned child (the variable is unset in a normal test run).
    @Test func crashChildAppendsUntilKilled() async throws {
        guard let path = getenv(Self.childDatabaseVariable).map({ String(cString: $0) }) else { return }
        let store = try Store(path: path)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var index = worker * 1_000_000
                    while true {
                        guard let ids = try? await store.append([reading(index), reading(index + 1)]) else { continue }
                        index += 2
                        for id in ids {
                            let line = Array("\(id)\n".utf8)
                            _ = line.withUnsafeBytes { write(Self.acknowledgementDescriptor, $0.baseAddress, $0.count) }
                        }
                    }
                }
            }
        }
    }

    private func spawnChild(database: String, acknowledgementWriteEnd: Int32, readEnd: Int32) throws -> pid_t {
        try LabChildProcess.testChild(filter: "crashChildAppendsUntilKilled", environment: [Self.childDatabaseVariable: database],
                                      passing: (acknowledgementWriteEnd, as: Self.acknowledgementDescriptor), closing: [readEnd]).pid
    }
}
