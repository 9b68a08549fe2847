import Dispatch
import Foundation
import IoMTDBus
import IoMTLab
import Synchronization

/// A BlueZ peripheral simulator `iomt-lab ble-sim` serves: exported on the bus, registered with BlueZ, stopped at the end.
protocol BlueZPeripheralSimulator: Sendable {
    func export(on connection: DBusConnection) async throws
    func registerWithBlueZ() async throws -> String
    func stop() async
}

extension BLEPeripheralSimulator: BlueZPeripheralSimulator {}
extension ContecSpirometerPeripheral: BlueZPeripheralSimulator {}
extension ContecOximeterPeripheral: BlueZPeripheralSimulator {}

/// A `ble-sim` event line on stdout, flushed at once (the BLE lab scripts wait for these lines).
@Sendable func bleSimLog(_ line: String) {
    print("ble-sim: " + line)
    fflush(nil)
}

/// `serveOnSystemBus` for `simulator`: exports it and registers it with BlueZ, stops it at the end.
func serveOnSystemBus(_ simulator: some BlueZPeripheralSimulator) -> Int32 {
    serveOnSystemBus(start: { connection in try await export(simulator, on: connection) }, stop: { await simulator.stop() })
}

/// `serveOnSystemBus(_:)` for a simulated device that stores a new record on SIGUSR1 (`addRecord`).
func serveOnSystemBus(_ simulator: some BlueZPeripheralSimulator, addingRecordOnSIGUSR1 addRecord: @escaping @Sendable () async -> Void) -> Int32 {
    serveOnSystemBus(addingRecordOnSIGUSR1: addRecord, start: { connection in try await export(simulator, on: connection) },
                     stop: { await simulator.stop() })
}

private func export(_ simulator: some BlueZPeripheralSimulator, on connection: DBusConnection) async throws {
    try await simulator.export(on: connection)
    _ = try await simulator.registerWithBlueZ()
}

/// Runs a BlueZ peripheral simulator (`iomt-lab ble-sim`): connects to the system bus, `start`s it (export and register),
/// and serves until SIGINT/SIGTERM or until the bus connection ends; then `stop`s it (bounded to 5 s). Returns the exit
/// status: 0 after a signal, 1 when the start failed or the bus went away.
func serveOnSystemBus(start: @escaping @Sendable (DBusConnection) async throws -> Void, stop: @escaping @Sendable () async -> Void) -> Int32 {
    let finished = DispatchSemaphore(value: 0)
    let state = SystemBusRunState()
    Task {
        do {
            let connection = try await DBusConnection.system()
            state.connection.withLock { $0 = connection }
            try await start(connection)
            let reason = await connection.closed()
            guard !state.stopping.withLock({ $0 }) else { return }
            FileHandle.standardError.write(Data("iomt-lab ble-sim: the system bus connection ended: \(reason)\n".utf8))
            state.status.withLock { $0 = 1 }
        } catch {
            FileHandle.standardError.write(Data("iomt-lab ble-sim: \(error)\n".utf8))
            state.status.withLock { $0 = 1 }
        }
        finished.signal()
    }
    waitForTerminationSignal(or: finished)
    state.stopping.withLock { $0 = true }
    let stopped = DispatchSemaphore(value: 0)
    Task {
        await stop()
        state.connection.withLock { $0 }?.close()
        stopped.signal()
    }
    _ = stopped.wait(timeout: .now() + 5)
    return state.status.withLock { $0 }
}

/// Exit status and bus connection, shared by the run task and the signal handling.
final class SystemBusRunState: Sendable {
    let status = Mutex<Int32>(0)
    let connection = Mutex<DBusConnection?>(nil)
    let stopping = Mutex(false)
}

/// `serveOnSystemBus` for a simulated device that stores a new record on SIGUSR1 (`addRecord`).
func serveOnSystemBus(addingRecordOnSIGUSR1 addRecord: @escaping @Sendable () async -> Void,
                      start: @escaping @Sendable (DBusConnection) async throws -> Void, stop: @escaping @Sendable () async -> Void) -> Int32 {
    signal(SIGUSR1, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
    source.setEventHandler { Task { await addRecord() } }
    source.resume()
    defer { source.cancel() }
    return serveOnSystemBus(start: start, stop: stop)
}
