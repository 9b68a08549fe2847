/// Collects fixed-length runs from a stream in which a marked element opens each run: the frames of a sync-bit byte
/// stream (a start byte, then continuation bytes) and Nonin format #2's packets (a SYNC frame, then 24 more) are read
/// this way. A mark always opens a new run, so a run cut short is dropped rather than joined to the next; an element
/// that continues no run is dropped; a run is handed out once it holds `length` elements.
struct MarkedRunCollector<Element: Sendable>: Sendable {
    /// What an element is to the stream.
    enum Role {
        /// Opens a run.
        case mark
        /// A mark of a run that is not collected (another packet type): ends the open run and is dropped with it.
        case ignoredMark
        /// Continues the open run.
        case continuation
    }

    let length: Int
    private var run: [Element] = []
    /// Elements dropped: outside a run, in a run cut short, or marks of runs not collected.
    private(set) var droppedElements = 0
    /// Runs cut short by the next mark.
    private(set) var runsCutShort = 0

    init(length: Int) { self.length = length }

    /// Elements held for the open run (dropped if the stream ends).
    var pendingCount: Int { run.count }

    /// Takes one element; returns the run it completes, if any.
    mutating func push(_ element: Element, as role: Role) -> [Element]? {
        switch role {
        case .mark, .ignoredMark:
            if !run.isEmpty { droppedElements += run.count; runsCutShort += 1 }
            run = []
            guard role == .mark else { droppedElements += 1; return nil }
            run.append(element)
        case .continuation:
            guard !run.isEmpty else { droppedElements += 1; return nil }
            run.append(element)
        }
        guard run.count == length else { return nil }
        defer { run = [] }
        return run
    }
}
