import Glibc
import IoMTLab
import Testing

/// A lab child (mosquitto, dbus-daemon, python-dbusmock) must keep none of the test process's descriptors: holding
/// another test's pipe end, or Foundation's exit-notification socket of another child, hides that end for as long as
/// the lab child runs (measured: a `Process` whose exit was seen 10 s late, when the broker beside it stopped).
@Suite struct LabChildProcessTests {
    @Test func aLabChildKeepsNoneOfTheTestProcessDescriptors() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let child = try LabChildProcess(["/usr/bin/tail", "-f", "/dev/null"]) // runs until stopped
        defer { child.stop() }
        // posix_spawn returns once the child has run its file actions and exec'd: whatever it keeps, it holds now.
        close(ends[1])
        var entry = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLHUP) != 0, "the lab child holds the pipe's write end")
    }
}
