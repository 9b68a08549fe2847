import Glibc

/// A child process with its output discarded; `stop()` kills and reaps it.
public struct LabChildProcess: Sendable {
    public let pid: pid_t

    public init(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
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
        guard result == 0 else { throw LabFailure("cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        pid = child
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
