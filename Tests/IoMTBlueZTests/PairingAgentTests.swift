import IoMTBlueZ
import IoMTDBus
import IoMTLab
import Testing

/// The headless agent, called over a real dbus-daemon the way bluetoothd calls it.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct PairingAgentTests {
    let configured: DBusObjectPath = "/org/bluez/hci0/dev_A0_00_00_00_00_01"
    let pairedNow: DBusObjectPath = "/org/bluez/hci0/dev_A0_00_00_00_00_02"
    let stranger: DBusObjectPath = "/org/bluez/hci0/dev_A0_00_00_00_00_03"

    func call(_ bus: DBusConnection, _ owner: String, _ member: String, _ body: [DBusValue]) async -> Result<[DBusValue], DBusError> {
        do {
            return .success(try await bus.call(destination: owner, path: PairingAgent.path, interface: BlueZ.agent, member: member, body: body))
        } catch let error as DBusError { return .failure(error) } catch { return .failure(.disconnected(reason: "\(error)")) }
    }

    @Test func answersConfiguredAndPairingDevicesAndRejectsStrangers() async throws {
        let daemon = try await PrivateDBusDaemon()
        defer { daemon.stop() }
        let gateway = try await daemon.connect()
        let bluetoothd = try await daemon.connect()
        defer { gateway.close(); bluetoothd.close() }
        let agent = PairingAgent()
        try gateway.export(agent.object)
        agent.allow(configured, secret: .passkey(246810))
        agent.expectPairing(pairedNow, secret: nil)
        let owner = gateway.uniqueName

        #expect(await call(bluetoothd, owner, "RequestPasskey", [.objectPath(configured)]) == .success([.uint32(246810)]))
        #expect(await call(bluetoothd, owner, "RequestConfirmation", [.objectPath(configured), .uint32(246810)]) == .success([]))
        #expect(await call(bluetoothd, owner, "RequestConfirmation", [.objectPath(configured), .uint32(111111)]).rejected)
        // Just Works for a device we are pairing: confirmed; it has no passkey to give.
        #expect(await call(bluetoothd, owner, "RequestConfirmation", [.objectPath(pairedNow), .uint32(5)]) == .success([]))
        #expect(await call(bluetoothd, owner, "RequestAuthorization", [.objectPath(pairedNow)]) == .success([]))
        #expect(await call(bluetoothd, owner, "RequestPasskey", [.objectPath(pairedNow)]).rejected)
        // Anyone else is refused.
        #expect(await call(bluetoothd, owner, "RequestConfirmation", [.objectPath(stranger), .uint32(5)]).rejected)
        #expect(await call(bluetoothd, owner, "RequestAuthorization", [.objectPath(stranger)]).rejected)
        #expect(await call(bluetoothd, owner, "RequestPinCode", [.objectPath(stranger)]).rejected)
        agent.pairingEnded(pairedNow)
        #expect(await call(bluetoothd, owner, "RequestAuthorization", [.objectPath(pairedNow)]).rejected)
        #expect(agent.requests.first == "RequestPasskey \(configured.text)")
    }
}

extension Result where Success == [DBusValue], Failure == DBusError {
    var rejected: Bool { if case .failure(let error) = self { error.remoteName == BlueZ.ErrorName.rejected } else { false } }
}
