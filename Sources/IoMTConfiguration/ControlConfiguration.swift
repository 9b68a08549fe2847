import IoMTCore

extension DaemonConfiguration {
    /// The control socket iomtctl talks to (`control` in the configuration file).
    public struct Control: Sendable, Hashable {
        /// systemd's RuntimeDirectory=iomtd makes /run/iomtd for the daemon's user.
        public var socketPath: String = "/run/iomtd/control.sock"
        /// Members of this group (besides root and the daemon's user) may use iomtctl.
        public var group: String = "iomtd"
        public init() {}
    }

    static func parseControl(_ root: JSONValue, _ r: inout JSONFieldReader) -> Control {
        var control = Control()
        guard let object = r.object(root, "control", path: "", required: false) else { return control }
        r.checkKnownKeys(object, path: "control", allowed: ["socketPath", "group"])
        if let path = r.string(object, "socketPath", path: "control", required: false, expected: "an absolute path") {
            if path.hasPrefix("/"), path.utf8.count < 108 { control.socketPath = path } else {
                r.fail("control.socketPath", expected: "an absolute path shorter than 108 bytes", foundText: "\"\(path)\"")
            }
        }
        if let group = r.string(object, "group", path: "control", required: false, expected: "a group name") {
            if !group.isEmpty { control.group = group } else { r.fail("control.group", expected: "a group name", foundText: "\"\"") }
        }
        return control
    }
}
