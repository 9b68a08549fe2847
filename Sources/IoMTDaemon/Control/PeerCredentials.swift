import Glibc

/// Who is on the other end of a Unix socket, as the kernel vouches for it (SO_PEERCRED for pid, uid
/// and gid; SO_PEERGROUPS for the supplementary groups at connect time). Nothing the client says
/// about itself is trusted.
public struct PeerCredentials: Sendable, Hashable {
    public let pid: pid_t
    public let uid: uid_t
    public let gid: gid_t
    public let groups: [gid_t]

    public static func of(socket fd: Int32) -> PeerCredentials? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (needs _GNU_SOURCE in C, so read as three 32-bit words)
        var words: [UInt32] = [0, 0, 0]
        var length = socklen_t(12)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &words, &length) == 0, length == 12 else { return nil }
        return PeerCredentials(pid: pid_t(bitPattern: words[0]), uid: words[1], gid: words[2], groups: supplementaryGroups(fd))
    }

    /// SO_PEERGROUPS (Linux 4.13): asks with a small buffer, then again with the size the kernel reports.
    private static func supplementaryGroups(_ fd: Int32) -> [gid_t] {
        let peerGroups: Int32 = 59 // SO_PEERGROUPS, not exported by Glibc's module map
        var groups = [gid_t](repeating: 0, count: 32)
        var length = socklen_t(groups.count * MemoryLayout<gid_t>.size)
        if getsockopt(fd, SOL_SOCKET, peerGroups, &groups, &length) != 0 {
            guard errno == ERANGE else { return [] }
            groups = [gid_t](repeating: 0, count: Int(length) / MemoryLayout<gid_t>.size)
            guard getsockopt(fd, SOL_SOCKET, peerGroups, &groups, &length) == 0 else { return [] }
        }
        return Array(groups.prefix(Int(length) / MemoryLayout<gid_t>.size))
    }
}

/// Who may use the control socket: root, the daemon's own user, and members of one configured group.
public struct ControlAccessPolicy: Sendable {
    public let groupName: String
    let groupId: gid_t?
    let daemonUid: uid_t

    public init(groupName: String) {
        self.groupName = groupName
        self.groupId = getgrnam(groupName).map { $0.pointee.gr_gid }
        self.daemonUid = geteuid()
    }

    /// nil when allowed; otherwise why not, for the refusal message and the log (uids only, no names).
    public func refusal(for peer: PeerCredentials) -> String? {
        if peer.uid == 0 || peer.uid == daemonUid { return nil }
        if let groupId, peer.gid == groupId || peer.groups.contains(groupId) { return nil }
        return "permission denied: uid \(peer.uid) is not root and not in group '\(groupName)'"
            + (groupId == nil ? " (the group does not exist on this system)" : "")
    }
}
