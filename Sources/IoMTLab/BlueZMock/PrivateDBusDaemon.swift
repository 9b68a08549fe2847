import Glibc
import IoMTDBus
import Synchronization

/// A private dbus-daemon (the reference bus implementation) on a socket in a fresh directory,
/// started for one test and killed by `stop()`.
public final class PrivateDBusDaemon: Sendable {
    public let directory: String
    /// The bus address ("unix:path=…"): give it to iomtd as DBUS_SYSTEM_BUS_ADDRESS.
    public let address: String
    public let pid: pid_t
    private let stopped = Mutex(false)


    public init() throws {
        try LabPrerequisite.dbusDaemon.require()
        var template = Array("/tmp/iomt-dbus-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw LabFailure("mkdtemp failed") }
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
        guard let file = fopen(configPath, "w") else { throw LabFailure("cannot write \(configPath)") }
        fputs(config, file)
        fclose(file)

        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw LabFailure("pipe failed") }
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
        guard spawned == 0 else { close(pipeFDs[0]); throw LabFailure("cannot start dbus-daemon: \(spawned)") }
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
            throw LabFailure("dbus-daemon printed no address")
        }
    }

    public func connect() async throws -> DBusConnection { try await DBusConnection.connect(address: address) }

    /// Kills the daemon (idempotent) and removes its directory.
    public func stop() {
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

public struct LabFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
