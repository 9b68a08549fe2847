import IoMTCore

/// The `contec-cms50d-bt` session (CMS50D-BT / CMS50FW / CMS50IW over SPP, `driverOptions.downloadStoredData`): on every
/// link it first downloads the recording memory (`CMS50StoredDownload`), then runs the v4.6 live session with its keep-alive
/// (`CMS50V46Session`). While the download runs, bytes are framed as packages of any type; afterwards the live path reads
/// them exactly as without the download.
public struct CMS50StoredDataSession: ByteStreamDriver {
    private let reportIntervalMs: Int64
    private let keepAliveIntervalMs: Int64
    public let downloadOptions: CMS50StoredDownload.Options
    private var live: CMS50V46Session
    private var download: CMS50StoredDownload?
    private var packets = CMS50V46PacketFramer()
    private var committedMark: DeviceRecordMark?

    public init(reportIntervalMs: Int64, keepAliveIntervalMs: Int64, download: CMS50StoredDownload.Options) {
        self.reportIntervalMs = reportIntervalMs; self.keepAliveIntervalMs = keepAliveIntervalMs
        downloadOptions = download
        live = CMS50V46Session(reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
    }

    /// The mark of the last stored sample the store committed (its device time).
    public mutating func resume(from mark: DeviceRecordMark?) { committedMark = mark }

    public mutating func start(at time: Instant) -> DeviceOutput {
        live = CMS50V46Session(reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
        packets = CMS50V46PacketFramer()
        var machine = CMS50StoredDownload(options: downloadOptions, committedMark: committedMark, at: time)
        let output = machine.start(at: time)
        download = machine
        return output
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        guard var machine = download else { return live.ingest(bytes, at: time) }
        var output = DeviceOutput()
        let discardedBefore = packets.discardedBytes
        var framed = packets.push(bytes)[...]
        while let packet = framed.popFirst() {
            guard let answer = CMS50V46Answer.decode(packet) else { continue }
            output.append(machine.receive(answer, packet: packet, at: time))
            if machine.isFinished { break }
        }
        if packets.discardedBytes > discardedBefore { output.events.append(.resynchronised(discardedBytes: packets.discardedBytes - discardedBefore)) }
        download = machine
        output.append(goLiveIfFinished(at: time))
        // Packages after the download's last answer in the same read go the live way.
        if download == nil, !framed.isEmpty { output.append(live.ingest(Array(framed.joined()), at: time)) }
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput {
        guard var machine = download else { return live.tick(at: time) }
        var output = machine.tick(at: time)
        download = machine
        output.append(goLiveIfFinished(at: time))
        return output
    }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        guard download != nil else { return live.finish(at: time) }
        download = nil
        var output = DeviceOutput()
        if packets.pendingByteCount > 0 { output.events.append(.resynchronised(discardedBytes: packets.pendingByteCount)) }
        output.events.append(.rejectedFrame(reason: "CMS50 stored-data download cut short by link down; read again at the next connection"))
        return output
    }

    /// The download done: live data is asked for (A1) and kept alive as without it; the mark the store will commit is the
    /// one this link moved.
    private mutating func goLiveIfFinished(at time: Instant) -> DeviceOutput {
        guard let machine = download, machine.isFinished else { return DeviceOutput() }
        download = nil
        return live.start(at: time)
    }
}
