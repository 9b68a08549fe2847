/// Introspection XML (spec "Introspection Data Format") for an exported node.
enum Introspection {
    static let doctype = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
        """

    static func xml(interfaces: [DBusInterface], isObjectManager: Bool, children: [String]) -> String {
        var lines = [doctype, "<node>"]
        let standard = [standardPeer, standardIntrospectable, standardProperties] + (isObjectManager ? [standardObjectManager] : [])
        for interface in standard + interfaces {
            lines.append("  <interface name=\"\(escape(interface.name))\">")
            for method in interface.methods {
                lines.append("    <method name=\"\(escape(method.name))\">")
                for argument in method.inArguments { lines.append("      " + argumentXML(argument, direction: "in")) }
                for argument in method.outArguments { lines.append("      " + argumentXML(argument, direction: "out")) }
                lines.append("    </method>")
            }
            for signal in interface.signals {
                lines.append("    <signal name=\"\(escape(signal.name))\">")
                for argument in signal.arguments { lines.append("      " + argumentXML(argument, direction: nil)) }
                lines.append("    </signal>")
            }
            for property in interface.properties {
                lines.append("    <property name=\"\(escape(property.name))\" type=\"\(escape(property.type.signature))\" access=\"\(property.access.rawValue)\"/>")
            }
            lines.append("  </interface>")
        }
        for child in children { lines.append("  <node name=\"\(escape(child))\"/>") }
        lines.append("</node>")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func argumentXML(_ argument: DBusArgument, direction: String?) -> String {
        let directionText = direction.map { " direction=\"\($0)\"" } ?? ""
        return "<arg name=\"\(escape(argument.name))\" type=\"\(escape(argument.type.signature))\"\(directionText)/>"
    }

    static func escape(_ text: String) -> String {
        text.reduce(into: "") { result, character in result += entities[character] ?? String(character) }
    }

    private static let entities: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]

    // Declarations only (the connection answers these itself); the handlers are never called.
    private static let unused: DBusMethodHandler = { _ in [] }
    private static let standardPeer = DBusInterface(DBusStandardInterface.peer, methods: [
        DBusMethod("Ping", handler: unused),
        DBusMethod("GetMachineId", out: [DBusArgument("machine_uuid", .string)], handler: unused),
    ])
    private static let standardIntrospectable = DBusInterface(DBusStandardInterface.introspectable, methods: [
        DBusMethod("Introspect", out: [DBusArgument("xml_data", .string)], handler: unused),
    ])
    private static let standardProperties = DBusInterface(DBusStandardInterface.properties, methods: [
        DBusMethod("Get", in: [DBusArgument("interface_name", .string), DBusArgument("property_name", .string)],
                   out: [DBusArgument("value", .variant)], handler: unused),
        DBusMethod("GetAll", in: [DBusArgument("interface_name", .string)],
                   out: [DBusArgument("props", .array(.dictEntry(key: .string, value: .variant)))], handler: unused),
        DBusMethod("Set", in: [DBusArgument("interface_name", .string), DBusArgument("property_name", .string),
                               DBusArgument("value", .variant)], handler: unused),
    ], signals: [
        DBusSignalDescription("PropertiesChanged", [DBusArgument("interface_name", .string),
                                                    DBusArgument("changed_properties", .array(.dictEntry(key: .string, value: .variant))),
                                                    DBusArgument("invalidated_properties", .array(.string))]),
    ])
    private static let standardObjectManager = DBusInterface(DBusStandardInterface.objectManager, methods: [
        DBusMethod("GetManagedObjects", out: [DBusArgument("object_paths_interfaces_and_properties",
                                                           .array(.dictEntry(key: .objectPath, value: .array(.dictEntry(key: .string, value: .array(.dictEntry(key: .string, value: .variant)))))))],
                   handler: unused),
    ], signals: [
        DBusSignalDescription("InterfacesAdded", [DBusArgument("object_path", .objectPath),
                                                  DBusArgument("interfaces_and_properties", .array(.dictEntry(key: .string, value: .array(.dictEntry(key: .string, value: .variant)))))]),
        DBusSignalDescription("InterfacesRemoved", [DBusArgument("object_path", .objectPath), DBusArgument("interfaces", .array(.string))]),
    ])
}
