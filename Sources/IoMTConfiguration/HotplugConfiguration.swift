import IoMTCore

extension DaemonConfiguration {
    /// USB hotplug (`hotplug` in the configuration file): plugged-in devices that match a profile are read.
    public struct Hotplug: Sendable, Hashable {
        /// On by default: a technician plugs in an oximeter and it is read, without editing `devices[]`.
        public var enabled: Bool = true
        public init() {}
    }

    static func parseHotplug(_ root: JSONValue, _ r: inout JSONFieldReader) -> Hotplug {
        var hotplug = Hotplug()
        guard let object = r.object(root, "hotplug", path: "", required: false) else { return hotplug }
        r.checkKnownKeys(object, path: "hotplug", allowed: ["enabled"])
        if let value = object["enabled"], !value.isNull {
            if let enabled = value.boolValue { hotplug.enabled = enabled } else {
                r.fail("hotplug.enabled", expected: "true or false", found: value)
            }
        }
        return hotplug
    }
}
