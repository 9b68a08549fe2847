import IoMTControl
import IoMTCore

/// `iomtctl replay CAPTURE [--profile ID] [--patient PESEL]`: a captured byte stream through the running
/// daemon's whole pipeline (decode, store, alerts, DOM) without a device. CAPTURE is a Firmware-Fixtures
/// case folder (its case.json names the profile) or a hex file. The alerts it fires are recorded as tests;
/// `--alarms` also announces them on the exec hook, webhook and DOM, each flagged as a test (audited).
enum ReplayCommand {
    static let usage = "usage: iomtctl replay CAPTURE [--profile ID] [--patient PESEL] [--alarms] [--socket PATH] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        var profile = try arguments.option("--profile")
        let patient = try arguments.patient()
        let alarms = arguments.flag("--alarms")
        let capture = try arguments.required("CAPTURE", usage: usage)
        try arguments.finish()
        var hexPath = capture
        var transcript: String?
        if FileIO.exists(capture + "/capture.hex") {
            hexPath = capture + "/capture.hex"
            if let caseText = try? FileIO.readText(capture + "/case.json") {
                let caseInfo: JSONValue
                do { caseInfo = try JSONValue.parse(caseText) } catch {
                    throw CLIError(message: "\(capture)/case.json: \(error)", exitCode: .usage)
                }
                if profile == nil { profile = caseInfo["profile"]?.stringValue }
                // A capture case (iomtctl capture) replays on its recorded timeline, as the fixture test decodes it.
                if let timeline = caseInfo["timeline"]?.stringValue {
                    do { transcript = try FileIO.readText(capture + "/" + timeline) } catch {
                        throw CLIError(message: "\(capture)/case.json: timeline: \(error)", exitCode: .usage)
                    }
                }
            }
        }
        guard let profile else { throw CLIError(message: "--profile ID is required (no case.json names one)", hint: usage, exitCode: .usage) }
        let hex: String
        do { hex = try FileIO.readText(hexPath) } catch { throw CLIError(message: "\(hexPath): \(error)", exitCode: .usage) }
        do { _ = try Hex.bytes(from: hex) } catch { throw CLIError(message: "\(hexPath): \(error)", exitCode: .usage) }
        // A transcript holds the bytes already: they are not sent twice (the request stays under the socket's 1 MiB bound).
        let replay = ControlCommand.ReplayArguments(profile: profile, hex: transcript == nil ? hex : "", label: capture, patient: patient, alarms: alarms,
                                                    transcript: transcript)
        guard let result = try request.answer(.replay(replay), expecting: ReplayReply.self) else { return }
        print("replayed \(result.bytes) bytes with \(profile): \(result.readings) reading(s) stored as test data"
              + (result.rejectedFrames > 0 ? ", \(result.rejectedFrames) frame(s) rejected" : ""))
        print("they go to DOM marked HTEST; alerts they fire are stored as tests (iomtctl alerts list)"
              + (alarms ? " and announced on every alarm channel, flagged test" : ", not announced (--alarms announces them, flagged test)"))
    }
}
