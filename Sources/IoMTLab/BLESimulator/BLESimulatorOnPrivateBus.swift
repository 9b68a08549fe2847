import IoMTDBus

extension BLEPeripheralSimulator {
    /// The simulator's objects exported on a fresh private dbus-daemon, with a second connection to play bluetoothd: what
    /// the simulator's tests drive without BlueZ. The simulator, both connections and the bus are stopped when `body`
    /// returns or throws.
    public nonisolated func servedOnPrivateBus<Result>(_ body: (_ server: DBusConnection, _ client: DBusConnection) async throws -> Result)
        async throws -> Result {
        try await runOnPrivateBus(export: { try await self.export(on: $0) }, stop: { await self.stop() }, body)
    }
}

extension ContecOximeterPeripheral {
    /// As `BLEPeripheralSimulator.servedOnPrivateBus`: the SleepO2 or PO60 simulator on a private bus, stopped at the end.
    public nonisolated func servedOnPrivateBus<Result>(_ body: (_ server: DBusConnection, _ client: DBusConnection) async throws -> Result)
        async throws -> Result {
        try await runOnPrivateBus(export: { try await self.export(on: $0) }, stop: { await self.stop() }, body)
    }
}

/// A fresh private dbus-daemon and two connections to it: `export` the simulator on the first, run `body` with both,
/// `stop` the simulator whatever `body` did; then the connections and the bus go.
func runOnPrivateBus<Result>(export: (DBusConnection) async throws -> Void, stop: () async -> Void,
                             _ body: (_ server: DBusConnection, _ client: DBusConnection) async throws -> Result) async throws -> Result {
    let bus = try await PrivateDBusDaemon()
    defer { bus.stop() }
    let server = try await bus.connect(), client = try await bus.connect()
    defer { server.close(); client.close() }
    try await export(server)
    do {
        let result = try await body(server, client)
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}
