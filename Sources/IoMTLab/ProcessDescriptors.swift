import Glibc

/// Which of this process's descriptors (/proc/self/fd) refer to one open file, e.g. one end of a socketpair however
/// often it was duplicated: tests check that a descriptor handed to the code under test is closed on every path,
/// without counting descriptors other tests running beside them open and close.
public enum ProcessDescriptors {
    /// The inode of the file `descriptor` refers to (for a socket, what /proc shows as `socket:[inode]`).
    public static func inode(of descriptor: Int32) -> UInt64? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return UInt64(status.st_ino)
    }

    /// This process's descriptors that refer to the socket with `inode`.
    public static func referringToSocket(inode: UInt64) -> [Int32] {
        let target = "socket:[\(inode)]"
        return open().filter { descriptor in
            var link = [CChar](repeating: 0, count: 64)
            let length = readlink("/proc/self/fd/\(descriptor)", &link, link.count - 1)
            return length > 0 && String(decoding: link.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == target
        }
    }

    /// This process's open descriptors (the listing's own included, closed by the time this returns).
    public static func open() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let descriptor = Int32(name) { found.append(descriptor) }
        }
        return found
    }

}
