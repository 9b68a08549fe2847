import Foundation
import Glibc
import IoMTCore

/// Append-only NDJSON of accepted resources. A batch is written and fsync'd before the receiver
/// answers 2xx, so whatever it acknowledged survives a kill.
final class ResourceLog: Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws(DOMReceiverError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DOMReceiverError(message: "cannot open data file \(path): \(String(cString: strerror(errno))); check the directory exists and is writable")
        }
    }

    deinit { close(fd) }

    /// Resources previously written; a torn last line (crash mid-write, never acknowledged) is skipped.
    static func load(path: String) throws(DOMReceiverError) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var resources: [JSONValue] = []
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        for (number, line) in lines.enumerated() {
            do {
                resources.append(try JSONValue.parse(bytes: Array(line)))
            } catch {
                if number == lines.count - 1 { break }
                throw DOMReceiverError(message: "data file \(path) line \(number + 1) is not JSON (\(error)); move the file aside to start empty")
            }
        }
        return resources
    }

    func append(_ resources: [JSONValue]) throws(DOMReceiverError) {
        guard !resources.isEmpty else { return }
        var bytes: [UInt8] = []
        for resource in resources { bytes += resource.serializedBytes(); bytes.append(UInt8(ascii: "\n")) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else {
                throw DOMReceiverError(message: "cannot write data file \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw DOMReceiverError(message: "fsync of \(path) failed: \(String(cString: strerror(errno)))") }
    }
}
