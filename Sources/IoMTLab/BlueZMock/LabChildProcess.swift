import Glibc
import IoMTSystem

/// A child process with its output discarded; `stop()` kills and reaps it. It keeps none of the test process's other
/// descriptors: posix_spawn passes on every descriptor not marked close-on-exec, and a child that holds another test's
/// pipe or Foundation's exit-notification socket of another child (a socketpair the parent closes only after its
/// spawn) hides that child's end: `Process` sees no exit, a reader no end of file, until this child exits too.
public struct LabChildProcess: Sendable {
    public let pid: pid_t

    /// `passing` hands the child one of our descriptors under another number (a report pipe's write end);
    /// `closing` are descriptors the child must not keep (that pipe's read end).
    public init(_ arguments: [String], extraEnvironment: [String: String] = [:],
                passing: (descriptor: Int32, as: Int32)? = nil, closing: [Int32] = []) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        if let passing { posix_spawn_file_actions_adddup2(&actions, passing.descriptor, passing.as) }
        for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }
        // Those a thread opens meanwhile still pass; a descriptor closed meanwhile is skipped (glibc ignores EBADF here).
        for fd in ProcessDescriptors.open() where fd > 2 && fd != passing?.as { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let key = String(text.prefix { $0 != "=" })
            if extraEnvironment[key] == nil { environment.append(text) }
            pointer += 1
        }
        environment += extraEnvironment.map { "\($0.key)=\($0.value)" }
        let envp = environment.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var attributes = CleanSpawnAttributes()
        defer { attributes.destroy() }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes.value, argv, envp)
        guard result == 0 else { throw LabFailure("cannot start \(arguments[0]): \(Errno.text(result))") }
        pid = child
    }

    /// This test binary again, running only the tests matching `filter` (a child for a crash test: it
    /// works until the parent SIGKILLs it).
    public static func testChild(filter: String, environment: [String: String], passing: (descriptor: Int32, as: Int32),
                                 closing: [Int32]) throws -> LabChildProcess {
        var executable = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &executable, executable.count - 1)
        guard length > 0 else { throw LabFailure("cannot find the test binary (/proc/self/exe)") }
        let path = String(decoding: executable[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return try LabChildProcess([path, "--testing-library", "swift-testing", "--filter", filter],
                                   extraEnvironment: environment, passing: passing, closing: closing)
    }

    /// SIGTERM (python-dbusmock exits on it), then reaps.
    public func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Runs to completion; true when it exited with status 0.
    public static func succeeds(_ arguments: [String]) -> Bool {
        guard access(arguments[0], X_OK) == 0, let child = try? LabChildProcess(arguments) else { return false }
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        return status == 0
    }
}

/// Spawn attributes that give the child an empty signal mask and default handlers: the test
/// runner's threads block signals such as SIGTERM, and a spawned child would inherit that mask.
struct CleanSpawnAttributes {
    var value = posix_spawnattr_t()

    init() {
        posix_spawnattr_init(&value)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&value, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&value, &defaults)
        posix_spawnattr_setflags(&value, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }

    mutating func destroy() { posix_spawnattr_destroy(&value) }
}

extension LabChildProcess {
    /// Runs blocking work (reading a child's progress pipe, reaping it) on a thread of its own and awaits its result. A
    /// test that blocks a thread of the cooperative pool for as long as a child test process takes to start (a minute on
    /// 2 loaded cores: the whole test bundle loads) stalls every other test of the process with it — three such waits
    /// held both threads for 70 s in one parallel pass, and tests waiting 10 s on an injected clock failed.
    public static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DedicatedThread.start { continuation.resume(returning: work()) }
        }
    }
}
