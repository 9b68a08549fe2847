import Glibc
import IoMTControl
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTSystem

/// `iomtctl capture DEVICE --seconds N [--out DIR]`: what a configured device sends (and what its driver sends it), recorded
/// by the running daemon while it keeps reading the device, written as a Firmware-Fixtures case skeleton
/// (`<out>/<driver>/<case>/`: capture.hex, transcript.txt, case.json, expected.json) that `iomtctl replay` and the fixture
/// test take. The files hold readings — patient data — but no patient identifier.
enum CaptureCommand {
    static let usage = "usage: iomtctl capture DEVICE --seconds N [--out DIR] [--name CASE] [--profiles-dir DIR] [--socket PATH] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        let secondsText = try arguments.option("--seconds")
        let out = try arguments.option("--out") ?? "Firmware-Fixtures"
        let name = try arguments.option("--name")
        let profilesDir = try arguments.option("--profiles-dir")
        let device = try arguments.required("DEVICE", usage: usage)
        try arguments.finish()
        guard let secondsText, let seconds = Int(secondsText), (1...ControlCommand.maxCaptureSeconds).contains(seconds) else {
            throw CLIError(message: "--seconds: expected 1 to \(ControlCommand.maxCaptureSeconds), found \(secondsText.map { "\"\($0)\"" } ?? "nothing")",
                           hint: usage, exitCode: .usage)
        }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw CLIError(message: "--name: expected a folder name (no '/', not starting with '.'), found \"\(name)\"", exitCode: .usage)
        }
        let socket = request.socket
        let progress = isatty(STDERR_FILENO) == 1 && !request.json
            ? Task { await showProgress(device: device, seconds: seconds, socket: socket) } : nil
        let answer = await DedicatedThread.run { () -> Result<CaptureReply, CLIError> in
            Result { () throws(CLIError) in
                try ControlSocket.call(.capture(device: device, seconds: seconds), expecting: CaptureReply.self, socket: socket,
                                       timeoutSeconds: seconds + 30)
            }
        }
        progress?.cancel()
        await progress?.value
        let reply = try answer.get()
        let written = try write(reply, out: out, name: name, profilesDir: profilesDir)
        if request.json {
            print(JSONValue.object([
                ("case", .string(written.folder)), ("device", .string(reply.device)), ("driver", .string(written.driver)),
                ("profiles", .array(reply.profiles.map { .string($0) })), ("seconds", .number(reply.seconds)), ("events", .number(reply.events)),
                ("bytesFromDevice", .number(reply.bytesFromDevice)), ("observations", .number(written.observations)),
                ("limitReached", .bool(reply.limitReached)), ("droppedEvents", .number(reply.droppedEvents)),
                ("maxEvents", .number(reply.maxEvents)), ("maxBytes", .number(reply.maxBytes)),
            ]).serialized())
            return
        }
        print("captured \(reply.seconds) s of \(reply.device): \(reply.events) event(s), \(reply.bytesFromDevice) byte(s) from the device")
        if reply.limitReached {
            print("the capture limit (\(reply.maxEvents) events or \(reply.maxBytes) bytes) was reached: \(reply.droppedEvents) later event(s) were not recorded")
        }
        print("case written to \(written.folder): capture.hex, \(CaptureCase.transcriptFile), case.json, expected.json (\(written.observations) observation(s))")
        print("expected.json is the gateway's own decoding: review it before committing the case as a fixture")
        print("the capture contains readings: handle it as patient data")
    }

    /// "capturing DEVICE: N s left, E events" on the terminal, once a second, from the daemon's counts.
    static func showProgress(device: String, seconds: Int, socket: String) async {
        let started = monotonicNanoseconds()
        while !Task.isCancelled {
            let elapsed = Int((monotonicNanoseconds() - started) / 1_000_000_000)
            let counts = try? ControlSocket.call(.captureProgress(device: device), expecting: CaptureProgressReply.self, socket: socket, timeoutSeconds: 5)
            let events = counts.map { ", \($0.events) event(s), \($0.bytes) byte(s)\($0.limitReached ? ", limit reached" : "")" } ?? ""
            writeToStandardError("\r\u{1B}[Kcapturing \(device): \(max(0, seconds - elapsed)) s left\(events)")
            do { try await Task.sleep(for: .seconds(1)) } catch { break }
        }
        writeToStandardError("\r\u{1B}[K")
    }

    /// Writes the case folder; the transcript first, so nothing recorded is lost if the rest cannot be made.
    static func write(_ reply: CaptureReply, out: String, name: String?, profilesDir: String?) throws(CLIError)
        -> (folder: String, driver: String, observations: Int) {
        let transcript: CaptureTranscript
        do { transcript = try CaptureTranscript.parse(reply.transcript) } catch {
            throw CLIError(message: "iomtd's capture answer: \(error) (is iomtctl the same release as iomtd?)", exitCode: .failed)
        }
        let known = try ProfilesLocation.load(option: profilesDir)
        var profiles: [DeviceProfile] = []
        for id in reply.profiles {
            guard let profile = known.first(where: { $0.id == id }) else {
                throw CLIError(message: "no profile '\(id)' here to decode the capture with", hint: "pass --profiles-dir DIR (the daemon's profiles)",
                               exitCode: .usage)
            }
            profiles.append(profile)
        }
        let captureCase = CaptureCase(profiles: profiles, transcript: transcript, limitReached: reply.limitReached)
        let caseName = name ?? "field-" + String(reply.startedAt.iso8601.prefix(19)).replacingColonsAndDashes
        let folder = out + "/" + captureCase.driverId + "/" + caseName
        if FileIO.exists(folder) {
            throw CLIError(message: "\(folder) exists already", hint: "choose another --name or --out", exitCode: .usage)
        }
        let files: [(name: String, text: String)]
        do { files = try captureCase.files() } catch { throw CLIError(message: "\(error)", exitCode: .usage) }
        do {
            try FileIO.createDirectory(folder, mode: 0o750)
            let transcriptFirst = files.filter { $0.name == CaptureCase.transcriptFile } + files.filter { $0.name != CaptureCase.transcriptFile }
            for file in transcriptFirst {
                try FileIO.writeAtomically(Array(file.text.utf8), to: folder + "/" + file.name, mode: 0o640)
            }
        } catch {
            throw CLIError(message: "cannot write the case: \(error)", hint: "check --out \(out)", exitCode: .failed)
        }
        let observations = (try? JSONValue.parse(files.first { $0.name == "expected.json" }?.text ?? ""))?["observations"]?.arrayValue?.count ?? 0
        return (folder, captureCase.driverId, observations)
    }
}

extension String {
    /// "2026-12-05T04:30:00" → "20261205-043000" (a folder name).
    fileprivate var replacingColonsAndDashes: String {
        String(self.filter { $0 != "-" && $0 != ":" }.map { $0 == "T" ? "-" : $0 })
    }
}
