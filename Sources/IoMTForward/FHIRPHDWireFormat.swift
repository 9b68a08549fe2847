import IoMTCore
import IoMTFHIR
import IoMTSpirometry
import IoMTStore

/// DOM's wire format: one PHD IG transaction Bundle per batch (FHIR R4 transaction, §3.1.0.11).
public struct FHIRPHDWireFormat: WireFormat {
    public let builder: PHDBundleBuilder

    /// `demographics`: whose demographics spirometry reference values use (the daemon's one resolver).
    public init(gateway: GatewayIdentity, demographics: PatientDemographicsResolver) {
        builder = PHDBundleBuilder(gateway: gateway, demographics: demographics)
    }

    /// `patientDemographics`: PESEL → demographics for spirometry reference values (DaemonConfiguration.patientDemographics).
    public init(gateway: GatewayIdentity, patientDemographics: [String: PatientDemographics] = [:]) {
        builder = PHDBundleBuilder(gateway: gateway, patientDemographics: patientDemographics)
    }

    /// DOM attributes every reading to a patient (Observation.subject). A reading no binding covered is stored held and
    /// never reaches this point; one that does without a patient is a fault, set aside (`Store.noPatientAtSendReason`),
    /// never sent to no one. A reading whose time is not trusted is held for the technician (`Store.untrustedTimeReason`),
    /// never sent re-stamped.
    public func unsendable(_ batch: [StoredObservation]) -> [QuarantinedRow] {
        batch.compactMap {
            if $0.observation.status.contains(.unreadableRecording) { return QuarantinedRow(id: $0.id, reason: Store.unreadableRecordingReason) }
            if $0.observation.status.contains(.timeUntrusted) { return QuarantinedRow(id: $0.id, reason: Store.untrustedTimeReason) }
            return $0.observation.patientId == nil ? QuarantinedRow(id: $0.id, reason: Store.noPatientAtSendReason) : nil
        }
    }

    /// The Observation.identifier value DOM's conditional create (`ifNoneExist`) matches.
    public func identifier(of row: StoredObservation) -> String {
        PHDObservationIdentifier.value(for: row.observation)
    }

    public func encode(_ batch: [StoredObservation]) -> [UInt8] {
        builder.transactionBundle(for: inputs(batch)).serializedBytes()
    }

    public func interpret(status: Int, body: [UInt8], batch: [StoredObservation]) -> BatchOutcome {
        Self.interpretTransaction(status: status, body: body, entryIds: builder.entryStoreIds(for: inputs(batch)), rowIds: batch.map(\.id))
    }

    /// DOM's answer to one transaction, as per-row outcomes — the rules for any PHD transaction Bundle, also one
    /// iomt-collector relays whole: `entryIds[i]` is the row request entry i carries (nil: a Device entry), `rowIds`
    /// every row of the request (one for a relayed bundle, so a whole-request refusal quarantines it instead of splitting).
    public static func interpretTransaction(status: Int, body: [UInt8], entryIds: [Int64?], rowIds: [Int64]) -> BatchOutcome {
        switch status {
        case 200..<300:
            return interpretTransactionResponse(body, entryIds: entryIds, rowIds: rowIds)
        case 400, 413, 422:
            // The request as a whole was refused for its content. A single row is at fault: quarantine it;
            // several rows: split, so the culprit is isolated and the others still go through.
            if rowIds.count == 1 {
                let reason = TransactionResponseParser.operationOutcomeText(body: body) ?? "HTTP \(status) without OperationOutcome"
                return BatchOutcome(quarantined: [QuarantinedRow(id: rowIds[0], reason: "HTTP \(status): \(reason)")])
            }
            return BatchOutcome(splitAndRetry: true)
        default:
            // 408, 429, 5xx: the server's state, not the rows'; 401/403/404: our configuration. Keep the rows.
            let text = TransactionResponseParser.operationOutcomeText(body: body) ?? "HTTP \(status)"
            return retryAll(rowIds, kind: "http-\(status)", message: text)
        }
    }

    private static func interpretTransactionResponse(_ body: [UInt8], entryIds: [Int64?], rowIds: [Int64]) -> BatchOutcome {
        let outcomes: [TransactionEntryOutcome]
        do {
            outcomes = try TransactionResponseParser().parse(body, entryStoreIds: entryIds)
        } catch {
            // Resending is safe (conditional create), so an unreadable answer is retried, not trusted.
            return retryAll(rowIds, kind: "bad-response", message: error.description)
        }
        var result = BatchOutcome()
        for outcome in worstPerRow(outcomes) {
            guard let id = outcome.storeId else { continue }
            switch outcome.statusCode ?? 0 {
            case 200..<300: result.delivered.append(id)
            case 400..<500 where outcome.statusCode != 408 && outcome.statusCode != 429:
                result.quarantined.append(QuarantinedRow(id: id, reason: "\(outcome.status): \(outcome.outcomeText ?? "no OperationOutcome")"))
            default:
                result.retryable.append(RetryableRow(id: id, kind: "entry-\(outcome.statusCode.map(String.init) ?? "unknown")",
                                                     message: outcome.outcomeText ?? outcome.status))
            }
        }
        return result
    }

    /// One outcome per row, in first-entry order. A row sent as several entries (an overnight oximetry session: summary
    /// and sample arrays) is delivered only when every entry was accepted: a content refusal (4xx) of any entry decides,
    /// else any other failure (retried).
    static func worstPerRow(_ outcomes: [TransactionEntryOutcome]) -> [TransactionEntryOutcome] {
        func rank(_ outcome: TransactionEntryOutcome) -> Int {
            switch outcome.statusCode ?? 0 {
            case 200..<300: 0
            case 400..<500 where outcome.statusCode != 408 && outcome.statusCode != 429: 2
            default: 1
            }
        }
        var order: [Int64] = [], worst: [Int64: TransactionEntryOutcome] = [:]
        var result: [TransactionEntryOutcome] = []
        for outcome in outcomes {
            guard let id = outcome.storeId else { result.append(outcome); continue }
            if let seen = worst[id] { if rank(outcome) > rank(seen) { worst[id] = outcome } } else { order.append(id); worst[id] = outcome }
        }
        return result + order.map { worst[$0]! }
    }

    private static func retryAll(_ rowIds: [Int64], kind: String, message: String) -> BatchOutcome {
        BatchOutcome(retryable: rowIds.map { RetryableRow(id: $0, kind: kind, message: message) })
    }

    private func inputs(_ batch: [StoredObservation]) -> [BundleInput] {
        batch.map {
            BundleInput(storeId: $0.id, observation: $0.observation, interpretation: $0.interpretation, summary: $0.summary,
                        seriesInterpretations: $0.seriesInterpretations)
        }
    }
}
