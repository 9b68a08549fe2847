import CSQLite

/// One numbered schema step. Steps run in order, each in its own transaction, and set
/// `PRAGMA user_version` to their number inside that transaction (so a crash leaves a whole step or none).
struct Migration {
    let version: Int
    let sql: String
}

enum Migrations {
    /// Ordered; append new steps at the end, never edit a released one.
    static let steps: [Migration] = [
        Migration(version: 1, sql: """
            CREATE TABLE devices (
                id INTEGER PRIMARY KEY,
                device_key TEXT NOT NULL,
                identity_json TEXT NOT NULL,
                UNIQUE (device_key, identity_json)
            );
            CREATE TABLE readings (
                id INTEGER PRIMARY KEY,
                device_id INTEGER NOT NULL REFERENCES devices(id),
                type_refid TEXT NOT NULL,
                mdc_code INTEGER NOT NULL,
                type_json TEXT,
                value TEXT,
                unit TEXT NOT NULL,
                status TEXT NOT NULL,
                components_json TEXT,
                device_time TEXT,
                received_ms INTEGER NOT NULL,
                corrected_ms INTEGER NOT NULL,
                patient_id TEXT,
                raw_frame BLOB NOT NULL,
                alert_priority INTEGER
            );
            -- Indexes are kept to what the delivery loop and stats read: each one costs a write per reading.
            -- state: a DeliveryState (pending, delivered, quarantined; later duplicate and held). priority_rank copies readings.alert_priority
            -- (3 = none) so the pending index can order alert rows first without a join.
            CREATE TABLE delivery (
                reading_id INTEGER NOT NULL REFERENCES readings(id) ON DELETE CASCADE,
                destination TEXT NOT NULL,
                state INTEGER NOT NULL DEFAULT \(DeliveryState.pending.rawValue),
                priority_rank INTEGER NOT NULL DEFAULT 3,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error_kind TEXT,
                last_error_message TEXT,
                delivered_ms INTEGER,
                PRIMARY KEY (reading_id, destination)
            ) WITHOUT ROWID;
            CREATE INDEX delivery_pending ON delivery(destination, priority_rank, reading_id) WHERE state = \(DeliveryState.pending.rawValue);
            CREATE INDEX delivery_delivered ON delivery(destination, delivered_ms) WHERE state = \(DeliveryState.delivered.rawValue);
            CREATE INDEX delivery_quarantined ON delivery(destination, reading_id) WHERE state = \(DeliveryState.quarantined.rawValue);
            -- Survives pruning, so "last success" stays known after old rows go.
            CREATE TABLE destinations (
                destination TEXT PRIMARY KEY,
                last_success_ms INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE delivery_failures (
                destination TEXT NOT NULL,
                kind TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (destination, kind)
            ) WITHOUT ROWID;
            """),
        Migration(version: 2, sql: """
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY,
                rule_id TEXT NOT NULL,
                rule_set_hash TEXT NOT NULL,
                priority TEXT NOT NULL,
                condition TEXT NOT NULL,
                measurement TEXT NOT NULL,
                value TEXT,
                unit TEXT NOT NULL,
                threshold TEXT,
                patient_id TEXT,
                device_key TEXT NOT NULL,
                observed_ms INTEGER NOT NULL,
                created_ms INTEGER NOT NULL,
                observation_id INTEGER,
                message TEXT NOT NULL
            );
            CREATE TABLE alert_dispatch (
                alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                channel TEXT NOT NULL,
                dispatched_ms INTEGER NOT NULL,
                PRIMARY KEY (alert_id, channel)
            ) WITHOUT ROWID;
            """),
        Migration(version: 3, sql: """
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                time_ms INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            """),
        // High-water mark per (device, patient, destination): the newest device time delivered, and the row
        // that carried it. A later row whose device time is not newer is history the device resent from its
        // memory and is set aside before upload (see HighWater.swift). patient_key is '' for no patient.
        Migration(version: 4, sql: """
            CREATE TABLE delivery_high_water (
                device_id INTEGER NOT NULL REFERENCES devices(id),
                patient_key TEXT NOT NULL,
                destination TEXT NOT NULL,
                device_time_ms INTEGER NOT NULL,
                reading_id INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL,
                PRIMARY KEY (device_id, patient_key, destination)
            ) WITHOUT ROWID;
            """),
        // Alerts a clinician can trust (issue 5): the episode an alert belongs to, whether it is a first firing,
        // a repetition or the escalation, the rule-set version and the inputs that fired it; clinicians'
        // acknowledgements and silences (an ordered log the daemon feeds to its engine); the interpretation
        // code (H/L/HH/LL) a reading earned; per-channel attempts (webhook retries); installed rule sets.
        Migration(version: 5, sql: """
            ALTER TABLE alerts ADD COLUMN episode TEXT NOT NULL DEFAULT '';
            ALTER TABLE alerts ADD COLUMN occurrence TEXT NOT NULL DEFAULT 'fired';
            ALTER TABLE alerts ADD COLUMN rule_set_version TEXT NOT NULL DEFAULT '';
            ALTER TABLE alerts ADD COLUMN inputs_json TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE alerts ADD COLUMN interpretation TEXT;
            CREATE INDEX alerts_episode ON alerts(episode);
            CREATE TABLE alert_actions (
                id INTEGER PRIMARY KEY,
                episode TEXT NOT NULL,
                action TEXT NOT NULL CHECK (action IN ('acknowledge', 'silence')),
                until_ms INTEGER,
                actor TEXT NOT NULL,
                time_ms INTEGER NOT NULL
            );
            CREATE INDEX alert_actions_episode ON alert_actions(episode);
            CREATE TABLE alert_dispatch_attempts (
                alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                channel TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                last_error TEXT,
                last_attempt_ms INTEGER NOT NULL,
                PRIMARY KEY (alert_id, channel)
            ) WITHOUT ROWID;
            CREATE TABLE reading_interpretation (
                reading_id INTEGER PRIMARY KEY REFERENCES readings(id) ON DELETE CASCADE,
                code TEXT NOT NULL
            );
            CREATE TABLE rule_sets (
                hash TEXT PRIMARY KEY,
                version TEXT NOT NULL,
                source TEXT NOT NULL,
                text TEXT NOT NULL,
                first_seen_ms INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        // Clinic mode: which patient a device measured for, over time. end_ms NULL = still bound.
        // A reading belongs to the binding that covers its corrected time (start inclusive, end exclusive).
        Migration(version: 6, sql: """
            CREATE TABLE bindings (
                id INTEGER PRIMARY KEY,
                device_key TEXT NOT NULL,
                patient_id TEXT NOT NULL,
                start_ms INTEGER NOT NULL,
                end_ms INTEGER,
                created_ms INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                CHECK (end_ms IS NULL OR end_ms > start_ms)
            );
            CREATE INDEX bindings_device ON bindings(device_key, start_ms);
            """),
        // Dedup ledger (DedupLedger.swift): the conditional-create identifiers each destination accepted, kept for
        // the retention window. It replaces the device-time high-water mark of step 4, which set genuinely new
        // readings aside whenever a device clock stepped back. State 3 = delivered-as-duplicate (never uploaded).
        // Rows delivered before this step are not in the ledger: a resend of them goes to DOM once more, where
        // conditional create suppresses it.
        Migration(version: 7, sql: """
            DROP TABLE delivery_high_water;
            CREATE TABLE delivery_ledger (
                destination TEXT NOT NULL,
                identifier TEXT NOT NULL,
                reading_id INTEGER NOT NULL,
                accepted_ms INTEGER NOT NULL,
                PRIMARY KEY (destination, identifier)
            ) WITHOUT ROWID;
            CREATE INDEX delivery_ledger_age ON delivery_ledger(accepted_ms);
            CREATE INDEX delivery_duplicate ON delivery(destination, delivered_ms) WHERE state = \(DeliveryState.duplicate.rawValue);
            -- Quarantined rows put back in the queue (`requeueQuarantined`, Delivery/Store+Delivery.swift), so a daemon sees rows iomtctl requeued.
            CREATE TABLE delivery_requeues (
                id INTEGER PRIMARY KEY,
                destination TEXT NOT NULL,
                count INTEGER NOT NULL,
                actor TEXT NOT NULL,
                time_ms INTEGER NOT NULL
            );
            """),
        // Alert identity (issue 12.7): a random UUID per alert, unique across store restores and gateways (the row
        // id is not: a restored older copy hands the same ids out again); existing rows get one here. And whether
        // the alert's reading could not be stored when it fired (issue 12.1: the alarm went out anyway).
        Migration(version: 8, sql: """
            ALTER TABLE alerts ADD COLUMN uid TEXT;
            ALTER TABLE alerts ADD COLUMN reading_not_stored INTEGER NOT NULL DEFAULT 0;
            UPDATE alerts SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
                                          || substr('89ab', 1 + abs(random() % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
            CREATE UNIQUE INDEX alerts_uid ON alerts(uid);
            """),
        // The alert engine's state (issue 12): one row, a versioned JSON snapshot written in the group commit that
        // carries (or precedes) the alerts it produced, so a restart continues episodes instead of re-firing them.
        // (alerts_episode, from version 5, serves the restart check for alerts that may not have been stored.)
        Migration(version: 9, sql: """
            CREATE TABLE alert_engine_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                rule_set_hash TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                state_json TEXT NOT NULL,
                saved_ms INTEGER NOT NULL
            );
            """),
        // What the gateway already fetched from each device (the RACP record mark), committed in the transaction of
        // the readings it covers; every read of a device clock with its offset; when a device was first seen.
        Migration(version: 11, sql: """
            CREATE TABLE device_marks (
                device_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                device_time TEXT,
                updated_ms INTEGER NOT NULL,
                PRIMARY KEY (device_key, kind)
            ) WITHOUT ROWID;
            CREATE TABLE device_clock_offsets (
                id INTEGER PRIMARY KEY,
                device_key TEXT NOT NULL,
                device_time TEXT NOT NULL,
                offset_ms INTEGER NOT NULL,
                clock_unset INTEGER NOT NULL,
                measured_ms INTEGER NOT NULL,
                set_ms INTEGER
            );
            CREATE INDEX device_clock_offsets_device ON device_clock_offsets(device_key, measured_ms);
            CREATE TABLE device_first_seen (
                device_key TEXT PRIMARY KEY,
                first_seen_ms INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        // Per-minute summaries that replaced compacted stream readings under storage pressure (StoragePressure.swift).
        Migration(version: 12, sql: """
            CREATE TABLE reading_summaries (
                reading_id INTEGER PRIMARY KEY REFERENCES readings(id) ON DELETE CASCADE,
                count INTEGER NOT NULL,
                minimum TEXT NOT NULL,
                maximum TEXT NOT NULL,
                period_end_ms INTEGER NOT NULL
            );
            """),
        // Delivery rows per destination and state, kept exact by triggers in every transaction that inserts,
        // transitions or deletes a delivery row (including ON DELETE CASCADE from readings, and other connections
        // such as iomtctl), so status and metrics read counters instead of counting millions of rows
        // (DeliveryCounters.swift). Initialised here from the rows already stored.
        Migration(version: 13, sql: """
            CREATE TABLE delivery_counts (
                destination TEXT NOT NULL,
                state INTEGER NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (destination, state)
            ) WITHOUT ROWID;
            INSERT INTO delivery_counts (destination, state, count)
                SELECT destination, state, count(*) FROM delivery GROUP BY destination, state;
            CREATE TRIGGER delivery_counts_insert AFTER INSERT ON delivery BEGIN
                INSERT INTO delivery_counts (destination, state, count) VALUES (NEW.destination, NEW.state, 1)
                ON CONFLICT (destination, state) DO UPDATE SET count = count + 1;
            END;
            CREATE TRIGGER delivery_counts_delete AFTER DELETE ON delivery BEGIN
                UPDATE delivery_counts SET count = count - 1 WHERE destination = OLD.destination AND state = OLD.state;
            END;
            CREATE TRIGGER delivery_counts_transition AFTER UPDATE OF state, destination ON delivery
            WHEN OLD.state IS NOT NEW.state OR OLD.destination IS NOT NEW.destination BEGIN
                UPDATE delivery_counts SET count = count - 1 WHERE destination = OLD.destination AND state = OLD.state;
                INSERT INTO delivery_counts (destination, state, count) VALUES (NEW.destination, NEW.state, 1)
                ON CONFLICT (destination, state) DO UPDATE SET count = count + 1;
            END;
            """),
        // Alerts fired by test or demonstration data (issue 12.6): NULL for a real alarm, 'recorded' (stored and logged,
        // never sent to the exec hook, webhook or DOM) or 'announced' (a technician asked: every channel, flagged test).
        Migration(version: 15, sql: """
            ALTER TABLE alerts ADD COLUMN test TEXT CHECK (test IS NULL OR test IN ('recorded', 'announced'));
            """),
        // Alert events the engine decided, written with its state (each once, not the whole list with every
        // snapshot): after a crash between the state's commit and the alerts', restart raises those without a row.
        Migration(version: 17, sql: """
            CREATE TABLE alert_engine_journal (
                episode TEXT NOT NULL,
                occurrence TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                event_json TEXT NOT NULL,
                PRIMARY KEY (episode, occurrence, created_ms)
            ) WITHOUT ROWID;
            CREATE INDEX alert_engine_journal_created ON alert_engine_journal (created_ms);
            """),
        // The engine's tracks (one per rule and patient or device), each its own row, written only when it changed:
        // a commit encodes the few tracks an input touched, not all of them (frame → alert latency). The
        // alert_engine_state row keeps the rest of the state; a snapshot saved before this keeps its tracks inside.
        Migration(version: 18, sql: """
            CREATE TABLE alert_engine_tracks (
                track_key TEXT PRIMARY KEY,
                track_json TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        // A real held state (4): readings without a patient are stored held instead of queued and set aside by the
        // forwarder with a message a binding had to recognise. Rows set aside that way become held (the text is the
        // one `Store.heldBackReason` had when this migration was written; the counters follow through their trigger).
        Migration(version: 19, sql: """
            CREATE INDEX delivery_held ON delivery(destination, reading_id) WHERE state = \(DeliveryState.held.rawValue);
            UPDATE delivery SET state = \(DeliveryState.held.rawValue), last_error_kind = NULL, last_error_message = NULL
            WHERE state = \(DeliveryState.quarantined.rawValue) AND last_error_kind = 'quarantined'
            AND last_error_message = 'no patient was bound to the device at the reading''s time; bind the device (iomtctl bind) to send it';
            """),
        // Demographics given with a clinic binding (issue 14: `iomtctl bind … --height`), for the spirometry reference
        // values of the readings the binding attributes. Nullable: bindings made before, or without them, have none and
        // fall back to the configuration's patients[] entry.
        Migration(version: 20, sql: """
            ALTER TABLE bindings ADD COLUMN height_cm REAL;
            ALTER TABLE bindings ADD COLUMN sex_at_birth TEXT;
            ALTER TABLE bindings ADD COLUMN birth_date TEXT;
            """),
        // The binding that attributed a reading (issue 13), written where the store decides the patient (insert,
        // re-attribution), so its demographics are looked up by fact rather than by a second copy of the rule. NULL:
        // no binding did (held, the reading carried its patient, or stored before this).
        Migration(version: 21, sql: """
            ALTER TABLE readings ADD COLUMN binding_id INTEGER;
            """),
        // Periodic samples a reading carries (an overnight oximetry session's SpO2 and pulse-rate series, issue 15):
        // JSON, NULL for every other reading.
        Migration(version: 22, sql: """
            ALTER TABLE readings ADD COLUMN series_json TEXT;
            """),
        // A night's alerts by the session row they fired on: each of its series carries the interpretation of its own
        // measurement's alerts (issue 15), looked up per delivered session without scanning every alert.
        Migration(version: 25, sql: """
            CREATE INDEX IF NOT EXISTS alerts_observation ON alerts(observation_id) WHERE observation_id IS NOT NULL;
            """),
    ]

    static var latestVersion: Int { steps.last?.version ?? 0 }

    /// Brings the file to `latestVersion`; refuses a file written by newer code.
    static func migrate(_ connection: SQLiteConnection) throws(StoreError) -> Int {
        let current = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
        if current > latestVersion {
            throw .migration(version: current, message: "\(connection.path) has schema version \(current), newer than this build supports (\(latestVersion)); run the iomtd release that wrote it, or restore a backup")
        }
        for step in steps where step.version > current {
            do {
                try connection.transaction { () throws(StoreError) in
                    try connection.execute(step.sql)
                    try connection.execute("PRAGMA user_version = \(step.version)")
                }
            } catch {
                throw .migration(version: step.version, message: "\(error) (file \(connection.path))")
            }
        }
        return latestVersion
    }
}
