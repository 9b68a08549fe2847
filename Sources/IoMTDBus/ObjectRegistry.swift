/// The exported objects of one connection and their current property values. Pure value type,
/// kept inside the connection's lock.
struct ObjectRegistry: Sendable {
    struct Entry: Sendable {
        let object: DBusObject
        /// interface → property → current value
        var values: [String: [String: DBusValue]]

        init(_ object: DBusObject) {
            self.object = object
            var values: [String: [String: DBusValue]] = [:]
            for interface in object.interfaces {
                values[interface.name] = Dictionary(interface.properties.map { ($0.name, $0.initialValue) }, uniquingKeysWith: { $1 })
            }
            self.values = values
        }

        func interface(named name: String) -> DBusInterface? { object.interfaces.first { $0.name == name } }

        /// Readable properties of one interface, as an a{sv} payload.
        func readableProperties(of interfaceName: String) -> [String: DBusValue] {
            guard let interface = interface(named: interfaceName) else { return [:] }
            var result: [String: DBusValue] = [:]
            for property in interface.properties where property.access != .write {
                result[property.name] = values[interfaceName]?[property.name] ?? property.initialValue
            }
            return result
        }

        /// interface → properties, as ObjectManager reports an object (a{sa{sv}}).
        var interfacesAndProperties: DBusValue {
            .dictionary(key: .string, value: .array(.dictEntry(key: .string, value: .variant)),
                        object.interfaces.map { (.string($0.name), .stringVariantDictionary(readableProperties(of: $0.name))) })
        }
    }

    private(set) var entries: [DBusObjectPath: Entry] = [:]

    subscript(path: DBusObjectPath) -> Entry? { entries[path] }

    mutating func add(_ object: DBusObject) { entries[object.path] = Entry(object) }

    @discardableResult
    mutating func remove(_ path: DBusObjectPath) -> Entry? { entries.removeValue(forKey: path) }

    mutating func setValue(_ value: DBusValue, path: DBusObjectPath, interface: String, property: String) {
        entries[path]?.values[interface, default: [:]][property] = value
    }

    /// The nearest ObjectManager at or above `path`, excluding `path` itself.
    func managerAbove(_ path: DBusObjectPath) -> DBusObjectPath? {
        entries.values.filter { $0.object.isObjectManager && path.isDescendant(of: $0.object.path) }
            .map(\.object.path).max { $0.text.count < $1.text.count }
    }

    /// Whether `path` is exported or has exported objects below it (so Introspect answers there).
    func isKnownNode(_ path: DBusObjectPath) -> Bool {
        path == .root || entries.keys.contains { $0 == path || $0.isDescendant(of: path) }
    }

    /// Names of the direct child nodes of `path` (including intermediate nodes).
    func childNames(of path: DBusObjectPath) -> [String] {
        let prefix = path.text == "/" ? "/" : path.text + "/"
        var names = Set<String>()
        for key in entries.keys where key.isDescendant(of: path) {
            let rest = key.text.dropFirst(prefix.count)
            if let first = rest.split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    /// GetManagedObjects of the manager at `root`: every object strictly below it.
    func managedObjects(below root: DBusObjectPath) -> DBusValue {
        let children = entries.values.filter { $0.object.path.isDescendant(of: root) }.sorted { $0.object.path < $1.object.path }
        return .dictionary(key: .objectPath, value: .array(.dictEntry(key: .string, value: .array(.dictEntry(key: .string, value: .variant)))),
                           children.map { (.objectPath($0.object.path), $0.interfacesAndProperties) })
    }
}
