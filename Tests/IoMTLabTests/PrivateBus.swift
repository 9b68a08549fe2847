// A copy of Tests/IoMTDBusTests/PrivateBus.swift (test targets cannot share sources).
import Glibc
import IoMTDBus
import Synchronization

/// A private dbus-daemon (the reference bus implementation) on a socket in a fresh directory,
/// started for one test and killed by `stop()`.
final class PrivateBus: Sendable {
    let directory: String
    let address: String
    let pid: pid_t
    private let stopped = Mutex(false)

    static var isAvailable: Bool { access("/usr/bin/dbus-daemon", X_OK) == 0 }

    init() throws {
        var template = Array("/tmp/iomt-dbus-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw TestFailure("mkdtemp failed") }
        directory = String(cString: made)
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(directory)/bus</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """
        let configPath = directory + "/bus.conf"
        guard let file = fopen(configPath, "w") else { throw TestFailure("cannot write \(configPath)") }
        fputs(config, file)
        fclose(file)

        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw TestFailure("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        let arguments = ["/usr/bin/dbus-daemon", "--nofork", "--print-address", "--config-file=\(configPath)"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var attributes = CleanSpawnAttributes()
        defer { attributes.destroy() }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, arguments[0], &actions, &attributes.value, argv, environ)
        close(pipeFDs[1])
        guard spawned == 0 else { close(pipeFDs[0]); throw TestFailure("cannot start dbus-daemon: \(spawned)") }
        pid = child
        // The daemon prints its address (then a newline) once it listens.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(pipeFDs[0], &byte, 1) == 1, byte != 10 { line.append(byte) }
        close(pipeFDs[0])
        address = String(decoding: line, as: UTF8.self)
        guard address.hasPrefix("unix:") else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw TestFailure("dbus-daemon printed no address")
        }
    }

    func connect() async throws -> DBusConnection { try await DBusConnection.connect(address: address) }

    /// Kills the daemon (idempotent) and removes its directory.
    func stop() {
        let first = stopped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        unlink(directory + "/bus")
        unlink(directory + "/bus.conf")
        rmdir(directory)
    }

    deinit { stop() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Next element of a subscription, or nil if none arrives within `seconds` (only to avoid hanging).
func nextSignal(_ subscription: DBusSignalSubscription, seconds: Double = 10) async throws -> DBusMessage? {
    try await withThrowingTaskGroup(of: DBusMessage?.self) { group in
        group.addTask {
            var iterator = subscription.makeAsyncIterator()
            return try await iterator.next()
        }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// The next signal of a subscription; throws if none arrives in time.
func requireSignal(_ subscription: DBusSignalSubscription, seconds: Double = 10) async throws -> DBusMessage {
    guard let message = try await nextSignal(subscription, seconds: seconds) else {
        throw TestFailure("no signal for rule \(subscription.rule) within \(seconds) s")
    }
    return message
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
