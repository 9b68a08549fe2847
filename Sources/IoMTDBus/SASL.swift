import Glibc

/// The client side of the D-Bus authentication protocol (spec "Authentication Protocol"), with the
/// EXTERNAL mechanism: the server checks our credentials on the socket against the uid we name.
/// Pure: it produces the lines to send and interprets the server's lines.
public struct SASLClient: Sendable {
    public enum Step: Sendable, Equatable {
        /// Send these bytes and wait for the next server line.
        case send([UInt8])
        /// Send BEGIN; after it the stream carries messages. `unixFDs` tells whether fd passing was agreed.
        case begin([UInt8], guid: String, unixFDs: Bool)
        case failed(String)
    }

    private enum State { case awaitingOK, awaitingFDAgreement(guid: String), done }

    public let uid: UInt32
    public let negotiateUnixFDs: Bool
    private var state = State.awaitingOK

    public init(uid: UInt32, negotiateUnixFDs: Bool = false) {
        self.uid = uid
        self.negotiateUnixFDs = negotiateUnixFDs
    }

    /// The credentials nul byte, then AUTH EXTERNAL with the uid's decimal digits hex-encoded.
    public func start() -> [UInt8] {
        let hexUID = String(uid).utf8.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]], as: UTF8.self)
        }.joined()
        return [0] + Array("AUTH EXTERNAL \(hexUID)\r\n".utf8)
    }

    /// Handles one server line (without its CR LF).
    public mutating func receive(_ line: String) -> Step {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let command = words.first ?? ""
        switch state {
        case .awaitingOK:
            switch command {
            case "OK":
                let guid = words.count > 1 ? words[1] : ""
                if negotiateUnixFDs {
                    state = .awaitingFDAgreement(guid: guid)
                    return .send(Array("NEGOTIATE_UNIX_FD\r\n".utf8))
                }
                state = .done
                return .begin(Array("BEGIN\r\n".utf8), guid: guid, unixFDs: false)
            case "REJECTED":
                state = .done
                return .failed("the server rejected EXTERNAL for uid \(uid); it offers: \(words.dropFirst().joined(separator: " "))")
            default:
                state = .done
                return .failed("unexpected server line \"\(line)\" while waiting for OK")
            }
        case .awaitingFDAgreement(let guid):
            state = .done
            // ERROR here only means no fd passing; the connection itself is fine.
            return .begin(Array("BEGIN\r\n".utf8), guid: guid, unixFDs: command == "AGREE_UNIX_FD")
        case .done:
            return .failed("server line \"\(line)\" after authentication ended")
        }
    }
}

extension UnixSocket {
    /// Runs the SASL exchange on a fresh socket. Reads byte by byte so nothing past the last line
    /// is consumed (the server sends nothing more until our first message anyway).
    func authenticate(uid: UInt32 = getuid(), negotiateUnixFDs: Bool) throws(DBusError) -> (guid: String, unixFDs: Bool) {
        var client = SASLClient(uid: uid, negotiateUnixFDs: negotiateUnixFDs)
        setReceiveTimeout(milliseconds: 10_000)
        defer { setReceiveTimeout(milliseconds: 0) }
        try writeAll(client.start())
        while true {
            var line: [UInt8] = []
            while !(line.count >= 2 && line[line.count - 2] == 0x0d && line[line.count - 1] == 0x0a) {
                let byte: [UInt8]
                do { byte = try read(max: 1) } catch { throw .authenticationFailed("while reading the server's answer: \(error)") }
                guard let first = byte.first else { throw .authenticationFailed("the server closed the connection") }
                line.append(first)
                guard line.count <= 16_384 else { throw .authenticationFailed("server line longer than 16 KiB") }
            }
            let text = String(decoding: line.dropLast(2), as: UTF8.self)
            switch client.receive(text) {
            case .send(let bytes): try writeAll(bytes)
            case .begin(let bytes, let guid, let unixFDs):
                try writeAll(bytes)
                return (guid, unixFDs)
            case .failed(let reason): throw .authenticationFailed(reason)
            }
        }
    }
}
