import Glibc
import IoMTSystem

/// Whole-file reads and durable writes on plain POSIX calls (no Foundation in the daemon).
public enum FileIO {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let operation: String
        public let errorNumber: Int32
        public var description: String { "cannot \(operation) \(path): \(Errno.text(errorNumber))" }
    }

    public static func readBytes(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: "open", errorNumber: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, operation: "read", errorNumber: errno)
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }

    public static func readText(_ path: String) throws(Failure) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Writes to a temporary file, fsyncs it, renames it over `path` and fsyncs the directory.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: temporary, operation: "create", errorNumber: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw Failure(path: temporary, operation: "write", errorNumber: e)
            }
            offset += written
        }
        guard fsync(fd) == 0 else { let e = errno; close(fd); throw Failure(path: temporary, operation: "fsync", errorNumber: e) }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Failure(path: path, operation: "rename onto", errorNumber: errno) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// rename(2): replaces `destination` atomically.
    public static func move(_ source: String, to destination: String) throws(Failure) {
        guard Glibc.rename(source, destination) == 0 else { throw Failure(path: source, operation: "rename to \(destination)", errorNumber: errno) }
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    public static func createDirectory(_ path: String, mode: mode_t = 0o750) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0, errno != EEXIST {
                throw Failure(path: current, operation: "create directory", errorNumber: errno)
            }
        }
    }
}
