import FoundationEssentials
import IoMTCore

extension AlertEvent {
    /// JSON for the engine's journal row (AlertEvaluator), decoded again by `restore()`.
    public func json() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> AlertEvent {
        try JSONDecoder().decode(AlertEvent.self, from: Data(json.utf8))
    }
}
