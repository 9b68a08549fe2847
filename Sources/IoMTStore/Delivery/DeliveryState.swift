/// Delivery states in `delivery.state`. SQL names a state by interpolating its raw value (`state = \(DeliveryState.pending.rawValue)`),
/// never by a bare number: a partial index (`delivery_pending`, …) is used only when the query names its state literally,
/// so the value is written into the statement's text rather than bound.
enum DeliveryState: Int {
    case pending = 0, delivered = 1, quarantined = 2
    /// Delivered-as-duplicate: its identifier had already been accepted (Ledger/DedupLedger.swift); never uploaded.
    case duplicate = 3
    /// Held: no patient is attributed to the reading (no binding covered its time, or its time is not trusted for
    /// attribution). Never offered to a destination; a binding that attributes it puts it in the queue, one that
    /// takes its patient away holds it again (Bindings/BindingBook.swift). Never pruned or evicted: it waits for a human.
    case held = 4
}
