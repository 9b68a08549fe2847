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

    /// A fresh directory that is left in place: for what outlives the test's values (a child process's files, a mount point).
    public static func persistent(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public var url: URL { URL(fileURLWithPath: path) }
    /// The conventional store file inside it.
    public var database: String { path + "/store.sqlite" }
}
