import Foundation
import IoMTAlerts
import IoMTCore
import IoMTStore
import IoMTTestSupport
import Testing

/// The exec hook on its own: a hung hook is killed with its process group at the (short, configured) timeout,
/// its alert stays pending and goes out on a later pass, and the hook starts with default signal handling.
@Suite struct ExecHookTimeoutTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "iomt-exechook-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func script(_ body: String, in directory: String, name: String = "hook") throws -> String {
        let path = directory + "/\(name).sh"
        try ExecutableScript.write("#!/bin/sh\n\(body)\n", to: path)
        return path
    }

    func event() -> AlertEvent {
        AlertEvent(ruleId: "spo2-low", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                   value: DecimalValue(85), unit: "%", threshold: DecimalValue(90), patientId: nil, deviceKey: "sn:x:1",
                   observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                   message: "MDC_PULS_OXIM_SAT_O2 85 % below 90")
    }

    /// Gone, or a zombie waiting for whoever adopted it: either way no longer running.
    func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// SIGKILL is delivered asynchronously: give the kernel up to two seconds to finish the process (no sleep; polls).
    func endsSoon(_ pid: pid_t) -> Bool {
        let deadline = monotonicNanoseconds() + 2_000_000_000
        while isRunning(pid) { if monotonicNanoseconds() > deadline { return false } }
        return true
    }

    func pid(in file: String) throws -> pid_t {
        try #require(pid_t(String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func aHungHookAndTheGrandchildItForkedAreKilledAtTheTimeout() async throws {
        let directory = try temporaryDirectory()
        let hook = try script("""
            sleep 1000 &
            echo $! > \(directory)/grandchild.pid
            echo $$ > \(directory)/hook.pid
            wait
            """, in: directory)
        let started = monotonicNanoseconds()
        let store = try Store(path: directory + "/s.sqlite")
        let id = try await store.insertAlert(event())
        let taken = await ExecHookChannel(executablePath: hook, timeoutMilliseconds: 1_000)
            .deliver(StoredAlert(id: id, event: event(), dispatchedChannels: []))
        let elapsedMs = (monotonicNanoseconds() - started) / 1_000_000
        #expect(!taken, "a hook killed at its timeout has not delivered the alert")
        #expect(elapsedMs < 60_000, "deliver returned after \(elapsedMs) ms")
        #expect(endsSoon(try pid(in: directory + "/hook.pid")))
        #expect(endsSoon(try pid(in: directory + "/grandchild.pid")), "the hook's grandchild outlived the timeout")
    }

    @Test func anAlertWhoseHookHungIsDeliveredOnALaterPass() async throws {
        let directory = try temporaryDirectory()
        // Hangs the first time only (a buzzer that wedged once), then records the alert.
        let hook = try script("""
            if [ ! -e \(directory)/hung-once ]; then touch \(directory)/hung-once; exec sleep 1000; fi
            echo "$IOMT_ALERT_ID" >> \(directory)/delivered
            """, in: directory)
        let store = try Store(path: directory + "/s.sqlite")
        let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook, timeoutMilliseconds: 300)])
        let ids = await dispatcher.raise([event()])
        await dispatcher.dispatchPending()
        await dispatcher.dispatchPending()
        #expect(FileManager.default.fileExists(atPath: directory + "/hung-once"), "the first run did not hang")
        #expect(try await store.alertAttempts(ids[0])["exec"] != nil, "the killed run was not recorded as a failed attempt")
        let delivered = try String(contentsOfFile: directory + "/delivered", encoding: .utf8).split(separator: "\n")
        #expect(delivered.count == 1 && delivered[0].count == 36, "delivered once, under the alert's UUID: \(delivered)")
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).isEmpty)
    }

    /// A descriptor the daemon holds without close-on-exec (here: the test process's) stays out of the hook, and stdin
    /// is /dev/null: a hook's leftover grandchild must not hold the daemon's files (a script being written by another
    /// thread then could not be executed, ETXTBSY, and a serial port or socket would outlive the daemon).
    @Test func theHookInheritsNoDescriptorOfTheDaemonAndReadsNothing() async throws {
        let directory = try temporaryDirectory()
        let opened = open(directory + "/held", O_CREAT | O_WRONLY, 0o600)
        try #require(opened >= 0)
        // A number no other test is likely to use at the same moment (the lowest free one from 700).
        let held = fcntl(opened, F_DUPFD, 700)
        close(opened)
        try #require(held >= 700)
        defer { close(held) }
        let hook = try script("""
            if [ -e /proc/$$/fd/\(held) ]; then echo inherited; else echo closed; fi > \(directory)/descriptor
            exec readlink /proc/self/fd/0 > \(directory)/stdin
            """, in: directory)
        let store = try Store(path: directory + "/s.sqlite")
        let id = try await store.insertAlert(event())
        #expect(await ExecHookChannel(executablePath: hook, timeoutMilliseconds: 5_000)
            .deliver(StoredAlert(id: id, event: event(), dispatchedChannels: [])))
        #expect(try String(contentsOfFile: directory + "/descriptor", encoding: .utf8) == "closed\n")
        #expect(try String(contentsOfFile: directory + "/stdin", encoding: .utf8) == "/dev/null\n")
    }

    /// iomtd ignores SIGTERM/SIGINT (it handles them through its own signal sources); its hook must not inherit
    /// that, or `kill` and the shell's own job control would not stop it.
    @Test func theHookStartsWithDefaultSignalDispositionsAndAnEmptyMask() async throws {
        let directory = try temporaryDirectory()
        // exec: the hook's own mask and dispositions, not the shell's while it forks a child (dash blocks signals then).
        let hook = try script("exec grep -E '^Sig(Ign|Blk):' /proc/self/status > \(directory)/signals", in: directory)
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        let store = try Store(path: directory + "/s.sqlite")
        let id = try await store.insertAlert(event())
        #expect(await ExecHookChannel(executablePath: hook, timeoutMilliseconds: 5_000)
            .deliver(StoredAlert(id: id, event: event(), dispatchedChannels: [])))
        // The standard signals 1-31 (bits 0-30; glibc reserves 32-34 for itself).
        let masks = try String(contentsOfFile: directory + "/signals", encoding: .utf8).split(separator: "\n")
            .map { UInt64($0.split(separator: "\t").last ?? "", radix: 16).map { $0 & 0x7FFF_FFFF } }
        #expect(masks == [0, 0], "blocked/ignored signals in the hook: \(masks)")
    }
}
