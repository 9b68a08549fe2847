import Foundation

/// A fresh directory under the system's temporary folder for one test, removed with everything in it when released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "iomt-test") {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public var url: URL { URL(fileURLWithPath: path) }
    /// The conventional store file inside it.
    public var database: String { path + "/store.sqlite" }
}
