import Foundation
import Glibc
import IoMTCore
import IoMTSystem
import Synchronization

/// A local stand-in for DOM's FHIR endpoint: HTTP/1.1 on POSIX sockets, one thread per connection.
/// Accepts transaction Bundles at `POST /fhir` with conditional create on identifiers, answers
/// transaction-response Bundles, and offers search, `/stats` and `/health` for tests and demos.
public final class DOMReceiver: Sendable {
    public let configuration: DOMReceiverConfiguration

    private struct State: ~Copyable {
        var repository = ReceiverRepository()
        var log: ResourceLog?
        var listenFD: Int32 = -1
        var connections: Set<Int32> = []
        var requestSequence = 0
        var recordSequence = 0
        var port: UInt16 = 0
        var tokens: TokenEndpoint?
        var tls: TLSServerContext?
        /// JSON bodies POSTed to /webhook (the alert webhook's receiving end in the lab).
        var webhooks: [JSONValue] = []
    }

    private let state = Mutex(State())

    public init(configuration: DOMReceiverConfiguration) {
        self.configuration = configuration
    }

    deinit { stop() }

    // MARK: Lifecycle

    /// Reloads the data file, binds 127.0.0.1 and starts accepting; returns the bound port.
    /// `boundSocket`: a TCP socket already bound (not listening) on 127.0.0.1, taken over and listened on, so a
    /// test that held the port while "DOM was down" hands it over with no moment in which another process can take it.
    @discardableResult
    public func start(boundSocket: Int32? = nil) throws(DOMReceiverError) -> UInt16 {
        var reloaded: [IndexedResource] = []
        var log: ResourceLog? = nil
        if let path = configuration.dataFile {
            let loaded = try ResourceLog.load(path: path)
            reloaded = loaded.resources
            log = try ResourceLog(path: path, validLength: loaded.validLength)
        }
        if let directory = configuration.recordDirectory {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw DOMReceiverError(message: "cannot create record directory \(directory): \(error)")
            }
        }
        let tls = try configuration.tls.map { settings throws(DOMReceiverError) in try TLSServerContext(settings) }
        // libssl writes with write(2): a client gone mid-response must cost a connection, not the process.
        if tls != nil { signal(SIGPIPE, SIG_IGN) }
        let fd: Int32
        if let boundSocket { fd = boundSocket } else { fd = try bindLoopback() }
        guard listen(fd, 64) == 0 else {
            let reason = Errno.text(errno)
            close(fd)
            throw DOMReceiverError(message: "cannot listen on 127.0.0.1:\(configuration.port): \(reason); pick another --port or 0 for an ephemeral one")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = UInt16(bigEndian: actual.sin_port)
        state.withLock { state in
            for resource in reloaded {
                state.repository.insert(resource)
            }
            state.log = log
            state.listenFD = fd
            state.port = port
            state.tls = tls
            state.tokens = configuration.oauth2Client.map { TokenEndpoint(client: $0, lifetimeSeconds: configuration.tokenLifetimeSeconds) }
        }
        Thread.detachNewThread { [self] in acceptLoop(fd) }
        return port
    }

    private func bindLoopback() throws(DOMReceiverError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DOMReceiverError(message: "socket() failed: \(Errno.text(errno))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = configuration.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = Errno.text(errno)
            close(fd)
            throw DOMReceiverError(message: "cannot bind 127.0.0.1:\(configuration.port): \(reason); pick another --port or 0 for an ephemeral one")
        }
        return fd
    }

    /// Stops accepting and closes open connections; stored resources stay readable (on disk or in memory).
    public func stop() {
        let (fd, open) = state.withLock { state -> (Int32, Set<Int32>) in
            let result = (state.listenFD, state.connections)
            state.listenFD = -1
            state.connections = []
            return result
        }
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
        for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    // MARK: Inspection

    public var port: UInt16 { state.withLock { $0.port } }
    public var observationCount: Int { state.withLock { $0.repository.count("Observation") } }
    public var deviceCount: Int { state.withLock { $0.repository.count("Device") } }
    public var bundleCount: Int { state.withLock { $0.repository.bundles } }
    public var duplicatesSuppressed: Int { state.withLock { $0.repository.duplicatesSuppressed } }
    /// Access tokens issued by `POST /token` since start.
    public var tokensIssued: Int { state.withLock { $0.tokens?.issued ?? 0 } }
    /// `/fhir` requests refused with 401 for want of a valid token.
    public var unauthorizedRequests: Int { state.withLock { $0.tokens?.refused ?? 0 } }
    /// Lets every token issued so far expire now, as the server's clock would (deterministic, for tests).
    public func expireIssuedTokens() { state.withLock { $0.tokens?.expireAll() } }
    public func observations() -> [JSONValue] { state.withLock { $0.repository.resources(type: "Observation", log: $0.log) } }
    public func devices() -> [JSONValue] { state.withLock { $0.repository.resources(type: "Device", log: $0.log) } }
    /// Stored resources of any type (Communication, Observation, …).
    public func resources(_ type: String) -> [JSONValue] { state.withLock { $0.repository.resources(type: type, log: $0.log) } }
    /// Alert webhook calls received, in arrival order.
    public func webhookCalls() -> [JSONValue] { state.withLock { $0.webhooks } }

    // MARK: Connections

    private func acceptLoop(_ listenFD: Int32) {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return // listener closed by stop()
            }
            let accepted = state.withLock { state -> Bool in
                guard state.listenFD == listenFD else { return false }
                state.connections.insert(client)
                return true
            }
            guard accepted else { close(client); return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        let connection: any ReceiverConnection
        if let tls = state.withLock({ $0.tls }) {
            switch tls.accept(fd: fd) {
            case let .success(session): connection = session
            case let .failure(error):
                if configuration.log { FileHandle.standardError.write(Data("dom-receiver: \(error.message)\n".utf8)) }
                lingeringClose(fd)
                return
            }
        } else {
            connection = PlainConnection(fd: fd)
        }
        var reader = HTTPConnectionReader(connection: connection)
        var answered = 0
        while true {
            let request: HTTPWireRequest
            do { request = try reader.readRequest(); answered += 1 } catch {
                if case .closed = error {
                    // A client that rejects us after the handshake (a pinned key that does not match) just leaves.
                    if answered == 0, connection is TLSConnection, configuration.log {
                        FileHandle.standardError.write(Data("dom-receiver: TLS client left before sending a request (did it reject our certificate?)\n".utf8))
                    }
                    return
                }
                let status = { if case .tooLarge = error { return 413 } else { return 400 } }()
                _ = connection.sendAll(HTTPWireResponse.json(status, TransactionProcessor.operationOutcome(status, "malformed HTTP request")).serialized(close: true))
                return
            }
            let sequence = state.withLock { state -> Int in state.requestSequence += 1; return state.requestSequence }
            var damage: ResponseDamage? = nil
            var entryFailures: EntryFailures? = nil
            if let fault = configuration.faults?(ReceivedRequestSummary(method: request.method, path: request.path, sequence: sequence, body: request.body)) {
                switch fault {
                case .drop: return
                case let .delay(milliseconds): usleep(useconds_t(max(0, milliseconds)) * 1000)
                case let .respond(status, headers, body):
                    var response = HTTPWireResponse.json(status, body)
                    response.headers += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                    guard connection.sendAll(response.serialized(close: request.wantsClose)), !request.wantsClose else { return }
                    continue
                case let .processThen(how): damage = how
                case let .failEntries(status, every): entryFailures = EntryFailures(status: status, every: every)
                }
            }
            var response = handle(request, entryFailures: entryFailures)
            switch damage {
            case nil: break
            case .drop?: return
            case .garbage?: response.body = Array("<html>502 proxy hiccup, not FHIR".utf8)
            case .truncate?: response.body = Array(response.body.prefix(response.body.count / 2))
            }
            guard connection.sendAll(response.serialized(close: request.wantsClose)), !request.wantsClose else { return }
        }
    }

    /// After a refused handshake the client's request may still be unread; closing at once would answer it
    /// with a TCP reset that can overtake our TLS alert. Half-close, drain briefly, then the caller closes,
    /// so the client learns *why* (e.g. "certificate required") rather than "connection reset".
    private func lingeringClose(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sink = [UInt8](repeating: 0, count: 4096)
        while sink.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
    }

    // MARK: Routing

    func handle(_ request: HTTPWireRequest, entryFailures: EntryFailures? = nil) -> HTTPWireResponse {
        let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path
        if configuration.oauth2Client != nil {
            if request.method == "POST", path == "/token" {
                return state.withLock { $0.tokens?.issue(request) } ?? .json(404, TransactionProcessor.operationOutcome(404, "no token endpoint"))
            }
            if path == "/fhir" || path.hasPrefix("/fhir/"), let refusal = state.withLock({ $0.tokens?.refusal(request) }) {
                return refusal
            }
        }
        switch (request.method, path) {
        case ("GET", "/health"):
            return .json(200, #"{"status":"ok"}"#, contentType: "application/json")
        case ("GET", "/stats"):
            let text = state.withLock { state in
                JSONValue.object([
                    ("observations", .number(state.repository.count("Observation"))),
                    ("devices", .number(state.repository.count("Device"))),
                    ("bundles", .number(state.repository.bundles)),
                    ("duplicatesSuppressed", .number(state.repository.duplicatesSuppressed)),
                    ("entryFailuresInjected", .number(state.repository.entryFailuresInjected)),
                ] + (state.tokens.map { [("tokensIssued", .number($0.issued)), ("unauthorizedRequests", .number($0.refused))] } ?? [])).serialized()
            }
            return .json(200, text, contentType: "application/json")
        case ("POST", "/fhir"):
            return transaction(request.body, entryFailures: entryFailures)
        case ("GET", "/webhook"):
            return .json(200, JSONValue.array(webhookCalls()).serialized(), contentType: "application/json")
        case ("POST", "/webhook"):
            guard let body = try? JSONValue.parse(bytes: request.body) else {
                return .json(400, TransactionProcessor.operationOutcome(400, "webhook body is not JSON"))
            }
            let count = state.withLock { state -> Int in state.webhooks.append(body); return state.webhooks.count }
            return .json(200, #"{"received":\#(count)}"#, contentType: "application/json")
        case ("GET", "/fhir/Observation"), ("GET", "/fhir/Device"):
            return search(type: String(path.dropFirst("/fhir/".count)), query: request.query)
        default:
            return .json(404, TransactionProcessor.operationOutcome(404, "no route for \(request.method) \(path)"))
        }
    }

    private func transaction(_ body: [UInt8], entryFailures: EntryFailures?) -> HTTPWireResponse {
        let bundle: JSONValue
        do { bundle = try JSONValue.parse(bytes: body) } catch {
            return .json(400, TransactionProcessor.operationOutcome(400, "body is not JSON: \(error)"))
        }
        record(body)
        let result: Result<(TransactionPlan, Int), TransactionRejection> = state.withLock { state in
            let plan: TransactionPlan
            do throws(TransactionRejection) {
                plan = try TransactionProcessor.plan(bundle, repository: state.repository, entryFailures: entryFailures)
            } catch {
                return .failure(error)
            }
            let start: Int
            if let log = state.log {
                do throws(DOMReceiverError) { start = try log.append(plan.encoded) } catch {
                    return .failure(TransactionRejection(status: 500, message: error.message))
                }
            } else {
                start = state.repository.keepInMemory(plan.encoded)
            }
            // Committed only after the fsync: nothing is indexed that a kill could lose.
            for resource in plan.created {
                state.repository.insert(resource, shiftedBy: start)
            }
            state.repository.bundles += 1
            state.repository.duplicatesSuppressed += plan.matched
            state.repository.entryFailuresInjected += plan.injectedFailures
            return .success((plan, state.repository.bundles))
        }
        switch result {
        case let .success((plan, number)):
            if configuration.log {
                FileHandle.standardError.write(Data("dom-receiver: bundle \(number): \(plan.responseEntries.count) entries, \(plan.created.count) created, \(plan.matched) existing\n".utf8))
            }
            let response = JSONValue.object([
                ("resourceType", .string("Bundle")), ("type", .string("transaction-response")),
                ("entry", .array(plan.responseEntries)),
            ])
            return HTTPWireResponse(status: 200, headers: [("Content-Type", "application/fhir+json")], body: response.serializedBytes())
        case let .failure(rejection):
            if configuration.log {
                FileHandle.standardError.write(Data("dom-receiver: bundle refused with \(rejection.status)\n".utf8))
            }
            return .json(rejection.status, TransactionProcessor.operationOutcome(rejection.status, rejection.message))
        }
    }

    private func search(type: String, query: [(String, String)]) -> HTTPWireResponse {
        let identifier = query.first { $0.0 == "identifier" }?.1
        let matches = state.withLock { $0.repository.search(type: type, identifier: identifier, log: $0.log) }
        var members: [(String, JSONValue)] = [
            ("resourceType", .string("Bundle")), ("type", .string("searchset")), ("total", .number(matches.count)),
        ]
        if query.first(where: { $0.0 == "_summary" })?.1 != "count" {
            let limit = query.first { $0.0 == "_count" }.flatMap { Int($0.1) } ?? 100
            let port = self.port
            members.append(("entry", .array(matches.prefix(max(0, limit)).map { resource in
                .object([
                    ("fullUrl", .string("http://127.0.0.1:\(port)/fhir/\(type)/\(resource["id"]?.stringValue ?? "")")),
                    ("resource", resource),
                    ("search", .object([("mode", .string("match"))])),
                ])
            })))
        }
        return .json(200, JSONValue.object(members).serialized())
    }

    private func record(_ body: [UInt8]) {
        guard let directory = configuration.recordDirectory else { return }
        let number = state.withLock { state -> Int in state.recordSequence += 1; return state.recordSequence }
        let name = "bundle-" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number) + ".json"
        _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(body))
    }
}
