import Foundation
import Glibc
import Testing

/// The daemon restarted (cleanly and by SIGKILL) while the simulated device stays attached on its pty: every
/// start must reopen the port and read again. The CMS50D+ profile sets odd parity, which Linux ptys refuse to
/// be configured with a second time (tcsetattr EINVAL) once they hold it.
@Suite(.serialized) struct RestartWithDevicesAttachedTests {
    @Test func readingsContinueAfterSIGTERMAndSIGKILLRestarts() async throws {
        try await withGatewayScenario("restart-attached") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration(profile: "contec-cms50d-plus")
            var atDOM = 0
            for (run, signal) in [(1, SIGTERM), (2, SIGKILL), (3, SIGTERM)] {
                try lab.startDaemon()
                let before = atDOM
                // Four new readings (two seconds of SpO2 + pulse) prove this start reads the port.
                let reading = await LabHarness.waitUntil(seconds: 25) { (await lab.domObservationCount() ?? 0) >= before + 4 }
                #expect(reading, "start \(run) read nothing from the device that stayed attached\n\(lab.logs())")
                guard reading else { return }
                atDOM = await lab.domObservationCount() ?? 0
                await LabHarness.stop(lab.daemon!, signal: signal)
            }
            #expect(!lab.logs().contains("tcsetattr"), "\(lab.logs())")
        }
    }
}
