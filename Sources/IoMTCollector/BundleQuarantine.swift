import Glibc
import IoMTCore
import IoMTForward

/// Bundles DOM refused for their content, kept on disk so nothing acknowledged to the broker is lost: one file per
/// bundle (written to a temporary name, fsynced, renamed, directory fsynced) before the MQTT message is acknowledged.
/// The file holds the topic, the time, DOM's reason and the bundle itself; the directory is the service's own
/// (mode 0700), since bundles carry patient identifiers. After the cause is fixed, the bundle can be POSTed again.
public struct BundleQuarantine: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Writes the file and returns its path; a failure leaves the message unacknowledged (the caller retries).
    public func keep(topic: String, payload: [UInt8], reason: String, at instant: Instant, sequence: Int) throws(FileIO.Failure) -> String {
        let stamp = instant.iso8601.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        let path = "\(directory)/\(stamp)-\(getpid())-\(sequence).json"
        let body: JSONValue = (try? JSONValue.parse(bytes: payload)).map { $0 } ?? .object([("base64", .string(Base64.encode(payload)))])
        let record = JSONValue.object([
            ("quarantinedAt", .string(instant.iso8601)),
            ("topic", .string(topic)),
            ("reason", .string(reason)),
            ("bundle", body),
        ])
        try FileIO.writeAtomically(record.serializedBytes(), to: path, mode: 0o600)
        return path
    }

    /// Files quarantined so far (for the status line).
    public func count() -> Int {
        guard let dir = opendir(directory) else { return 0 }
        defer { closedir(dir) }
        var total = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".json") { total += 1 }
        }
        return total
    }
}
