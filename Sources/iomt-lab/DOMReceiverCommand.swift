import Foundation
import IoMTLab

/// `iomt-lab dom-receiver --port N [--data FILE] [--record DIR] [--fault SCRIPT]`: runs the local DOM receiver
/// until killed. SCRIPT scripts failures by transaction number, e.g. `1-3:503+retry-after=2,5:drop` (see FaultScript).
enum DOMReceiverCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var configuration = DOMReceiverConfiguration(log: true)
        var index = 0
        func value(_ option: String) -> String? {
            index += 1
            guard index < arguments.count else {
                FileHandle.standardError.write(Data("iomt-lab dom-receiver: \(option) needs a value\n".utf8))
                return nil
            }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--port":
                guard let text = value("--port"), let port = UInt16(text) else {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: --port expects 0-65535\n".utf8))
                    return 2
                }
                configuration.port = port
            case "--data":
                guard let path = value("--data") else { return 2 }
                configuration.dataFile = path
            case "--record":
                guard let path = value("--record") else { return 2 }
                configuration.recordDirectory = path
            case "--fault":
                guard let text = value("--fault") else { return 2 }
                do { configuration.faults = try FaultScript(text).hook } catch {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: \(error)\n".utf8))
                    return 2
                }
            default:
                FileHandle.standardError.write(Data("iomt-lab dom-receiver: unknown option \(arguments[index]) (expected --port, --data, --record, --fault)\n".utf8))
                return 2
            }
            index += 1
        }
        let receiver = DOMReceiver(configuration: configuration)
        do {
            let port = try receiver.start()
            FileHandle.standardOutput.write(Data("dom-receiver listening on http://127.0.0.1:\(port)/fhir\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("iomt-lab dom-receiver: \(error)\n".utf8))
            return 1
        }
        while true { sleep(3600) }
    }
}
