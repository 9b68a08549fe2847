import Glibc
import IoMTConfiguration
import IoMTCore
import IoMTForward
import IoMTTransport

/// The service: loads the configuration, relays until SIGTERM/SIGINT, talks to systemd (Type=notify, watchdog).
public enum CollectorService {
    public static let version = "0.1.0"

    public enum StartupError: Error, CustomStringConvertible {
        case configuration(String)
        public var description: String { switch self { case let .configuration(text): text } }
    }

    /// Reads and checks the file; `clientId` (from `--client-id`) replaces broker.clientId for this instance.
    public static func load(configPath: String, clientId: String? = nil) throws(StartupError) -> CollectorConfiguration {
        let text: String
        do { text = try FileIO.readText(configPath) } catch { throw .configuration(error.description) }
        var configuration: CollectorConfiguration
        do { configuration = try CollectorConfiguration.parse(text, file: configPath) } catch { throw .configuration(error.description) }
        if let clientId { configuration.broker.clientId = clientId }
        let credentials = [configuration.dom.clientKeyPath, configuration.dom.oauth2?.clientSecretFile, configuration.broker.keyFile,
                           configuration.broker.passwordFile]
        let problems = credentials.compactMap { $0 }.compactMap { CredentialFileCheck.problem(path: $0) }.map { "\(configPath): \($0)" }
        guard problems.isEmpty else { throw .configuration(problems.joined(separator: "\n")) }
        return configuration
    }

    /// Runs until SIGTERM or SIGINT; returns the exit code. A message being relayed at that moment is left
    /// unacknowledged (the broker sends it again), never acknowledged before DOM accepted it.
    public static func run(_ configuration: CollectorConfiguration, clock: any SchedulingClock = SystemClock()) async -> Int32 {
        Log.setLevel(configuration.logLevel)
        let broker = configuration.broker
        for warning in configuration.warnings { Log.warning(warning, "collector") }
        do {
            try FileIO.createDirectory(configuration.stateDirectory, mode: 0o700)
            try FileIO.createDirectory(configuration.quarantineDirectory, mode: 0o700)
        } catch {
            Log.error("cannot create the quarantine directory: \(error)", "collector")
            return 1
        }
        var password: String? = nil
        if let file = broker.passwordFile {
            do { password = String(try FileIO.readText(file).split(whereSeparator: \.isNewline).first ?? "") } catch {
                Log.error("broker.passwordFile: \(error)", "collector")
                return 1
            }
        }
        let relay = BundleRelay(baseURL: configuration.dom.baseURL, transport: configuration.dom.makeTransport(clock: clock),
                                timeoutMilliseconds: configuration.dom.timeoutMilliseconds)
        let quarantine = BundleQuarantine(directory: configuration.quarantineDirectory)
        let collector = Collector(relay: relay, quarantine: quarantine, configuration: ForwarderConfiguration(), clock: clock)
        let notifier = SystemdNotifySocket.fromEnvironment()
        let options = SubscriberOptions(serverURI: broker.serverURI, clientId: broker.clientId, topicFilters: broker.topicFilters,
                                        caFile: broker.caFile, certFile: broker.certFile, keyFile: broker.keyFile, username: broker.username,
                                        password: password, receiveMaximum: broker.receiveMaximum,
                                        sessionExpirySeconds: UInt32(broker.sessionExpirySeconds), keepAliveSeconds: broker.keepAliveSeconds)
        let subscriber = PahoSubscriber(options: options, onSubscribed: {
            try? notifier.ready(status: "subscribed to \(broker.topicFilters.joined(separator: ", "))")
        }, clock: clock, handler: { message in
            await collector.settle(topic: message.topic, payload: message.payload, redelivered: message.redelivered)
        })
        let stop = StopSignal()
        do { try subscriber.start() } catch {
            Log.error("\(error)", "collector")
            return 1
        }
        Log.notice("iomt-collector \(version) started: \(broker.serverURI) as \(broker.clientId), group \(broker.group), DOM \(configuration.dom.baseURL)", "collector")
        let reporter = Task {
            // Status for `systemctl status` and the watchdog: the process is alive even while DOM is down.
            let watchdog = SystemdWatchdog.fromEnvironment()
            await clock.nowAndEvery(statusPeriod(watchdog)) {
                let counters = await collector.counters
                var line = "relayed \(counters.accepted) bundle(s), \(counters.readings) entries; quarantined \(counters.quarantined); redelivered \(counters.redelivered)"
                if let kind = counters.lastFailureKind { line += "; DOM failing (\(kind))" }
                if let paused = counters.paused { line += "; PAUSED: DOM refuses systemically (\(paused))" }
                try? notifier.status(line)
                if watchdog != nil { try? notifier.watchdog() }
            }
        }
        await stop.wait()
        try? notifier.stopping()
        Log.notice("stopping (a bundle DOM has not accepted by then stays unacknowledged at the broker)", "collector")
        reporter.cancel()
        await subscriber.prepareToStop()
        return 0
    }

    /// Status for `systemctl status` (and the watchdog ping, at half systemd's interval) every 15 s at most.
    static func statusPeriod(_ watchdog: SystemdWatchdog?) -> Duration {
        min(.seconds(15), watchdog.map { .microseconds($0.pingIntervalMicroseconds) } ?? .seconds(15))
    }
}
