import IoMTCore

/// A reader whose device keeps records in memory that a technician may dump by hand: `iomtctl decode --record` decodes
/// one record as read from the device's memory (values, user, device time), with the reader's own record decoder.
public protocol StoredRecordDecoding {
    /// One record's bytes. `address`: where it was read (gives the user and slot); else `user` (1-based, default 1).
    func decodeStoredRecord(_ bytes: [UInt8], user: Int?, address: UInt16?) throws(StoredRecordError) -> StoredRecord
}

public struct StoredRecord: Sendable, Hashable {
    public let user: Int
    public let slot: Int?
    public let measurements: [DecodedMeasurement]
    public init(user: Int, slot: Int?, measurements: [DecodedMeasurement]) { self.user = user; self.slot = slot; self.measurements = measurements }
}

/// Why bytes are not a stored record (the reason names the field and what was expected).
public struct StoredRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension OmronClassicReader: StoredRecordDecoding {
    public func decodeStoredRecord(_ bytes: [UInt8], user: Int?, address: UInt16?) throws(StoredRecordError) -> StoredRecord {
        let map = options.map
        var place: (user: Int, slot: Int?) = (user ?? 1, nil)
        if let address {
            guard let found = map.slot(at: address) else {
                let areas = map.users.enumerated().map { "user \($0 + 1) \(Hex.word($1.start, uppercase: true))+\($1.records)×\(map.recordSize)" }
                throw StoredRecordError("address \(Hex.word(address, uppercase: true)) does not start a record of the \(map.model) (\(areas.joined(separator: ", ")))")
            }
            if let user, user != found.user { throw StoredRecordError("address \(Hex.word(address, uppercase: true)) is in user \(found.user)'s area, not user \(user)'s") }
            place = (found.user, found.slot)
        }
        guard map.users.indices.contains(place.user - 1) else { throw StoredRecordError("user \(place.user): the \(map.model) has users 1-\(map.users.count)") }
        do throws(OmronRecord.Problem) {
            let record = try OmronRecord.decode(bytes, map: map, user: place.user)
            return StoredRecord(user: place.user, slot: place.slot, measurements: record.measurements)
        } catch {
            throw StoredRecordError(error.description)
        }
    }
}
