import Glibc
import IoMTCore
import IoMTSystem

/// Checks of the box itself (processes, sysfs, file modes, disk, clock). Paths are parameters so the
/// checks can be pointed at another root; every finding names its fix.
public struct SystemChecks: Sendable {
    public var procRoot = "/proc"
    public var sysRoot = "/sys"
    public var runRoot = "/run"

    public init() {}

    public func bluetoothDaemon(needed: Bool) -> DoctorFinding {
        let running = processNames().contains("bluetoothd")
        if running { return DoctorFinding("bluetoothd", .ok, "running") }
        return DoctorFinding("bluetoothd", needed ? .problem : .info,
                             needed ? "not running; BLE devices cannot be reached" : "not running (no BLE device configured)",
                             fix: needed ? "apt-get install bluez && systemctl enable --now bluetooth" : nil)
    }

    /// Adapters under /sys/class/bluetooth and their rfkill state (a soft-blocked radio is the usual cause).
    public func bluetoothAdapters(needed: Bool) -> DoctorFinding {
        let adapters = directoryEntries(sysRoot + "/class/bluetooth").filter { $0.hasPrefix("hci") && !$0.contains(":") }
        guard !adapters.isEmpty else {
            return DoctorFinding("bluetooth adapter", needed ? .problem : .info, "none found",
                                 fix: needed ? "plug in a Bluetooth LE adapter, or check `dmesg | grep -i bluetooth` for firmware errors" : nil)
        }
        var blocked: [String] = []
        for entry in directoryEntries(sysRoot + "/class/rfkill") {
            let base = sysRoot + "/class/rfkill/" + entry
            guard trimmed(base + "/type") == "bluetooth" else { continue }
            if trimmed(base + "/soft") == "1" { blocked.append("\(entry) soft-blocked") }
            if trimmed(base + "/hard") == "1" { blocked.append("\(entry) hard-blocked (switch)") }
        }
        if !blocked.isEmpty {
            return DoctorFinding("bluetooth adapter", .problem, "\(adapters.sorted().joined(separator: ", ")): radio blocked (\(blocked.joined(separator: ", ")))",
                                 fix: "rfkill unblock bluetooth (a hard block needs the hardware switch)")
        }
        return DoctorFinding("bluetooth adapter", .ok, adapters.sorted().joined(separator: ", ") + ", not blocked")
    }

    /// A configured serial device must exist, be a character device, and be readable and writable by the daemon's user.
    public func serialDevice(path: String, daemonUser: String) -> DoctorFinding {
        var status = stat()
        guard stat(path, &status) == 0 else {
            return DoctorFinding("serial \(path)", .problem, "missing (\(Errno.text(errno)))",
                                 fix: "plug the device in and check its cable; `ls -l /dev/serial/by-id /dev/iomt` shows what is connected")
        }
        guard status.st_mode & S_IFMT == S_IFCHR else {
            return DoctorFinding("serial \(path)", .problem, "not a character device", fix: "point devices[].path at the tty (e.g. /dev/iomt/…)")
        }
        guard let user = getpwnam(daemonUser) else {
            return DoctorFinding("serial \(path)", .warning, "present; user \(daemonUser) does not exist, so access was not checked",
                                 fix: "install the iomtd package (it creates the user), or adjust User= in iomtd.service")
        }
        let uid = user.pointee.pw_uid, gid = user.pointee.pw_gid
        let groups = groupsOf(daemonUser, primary: gid)
        let mode = status.st_mode
        let allowed = uid == 0
            || (status.st_uid == uid && mode & 0o600 == 0o600)
            || (groups.contains(status.st_gid) && mode & 0o060 == 0o060)
            || mode & 0o006 == 0o006
        guard allowed else {
            let group = getgrgid(status.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(status.st_gid)"
            return DoctorFinding("serial \(path)", .problem, "user \(daemonUser) cannot open it (group \(group), mode \(String(mode & 0o777, radix: 8)))",
                                 fix: "install the udev rules (/lib/udev/rules.d/70-iomtd.rules) and run `udevadm trigger --subsystem-match=tty`, or `usermod -aG \(group) \(daemonUser)`")
        }
        return DoctorFinding("serial \(path)", .ok, "present and accessible to \(daemonUser)")
    }

    public func freeDisk(path: String) -> DoctorFinding {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            return DoctorFinding("disk", .problem, "cannot examine \(path): \(Errno.text(errno))",
                                 fix: "create the state directory or fix stateDirectory in the configuration")
        }
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        let total = UInt64(info.f_blocks) * UInt64(info.f_frsize)
        let percent = total == 0 ? 0 : Int(free * 100 / total)
        let text = "\(free / 1_000_000) MB free of \(total / 1_000_000) MB (\(percent) %) at \(path)"
        // A reading row is about 200 bytes: 100 MB holds about 500,000 readings (days of a home hub's backlog).
        if free < 100_000_000 || percent < 5 {
            return DoctorFinding("disk", .problem, text + "; the store will soon refuse readings", fix: "free space on this file system (journalctl --vacuum-size=50M, apt-get clean)")
        }
        if free < 500_000_000 || percent < 10 {
            return DoctorFinding("disk", .warning, text, fix: "free space before a long DOM outage fills it")
        }
        return DoctorFinding("disk", .ok, text)
    }

    /// systemd-timesyncd marks a synchronised clock with /run/systemd/timesync/synchronized; other NTP
    /// clients are not seen here, so absence is a warning (the DOM check measures the real skew).
    public func clockSynchronised() -> DoctorFinding {
        if access(runRoot + "/systemd/timesync/synchronized", F_OK) == 0 {
            return DoctorFinding("clock", .ok, "synchronised (systemd-timesyncd)")
        }
        return DoctorFinding("clock", .warning, "no sign of NTP synchronisation (systemd-timesyncd has not synchronised)",
                             fix: "timedatectl set-ntp true (readings are timestamped with this clock)")
    }

    private func processNames() -> Set<String> {
        var names: Set<String> = []
        for entry in directoryEntries(procRoot) where entry.allSatisfy(\.isNumber) {
            if let name = trimmed(procRoot + "/" + entry + "/comm") { names.insert(name) }
        }
        return names
    }

    private func groupsOf(_ user: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, primary, &groups, &count)
        }
        return Array(groups.prefix(Int(max(0, count))))
    }

    func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private func trimmed(_ path: String) -> String? {
        guard let text = try? FileIO.readText(path) else { return nil }
        return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
