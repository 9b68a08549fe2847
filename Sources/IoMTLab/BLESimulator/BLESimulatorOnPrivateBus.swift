import IoMTDBus

extension BLEPeripheralSimulator {
    /// The simulator's objects exported on a fresh private dbus-daemon, with a second connection to play bluetoothd: what
    /// the simulator's tests drive without BlueZ. The simulator, both connections and the bus are stopped when `body`
    /// returns or throws.
    public nonisolated func servedOnPrivateBus<Result>(_ body: (_ server: DBusConnection, _ client: DBusConnection) async throws -> Result)
        async throws -> Result {
        let bus = try await PrivateDBusDaemon()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        try await export(on: server)
        do {
            let result = try await body(server, client)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}
