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
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let target = "socket:[\(inode)]"
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let descriptor = Int32(name) else { continue }
            var link = [CChar](repeating: 0, count: 64)
            let length = readlink("/proc/self/fd/\(name)", &link, link.count - 1)
            guard length > 0 else { continue }
            if String(decoding: link.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == target { found.append(descriptor) }
        }
        return found
    }

}
