import Glibc

/// Exporting objects: registration, property updates, and answering incoming method calls,
/// including the standard Peer, Introspectable, Properties and ObjectManager interfaces.
extension DBusConnection {
    /// Exports `object`; if an exported ObjectManager lies above it, InterfacesAdded is emitted.
    public func export(_ object: DBusObject) throws(DBusError) {
        let manager = state.withLock { state -> DBusObjectPath? in
            state.objects.add(object)
            return state.objects.managerAbove(object.path)
        }
        if let manager, let entry = state.withLock({ $0.objects[object.path] }) {
            try send(.signal(path: manager, interface: DBusStandardInterface.objectManager, member: "InterfacesAdded",
                             body: [.objectPath(object.path), entry.interfacesAndProperties]))
        }
    }

    /// Removes an exported object; if an ObjectManager lies above it, InterfacesRemoved is emitted.
    public func unexport(_ path: DBusObjectPath) throws(DBusError) {
        let (removed, manager) = state.withLock { state in (state.objects.remove(path), state.objects.managerAbove(path)) }
        if let removed, let manager {
            try send(.signal(path: manager, interface: DBusStandardInterface.objectManager, member: "InterfacesRemoved",
                             body: [.objectPath(path), .stringArray(removed.object.interfaces.map(\.name))]))
        }
    }

    /// Changes an exported property and emits PropertiesChanged (how GATT notifications reach BlueZ).
    public func updateProperty(path: DBusObjectPath, interface: String, name: String, value: DBusValue,
                               emitChanged: Bool = true) throws(DBusError) {
        let known = state.withLock { state -> Bool in
            guard state.objects[path]?.interface(named: interface)?.property(named: name) != nil else { return false }
            state.objects.setValue(value, path: path, interface: interface, property: name)
            return true
        }
        guard known else {
            throw .remote(name: DBusErrorName.unknownProperty.rawValue, message: "\(path) has no exported property \(interface).\(name)")
        }
        if emitChanged { try emitPropertiesChanged(path: path, interface: interface, changed: [name: value]) }
    }

    /// The current value of an exported property.
    public func exportedProperty(path: DBusObjectPath, interface: String, name: String) -> DBusValue? {
        state.withLock { $0.objects[path]?.values[interface]?[name] }
    }

    public func emitSignal(path: DBusObjectPath, interface: String, member: String, body: [DBusValue] = [],
                           destination: String? = nil) throws(DBusError) {
        try send(.signal(path: path, interface: interface, member: member, body: body, destination: destination))
    }

    public func emitPropertiesChanged(path: DBusObjectPath, interface: String, changed: [String: DBusValue],
                                      invalidated: [String] = []) throws(DBusError) {
        try emitSignal(path: path, interface: DBusStandardInterface.properties, member: "PropertiesChanged",
                       body: [.string(interface), .stringVariantDictionary(changed), .stringArray(invalidated)])
    }

    // MARK: - Incoming calls

    func handleMethodCall(_ call: DBusMessage) {
        state.withLock { state in
            guard state.closeReason == nil else { return }
            let id = state.nextHandlerID
            state.nextHandlerID += 1
            // Created under the lock so the task cannot finish (and unregister) before it is registered.
            state.handlerTasks[id] = Task { [weak self] in
                await self?.run(call)
                self?.state.withLock { _ = $0.handlerTasks.removeValue(forKey: id) }
            }
        }
    }

    private func run(_ call: DBusMessage) async {
        let outcome: Result<[DBusValue], DBusMethodError>
        do { outcome = .success(try await self.answer(call)) } catch let error as DBusMethodError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(DBusMethodError(.failed, message: "\(error)"))
        }
        // Descriptors the handler did not take are closed before the reply goes out, not when the message is released
        // later: a caller told "refused" (bluetoothd, or a test counting descriptors) must find none still open here.
        for descriptor in call.fileDescriptors { if let untaken = descriptor.take() { Glibc.close(untaken) } }
        guard !call.flags.contains(.noReplyExpected), !Task.isCancelled else { return }
        let reply: DBusMessage = switch outcome {
        case .success(let body): .methodReturn(to: call, body: body)
        case .failure(let error): .error(to: call, name: error.name, message: error.message)
        }
        do { try self.send(reply) } catch {
            // The reply did not encode (a handler returned an invalid value): tell the caller.
            _ = try? self.send(.error(to: call, name: DBusErrorName.failed.rawValue, message: "reply could not be sent: \(error)"))
        }
    }

    private func answer(_ call: DBusMessage) async throws -> [DBusValue] {
        guard let path = call.path, let member = call.member else {
            throw DBusMethodError(.unknownMethod, message: "method call without path or member")
        }
        let interfaceName = call.interface
        switch (interfaceName ?? "", member) {
        case (DBusStandardInterface.peer, "Ping"), ("", "Ping"):
            return []
        case (DBusStandardInterface.peer, "GetMachineId"), ("", "GetMachineId"):
            return [.string(Self.machineID())]
        case (DBusStandardInterface.introspectable, "Introspect"), ("", "Introspect"):
            return [.string(try introspect(path))]
        default:
            break
        }
        guard let entry = state.withLock({ $0.objects[path] }) else {
            throw DBusMethodError(.unknownObject, message: "no object is exported at \(path)")
        }
        switch (interfaceName ?? "", member) {
        case (DBusStandardInterface.properties, "Get"):
            try checkArguments(call, [.string, .string])
            return [.variant(try readProperty(entry, interface: call.body[0].stringValue ?? "", name: call.body[1].stringValue ?? ""))]
        case (DBusStandardInterface.properties, "GetAll"):
            try checkArguments(call, [.string])
            let interface = call.body[0].stringValue ?? ""
            guard entry.interface(named: interface) != nil else {
                throw DBusMethodError(.unknownInterface, message: "\(path) has no interface \(interface)")
            }
            return [.stringVariantDictionary(entry.readableProperties(of: interface))]
        case (DBusStandardInterface.properties, "Set"):
            try checkArguments(call, [.string, .string, .variant])
            try writeProperty(entry, interface: call.body[0].stringValue ?? "", name: call.body[1].stringValue ?? "",
                              value: call.body[2].variantContent ?? call.body[2])
            return []
        case (DBusStandardInterface.objectManager, "GetManagedObjects") where entry.object.isObjectManager:
            return [state.withLock { $0.objects.managedObjects(below: path) }]
        default:
            break
        }
        let method: DBusMethod
        if let interfaceName {
            guard let interface = entry.interface(named: interfaceName) else {
                throw DBusMethodError(.unknownInterface, message: "\(path) has no interface \(interfaceName)")
            }
            guard let found = interface.method(named: member) else {
                throw DBusMethodError(.unknownMethod, message: "\(interfaceName) has no method \(member)")
            }
            method = found
        } else {
            guard let found = entry.object.interfaces.lazy.compactMap({ $0.method(named: member) }).first else {
                throw DBusMethodError(.unknownMethod, message: "\(path) has no method \(member)")
            }
            method = found
        }
        try checkArguments(call, method.inArguments.map(\.type))
        let result = try await method.handler(DBusMethodCall(message: call))
        let expected = method.outArguments.map(\.type)
        guard result.map(\.type) == expected else {
            throw DBusMethodError(.failed, message: "\(member) returned \(result.map(\.type.signature).joined()), declared \(expected.map(\.signature).joined())")
        }
        return result
    }

    private func checkArguments(_ call: DBusMessage, _ types: [DBusType]) throws {
        guard call.body.map(\.type) == types else {
            throw DBusMethodError(.invalidArgs,
                                  message: "\(call.member ?? "?") takes \"\(types.map(\.signature).joined())\", got \"\(call.signature.text)\"")
        }
    }

    private func introspect(_ path: DBusObjectPath) throws -> String {
        let (entry, known, children) = state.withLock { state in
            (state.objects[path], state.objects.isKnownNode(path), state.objects.childNames(of: path))
        }
        guard known else { throw DBusMethodError(.unknownObject, message: "no object is exported at \(path)") }
        return Introspection.xml(interfaces: entry?.object.interfaces ?? [], isObjectManager: entry?.object.isObjectManager ?? false,
                                 children: children)
    }

    private func readProperty(_ entry: ObjectRegistry.Entry, interface: String, name: String) throws -> DBusValue {
        guard let property = entry.interface(named: interface)?.property(named: name) else {
            throw DBusMethodError(.unknownProperty, message: "no property \(interface).\(name) at \(entry.object.path)")
        }
        guard property.access != .write else {
            throw DBusMethodError(.accessDenied, message: "\(interface).\(name) is write-only")
        }
        return state.withLock { $0.objects[entry.object.path]?.values[interface]?[name] } ?? property.initialValue
    }

    private func writeProperty(_ entry: ObjectRegistry.Entry, interface: String, name: String, value: DBusValue) throws {
        guard let property = entry.interface(named: interface)?.property(named: name) else {
            throw DBusMethodError(.unknownProperty, message: "no property \(interface).\(name) at \(entry.object.path)")
        }
        guard property.access != .read else {
            throw DBusMethodError(.propertyReadOnly, message: "\(interface).\(name) is read-only")
        }
        guard value.type == property.type else {
            throw DBusMethodError(.invalidArgs, message: "\(interface).\(name) has type \(property.type), got \(value.type)")
        }
        try property.onSet?(value)
        try updateProperty(path: entry.object.path, interface: interface, name: name, value: value)
    }

    private static func machineID() -> String {
        guard let file = fopen("/etc/machine-id", "r") else { return "" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, file) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
