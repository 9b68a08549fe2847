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


    public init() async throws {
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
        // Its standard output is the pipe's write end: the address it prints comes back on the read end.
        let child: pid_t
        do {
            child = try LabChildProcess(["/usr/bin/dbus-daemon", "--nofork", "--print-address", "--config-file=\(configPath)"],
                                        passing: (descriptor: pipeFDs[1], as: 1), closing: [pipeFDs[0]]).pid
        } catch {
            close(pipeFDs[1]); close(pipeFDs[0])
            throw error
        }
        close(pipeFDs[1])
        pid = child
        // The daemon prints its address (then a newline) once it listens: read on a thread of its own, since a start on 2
        // loaded cores holding a cooperative-pool thread stalls every other test of a parallel pass meanwhile.
        let reader = pipeFDs[0]
        let line = await LabChildProcess.offThePool { () -> [UInt8] in
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(reader, &byte, 1) == 1, byte != 10 { line.append(byte) }
            close(reader)
            return line
        }
        address = String(decoding: line, as: UTF8.self)
        guard address.hasPrefix("unix:") else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw LabFailure("dbus-daemon printed no address")
        }
    }

    public func connect(negotiateUnixFDs: Bool = false) async throws -> DBusConnection {
        try await DBusConnection.connect(to: DBusAddress.parse(address), negotiateUnixFDs: negotiateUnixFDs)
    }

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
