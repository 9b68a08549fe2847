import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTProfiles

/// What a connection does differently for a device whose profile says `disconnects-after-sending` or
/// `bonding-required` (A&D's cuffs and thermometer, DEVICES.md §3.2: "bonded peer only gets data; device sends unsent
/// records then disconnects by itself").
extension BLEDeviceConnection {
    /// Why the link ended when the device dropped it: with `disconnects-after-sending`, a drop after records is the
    /// session's normal end, a drop before any record still a fault; without it, a plain disconnect.
    func deviceDisconnected(afterRecords records: Int) -> LinkFailure {
        guard profile.quirks.contains(.disconnectsAfterSending) else { return .disconnected }
        return records > 0 ? .sessionEnded(records: records) : .disconnectedBeforeAnyRecord
    }

    /// Bonded, and Trusted, which only `iomtctl pair` sets: a device bonded on the spot by Just Works pairing it started
    /// itself is not the device the operator paired (the same rule as a Classic link's, BluetoothCoordinator).
    func bondedThroughTheGateway() async -> Bool {
        guard let device = await client.objects.device(at: devicePath) else { return false }
        return device.bonded && device.trusted
    }

    /// After the device ended its session: no connect is tried while it sleeps. Discovery (filtered to its service) runs
    /// until BlueZ reports an advertisement of it (an RSSI or advertising-data change), it connects by itself, or
    /// `advertisementWaitMilliseconds` pass (then a connect is tried anyway). Nil: go on and connect.
    func waitForAdvertisement(_ iterator: inout AsyncStream<LinkSignal>.Iterator) async -> LinkFailure? {
        do { try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: serviceUUIDs) } catch {
            return .call(BlueZRecovery.classify(error))
        }
        let timer = Task { [linkSink, settings, clock] in
            do { try await clock.sleep(for: .milliseconds(settings.advertisementWaitMilliseconds)) } catch { return }
            linkSink?.yield(.timeout)
        }
        defer { timer.cancel() }
        let ended = await nextAdvertisement(&iterator)
        await client.releaseDiscovery(adapter: adapter.path)
        return ended
    }

    /// Device1 properties BlueZ changes when an advertisement of the device is received during discovery.
    static let advertisementProperties = ["RSSI", "ManufacturerData", "ServiceData", "TxPower"]

    private func nextAdvertisement(_ iterator: inout AsyncStream<LinkSignal>.Iterator) async -> LinkFailure? {
        while let signal = await iterator.next(isolation: #isolation) {
            switch signal {
            case .changed(let change) where change.path == devicePath && change.interface == BlueZ.device:
                if change.changed["Connected"]?.boolValue == true { return nil }
                if Self.advertisementProperties.contains(where: { change.changed[$0] != nil }) { return nil }
            case .changed, .tick: continue
            case .timeout:
                Log.info("\(address): no advertisement seen in \(settings.advertisementWaitMilliseconds / 60_000) min; connecting anyway", "bluetooth")
                return nil
            case .lost: return nil // the advertisement may be among the refused signals: connecting finds out
            case .removed: return .deviceRemoved
            case .stopped: return .disconnected
            case .busEnded: return .call(.reconnectBus(reason: "the D-Bus connection ended"))
            }
        }
        return .disconnected
    }
}
