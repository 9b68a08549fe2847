import Dispatch
import Glibc
import IoMTCore
import IoMTStore
import IoMTSystem

/// Runs an executable for every alert (a buzzer or LED on a home hub). The alert is passed in
/// environment variables (IOMT_ALERT_*), never the patient's identity; exit status 0 counts as delivered.
///
/// The hook runs in a process group of its own with default signal dispositions and an empty signal mask
/// (the daemon ignores SIGTERM/SIGINT for its own signal handling; a hook must not inherit that), stdin from
/// /dev/null and none of the daemon's other descriptors (a grandchild the hook leaves running, `sleep 600 &`, would
/// otherwise keep the daemon's sockets and serial ports open, and any file the daemon had open for writing could not
/// be executed: ETXTBSY). A hook that
/// has not exited after `timeoutMilliseconds` is killed with its whole group (grandchildren included) and
/// counts as not delivered, so the dispatcher retries it later; a hung buzzer script cannot hold the channel.
public struct ExecHookChannel: AlertChannel {
    public let name = "exec"
    public let executablePath: String
    public let timeoutMilliseconds: Int

    public static let defaultTimeoutMilliseconds = 10_000

    public init(executablePath: String, timeoutMilliseconds: Int = ExecHookChannel.defaultTimeoutMilliseconds) {
        self.executablePath = executablePath
        self.timeoutMilliseconds = max(1, timeoutMilliseconds)
    }

    public func deliver(_ alert: StoredAlert) async -> Bool {
        let environment = Self.environment(for: alert)
        let (path, timeout) = (executablePath, timeoutMilliseconds)
        // posix_spawn + waitpid block; keep them off the cooperative pool.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.spawnAndWait(path: path, environment: environment, timeoutMilliseconds: timeout))
            }
        }
    }

    static func environment(for alert: StoredAlert) -> [String] {
        let e = alert.event
        var variables = [
            "IOMT_ALERT_ID=\(e.identifier)",
            "IOMT_ALERT_READING_STORED=\(e.readingNotStored ? "no" : "yes")",
            "IOMT_ALERT_RULE=\(e.ruleId)",
            "IOMT_ALERT_RULESET=\(e.ruleSetHash)",
            "IOMT_ALERT_PRIORITY=\(e.priority.rawValue)",
            "IOMT_ALERT_CONDITION=\(e.condition)",
            "IOMT_ALERT_MEASUREMENT=\(e.measurement)",
            "IOMT_ALERT_VALUE=\(e.value?.description ?? "")",
            "IOMT_ALERT_UNIT=\(e.unit)",
            "IOMT_ALERT_THRESHOLD=\(e.threshold?.description ?? "")",
            "IOMT_ALERT_DEVICE=\(e.deviceKey)",
            "IOMT_ALERT_OBSERVED_AT=\(e.observedAt.iso8601)",
            "IOMT_ALERT_MESSAGE=\(e.message)",
            "IOMT_ALERT_OCCURRENCE=\(e.occurrence.rawValue)",
            "IOMT_ALERT_EPISODE=\(e.episode)",
            "IOMT_ALERT_RULESET_VERSION=\(e.ruleSetVersion)",
            "IOMT_ALERT_INTERPRETATION=\(e.interpretation ?? "")",
            // 1: fired by test or demonstration data, announced because a technician asked (iomtctl replay --alarms).
            "IOMT_ALERT_TEST=\(e.test == nil ? "0" : "1")",
        ]
        if let path = getenv("PATH") { variables.append("PATH=" + String(cString: path)) }
        return variables
    }

    /// How a hook run ended.
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case notStarted(Int32)
    }

    static func spawnAndWait(path: String, environment: [String], timeoutMilliseconds: Int) -> Bool {
        switch run(path: path, environment: environment, timeoutMilliseconds: timeoutMilliseconds) {
        case .exited(0): return true
        case let .notStarted(code):
            Log.error("alert exec hook \(path) could not start: \(Errno.text(code))", "alerts")
        case .timedOut:
            Log.error("alert exec hook \(path) did not finish within \(timeoutMilliseconds) ms; killed with its process group; will retry", "alerts")
        case let .exited(code):
            Log.warning("alert exec hook \(path) exited with status \(code); will retry", "alerts")
        case let .signalled(number):
            Log.warning("alert exec hook \(path) ended by signal \(number); will retry", "alerts")
        }
        return false
    }

    /// Spawns the hook as the leader of a new process group and waits for it, at most `timeoutMilliseconds`
    /// (measured on the monotonic clock); past that, SIGKILL goes to the whole group and the leader is reaped.
    static func run(path: String, environment: [String], timeoutMilliseconds: Int) -> Outcome {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        var noSignal = sigset_t()
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let closeFrom = spawnCloseFrom { _ = closeFrom(&actions, 3) } // stdout/stderr stay: the daemon's log

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { return .notStarted(result) }

        let deadline = monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        var status: Int32 = 0
        var pause: UInt32 = 1_000 // µs; grows to 50 ms so a fast hook is seen at once and a slow one costs little
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped == -1 && errno != EINTR { return .exited(-1) }
            if monotonicNanoseconds() >= deadline {
                kill(-pid, SIGKILL) // the group: a grandchild the hook forked dies with it
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return .timedOut
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(status & 0x7f)
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later): closes every descriptor from a number on in the
/// child before exec. A GNU extension that Swift's Glibc module does not import, so it is looked up; nil on an older
/// glibc, where the hook inherits the descriptors not marked close-on-exec.
private let spawnCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
}()
