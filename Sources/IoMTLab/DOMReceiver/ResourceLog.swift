import Glibc
import IoMTCore
import IoMTSystem

/// Where an accepted resource's encoded bytes live: a byte range of the data file, or of the in-memory
/// buffer when the receiver persists nothing.
struct ResourceLocation: Sendable, Hashable {
    var offset: Int
    var length: Int
}

/// What the repository indexes of one stored resource (accepted now, or reloaded from the data file), without
/// keeping the parsed tree.
struct IndexedResource {
    var type: String
    var id: String
    var identifierKeys: [String]
    var location: ResourceLocation
}

/// Append-only NDJSON of accepted resources. A batch is written and fsync'd before the receiver
/// answers 2xx, so whatever it acknowledged survives a kill. The receiver keeps only byte ranges of
/// this file in memory (a million parsed resources would take gigabytes).
/// Unchecked Sendable: the receiver touches it (and `end`) only while holding its state mutex.
final class ResourceLog: @unchecked Sendable {
    let path: String
    private let fd: Int32
    /// Length of the file: where the next line starts.
    private(set) var end: Int

    /// Opens for appending; a torn last line left by a crash (`validLength` shorter than the file) is cut
    /// off, so the next line does not glue onto it.
    init(path: String, validLength: Int) throws(DOMReceiverError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DOMReceiverError(message: "cannot open data file \(path): \(Errno.text(errno)); check the directory exists and is writable")
        }
        let size = Int(lseek(fd, 0, SEEK_END))
        if size > validLength {
            guard ftruncate(fd, off_t(validLength)) == 0 else {
                close(fd)
                throw DOMReceiverError(message: "cannot cut the torn last line off \(path): \(Errno.text(errno))")
            }
        }
        end = validLength
    }

    deinit { close(fd) }

    /// Resources previously written and the length of the file up to its last complete line; a torn last
    /// line (crash mid-write, never acknowledged) is skipped.
    static func load(path: String) throws(DOMReceiverError) -> (resources: [IndexedResource], validLength: Int) {
        guard let bytes = try? FileIO.readBytes(path) else { return ([], 0) }
        var resources: [IndexedResource] = []
        var lineStart = 0, number = 0, validLength = 0
        while lineStart < bytes.count {
            number += 1
            let newline = bytes[lineStart...].firstIndex(of: 10)
            let lineEnd = newline ?? bytes.count
            if lineEnd > lineStart {
                do {
                    let resource = try JSONValue.parse(bytes: Array(bytes[lineStart..<lineEnd]))
                    if newline == nil { break } // complete JSON but no newline: never acknowledged either
                    if let type = resource["resourceType"]?.stringValue, let id = resource["id"]?.stringValue {
                        resources.append(IndexedResource(type: type, id: id, identifierKeys: ReceiverRepository.identifierKeys(resource),
                                                          location: ResourceLocation(offset: lineStart, length: lineEnd - lineStart)))
                    }
                } catch {
                    if newline == nil { break }
                    throw DOMReceiverError(message: "data file \(path) line \(number) is not JSON (\(error)); move the file aside to start empty")
                }
            }
            validLength = lineEnd + 1
            lineStart = lineEnd + 1
        }
        return (resources, min(validLength, bytes.count))
    }

    /// Appends NDJSON lines (one per resource, each ending in a newline), fsyncs, and returns the file offset
    /// of their first byte.
    func append(_ bytes: [UInt8]) throws(DOMReceiverError) -> Int {
        guard !bytes.isEmpty else { return end }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else {
                let reason = Errno.text(errno)
                _ = ftruncate(fd, off_t(end)) // leave no torn line behind what is acknowledged later
                throw DOMReceiverError(message: "cannot write data file \(path): \(reason)")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let reason = Errno.text(errno)
            _ = ftruncate(fd, off_t(end))
            throw DOMReceiverError(message: "fsync of \(path) failed: \(reason)")
        }
        defer { end += bytes.count }
        return end
    }

    /// Reads stored resources back (search, inspection); nil entries for ranges that cannot be read.
    func read(_ locations: [ResourceLocation]) -> [[UInt8]?] {
        locations.map { location in
            var buffer = [UInt8](repeating: 0, count: location.length)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, location.length, off_t(location.offset)) }
            return count == location.length ? buffer : nil
        }
    }
}
