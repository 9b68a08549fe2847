import IoMTConfiguration
import IoMTControl
import IoMTCore
import IoMTStore

/// `iomtctl alerts ack|silence` and `quarantine requeue`: recorded by the daemon on its own store connection, so
/// iomtctl never writes the store. The alert clock picks up acknowledgements and silences from the store's
/// alert actions within a second; requeued rows go back to the forwarder's backlog. Audited with the caller's uid.
extension DaemonControl {
    func recordAlertAction(alert id: Int64, kind: AlertAction.Kind, silenceMilliseconds: Int64?, actor: String) async throws(StoreError) -> ControlReply {
        guard let alert = try await store.alert(id: id) else { return .failure("no alert #\(id) (see iomtctl alerts list)", .failed) }
        let now = clock.now()
        let until = silenceMilliseconds.map { now.adding(milliseconds: $0) }
        _ = try await store.recordAlertAction(episode: alert.event.episode, kind: kind, until: until, actor: actor, at: now)
        Log.notice("control: \(actor) recorded \(kind.rawValue) of alert #\(id)\(until.map { " until \($0.iso8601)" } ?? "")", "control")
        return .ok(AlertActionReply(alert: id, episode: alert.event.episode, kind: kind == .acknowledge ? .acknowledge : .silence, until: until, actor: actor))
    }

    func requeue(_ target: ControlCommand.RequeueTarget, actor: String) async throws(StoreError) -> ControlReply {
        let selection: RequeueSelection
        switch target {
        case .all: selection = .all
        case let .reason(text): selection = .reason(text)
        case let .ids(ids): selection = .ids(ids)
        }
        let count = try await store.requeueQuarantined(selection, destination: configuration.primaryDestination, actor: actor, at: clock.now())
        Log.notice("control: \(actor) put \(count) quarantined reading(s) back in the delivery queue", "control")
        return .ok(RequeueReply(requeued: Int64(count), actor: actor))
    }
}
