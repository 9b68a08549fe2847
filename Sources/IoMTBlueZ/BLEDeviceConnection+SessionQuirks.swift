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

    /// After a refusal (`bonding-required`): no connect is tried until BlueZ shows the device bonded and trusted, so the
    /// pairing `iomtctl pair` then runs over its own link is not cut by a retried connection's refusal and disconnect.
    func waitUntilBonded() async {
        let path = devicePath
        while !stopped, await client.endReason == nil {
            if await client.wait(timeoutMilliseconds: 1_000, until: { $0.device(at: path).map { $0.bonded && $0.trusted } ?? false }) { return }
        }
    }

    /// After the device ended its session: no connect is tried while it sleeps. Discovery, filtered to its service, runs
    /// until BlueZ reports an advertisement of it (an RSSI or advertising-data change), it connects by itself, or
    /// `advertisementWaitMilliseconds` pass: then one connect is tried, in case an advertisement went unseen (bluetoothd
    /// signals an RSSI only when it differs from the last one it kept). Nil: connect.
    func waitForAdvertisement(_ iterator: inout AsyncStream<LinkSignal>.Iterator) async -> LinkFailure? {
        do { try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: serviceUUIDs) } catch {
            return .call(BlueZRecovery.classify(error))
        }
        let timer = Task { [linkSink, settings, clock] in
            do { try await clock.sleep(for: .milliseconds(settings.advertisementWaitMilliseconds)) } catch { return }
            linkSink?.yield(.timeout)
        }
        let ended = await nextAdvertisement(&iterator)
        timer.cancel()
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
                Log.info("\(address): no advertisement seen in \(settings.advertisementWaitMilliseconds / 60_000) min; trying to connect once", "bluetooth")
                return nil
            case .lost: return nil // the advertisement may be among the refused signals: connecting finds out
            case .removed: return .deviceRemoved
            case .stopped: return .disconnected
            case .busEnded: return .call(.reconnectBus(reason: "the D-Bus connection ended"))
            }
        }
        return .disconnected
    }

    /// A connect that failed while the device sleeps between sessions (tried on an advertisement, or after the quiet
    /// period): not a fault, the wait for its next advertisement goes on (after the backoff's delay, so a device that
    /// advertises but refuses the gateway is not tried in a tight loop). A lost bus, a removed device object, a stale GATT
    /// cache or unresolved services are handled as always.
    func failedWhileAsleep(_ failure: LinkFailure) -> Bool {
        guard awaitingAdvertisement else { return false }
        switch failure {
        case .call(.reconnectBus), .deviceRemoved, .staleGATTCache, .servicesNotResolved, .sessionEnded, .notBonded: return false
        case .call, .disconnected, .disconnectedBeforeAnyRecord: return true
        }
    }
}

extension LinkDecision {
    /// How long the decision waits before the next attempt (0 for those that do not wait).
    var waitMilliseconds: Int64 {
        switch self {
        case let .reconnect(ms), let .rediscover(ms), let .disconnectAndReconnect(_, ms): ms
        case .reconnectBus, .awaitAdvertisement, .awaitBond: 0
        }
    }
}
