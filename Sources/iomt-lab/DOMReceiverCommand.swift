import Foundation
import IoMTLab

/// `iomt-lab dom-receiver --port N [--data FILE] [--record DIR] [--fault SCRIPT | --fault-file FILE]
///  [--tls-cert FILE --tls-key FILE [--client-ca FILE]] [--oauth2-client ID:SECRET [--token-lifetime SECONDS]]`:
/// runs the local DOM receiver until killed. SCRIPT scripts failures by transaction number, e.g.
/// `1-3:503+retry-after=2,4:429+retry-after-date=1,5:lost,6:garbage,7:entries=500/3` (see FaultScript); FILE
/// holds such rules one per line, `#` comments allowed. With TLS it serves https (mutual TLS with --client-ca);
/// with --oauth2-client, `POST /token` issues bearer tokens and `/fhir` requires one.
enum DOMReceiverCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var configuration = DOMReceiverConfiguration(log: true)
        var certificate: String? = nil, key: String? = nil, clientCA: String? = nil
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
            case "--fault-file":
                guard let path = value("--fault-file") else { return 2 }
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: cannot read the fault script \(path)\n".utf8))
                    return 2
                }
                do { configuration.faults = try FaultScript(text).hook } catch {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: \(path): \(error)\n".utf8))
                    return 2
                }
            case "--tls-cert":
                guard let path = value("--tls-cert") else { return 2 }
                certificate = path
            case "--tls-key":
                guard let path = value("--tls-key") else { return 2 }
                key = path
            case "--client-ca":
                guard let path = value("--client-ca") else { return 2 }
                clientCA = path
            case "--oauth2-client":
                guard let text = value("--oauth2-client") else { return 2 }
                guard let client = OAuth2ClientRegistration(argument: text) else {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: --oauth2-client expects ID:SECRET\n".utf8))
                    return 2
                }
                configuration.oauth2Client = client
            case "--token-lifetime":
                guard let text = value("--token-lifetime"), let seconds = Int(text), seconds > 0 else {
                    FileHandle.standardError.write(Data("iomt-lab dom-receiver: --token-lifetime expects a positive number of seconds\n".utf8))
                    return 2
                }
                configuration.tokenLifetimeSeconds = seconds
            default:
                FileHandle.standardError.write(Data("iomt-lab dom-receiver: unknown option \(arguments[index]) (expected --port, --data, --record, --fault, --tls-cert, --tls-key, --client-ca, --oauth2-client, --token-lifetime)\n".utf8))
                return 2
            }
            index += 1
        }
        switch (certificate, key) {
        case let (certificate?, key?): configuration.tls = DOMReceiverTLS(certificateFile: certificate, keyFile: key, clientCAFile: clientCA)
        case (nil, nil):
            if clientCA != nil {
                FileHandle.standardError.write(Data("iomt-lab dom-receiver: --client-ca needs --tls-cert and --tls-key\n".utf8))
                return 2
            }
        default:
            FileHandle.standardError.write(Data("iomt-lab dom-receiver: --tls-cert and --tls-key go together\n".utf8))
            return 2
        }
        let receiver = DOMReceiver(configuration: configuration)
        do {
            let port = try receiver.start()
            let scheme = configuration.tls == nil ? "http" : "https"
            let extras = (configuration.tls?.clientCAFile != nil ? ", client certificates required" : "")
                + (configuration.oauth2Client != nil ? ", bearer tokens from \(scheme)://127.0.0.1:\(port)/token" : "")
            FileHandle.standardOutput.write(Data("dom-receiver listening on \(scheme)://127.0.0.1:\(port)/fhir\(extras)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("iomt-lab dom-receiver: \(error)\n".utf8))
            return 1
        }
        while true { sleep(3600) }
    }
}
