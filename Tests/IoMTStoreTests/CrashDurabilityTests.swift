import Glibc
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

        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        var killed = false
        let deadline = monotonicNanoseconds() + 120_000_000_000
        while true {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            if count <= 0 { break }
            text += String(decoding: buffer[0..<count], as: UTF8.self)
            if !killed, text.split(separator: "\n").count >= 500 || monotonicNanoseconds() > deadline {
                kill(child, SIGKILL)
                killed = true
            }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        waitpid(child, &status, 0)
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
        var executable = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &executable, executable.count - 1)
        guard length > 0 else { throw StoreError.open(path: "/proc/self/exe", message: "cannot find the test binary") }
        let arguments = [String(decoding: executable[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self),
                         "--testing-library", "swift-testing", "--filter", "crashChildAppendsUntilKilled"]
        var environment: [String] = []
        var pointer = environ
        while let entry = pointer.pointee { environment.append(String(cString: entry)); pointer += 1 }
        environment.append("\(Self.childDatabaseVariable)=\(database)")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, acknowledgementWriteEnd, Self.acknowledgementDescriptor)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        // Keep the child's test-runner chatter out of our output.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard code == 0 else { throw StoreError.open(path: arguments[0], message: "posix_spawn failed: \(code)") }
        return pid
    }
}
