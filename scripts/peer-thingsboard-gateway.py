#!/usr/bin/env python3
"""The peer of issue 17 against the same broker: ThingsBoard IoT Gateway (PyPI `thingsboard-gateway`) relaying
readings to Debian's mosquitto while that broker is stopped mid-stream, counted at a persistent subscriber.

    source mosquitto (never stopped) --MQTT connector--> tb-gateway --QoS 1--> uplink mosquitto --> subscriber
                                                             (storage: sqlite)      (restarted)     (named, clean start off)

A feeder publishes N readings {"seq": n, "ts": …} (QoS 1) to the source broker at a fixed rate; the uplink broker is stopped
`--outages` times mid-stream (SIGTERM, or SIGKILL with --kill) for `--down` seconds each. Afterwards the subscriber's
distinct `seq` values give lost and duplicated readings. `--drain N` instead stops the uplink, feeds N readings while
it is down, starts it and times how long the gateway takes to deliver them (its drain rate).

Usage: python3 -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install thingsboard-gateway==3.8.5
       scripts/peer-thingsboard-gateway.py --gateway /tmp/tbvenv/bin/thingsboard-gateway [--readings 6000 --rate 200]
Needs apt packages mosquitto and mosquitto-clients. Everything lives in a temporary directory.
"""
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Broker:
    def __init__(self, directory, name):
        self.port, self.dir = free_port(), os.path.join(directory, name)
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"user {os.environ.get('USER') or 'root'}\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n"
                    f"persistence true\npersistence_location {self.dir}/\nautosave_on_changes true\nautosave_interval 1\n"
                    f"max_queued_messages 0\nlog_dest file {self.dir}/mosquitto.log\n")
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(["/usr/sbin/mosquitto", "-c", self.conf], stderr=subprocess.DEVNULL)
        for _ in range(500):
            if listening(self.port):
                return
            time.sleep(0.01)
        raise SystemExit(f"mosquitto did not listen on {self.port}")

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        self.process.wait()


def gateway_config(directory, package_config, uplink, source, storage):
    config = os.path.join(directory, "tb-config")
    shutil.copytree(package_config, config)
    with open(os.path.join(config, "tb_gateway.json")) as f:
        main = json.load(f)
    main["thingsboard"].update({"host": "127.0.0.1", "port": uplink.port, "remoteConfiguration": False,
                                "security": {"type": "accessToken", "accessToken": "peer-gateway"}, "qos": 1})
    main["thingsboard"]["statistics"]["enable"] = False
    for key in ("rateLimits", "dpRateLimits", "messagesRateLimits", "deviceMessagesRateLimits", "deviceRateLimits", "deviceDpRateLimits"):
        main["thingsboard"].pop(key, None)
    data = os.path.join(directory, "tb-data") + "/"
    main["storage"] = {"type": storage, "data_folder_path": data, "data_file_path": data + "storage.db",
                       "max_records_count": 10_000_000, "read_records_count": 100, "max_read_records_count": 100,
                       "max_file_count": 1000, "max_records_per_file": 10000, "messages_ttl_check_in_hours": 1,
                       "messages_ttl_in_days": 7, "max_db_amount": 10, "size_limit": 1024, "oversize_check_period": 1}
    main["connectors"] = [{"type": "mqtt", "name": "source", "configuration": "source.json"}]
    with open(os.path.join(config, "tb_gateway.json"), "w") as f:
        json.dump(main, f, indent=2)
    connector = {"broker": {"host": "127.0.0.1", "port": source.port, "clientId": "peer-source", "version": 5,
                            "maxMessageNumberPerWorker": 10, "maxNumberOfWorkers": 100, "security": {"type": "anonymous"}},
                 "mapping": [{"topicFilter": "sensor/+/data", "subscriptionQos": 1, "converter": {
                     "type": "json", "deviceInfo": {"deviceNameExpressionSource": "topic", "deviceNameExpression": "(?<=sensor/)(.*?)(?=/data)",
                                                    "deviceProfileExpressionSource": "constant", "deviceProfileExpression": "default"},
                     "sendDataOnlyOnChange": False, "timeout": 60000, "attributes": [],
                     "timeseries": [{"type": "integer", "key": "seq", "value": "${seq}"}]}}],
                 "requestsMapping": {}}
    with open(os.path.join(config, "source.json"), "w") as f:
        json.dump(connector, f, indent=2)
    os.makedirs(os.path.join(config, "logs"), exist_ok=True)
    return config


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)


def wait_until_stored(database, storage):
    """Until the gateway's SQLite storage stopped growing for 10 s (the connector has stored every reading)."""
    import sqlite3
    if storage != "sqlite":
        time.sleep(5)
        return
    last, since = None, time.monotonic()
    while time.monotonic() - since < 10:
        time.sleep(0.5)
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
                row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").fetchone()
        except sqlite3.Error:
            row = None
        if row != last:
            last, since = row, time.monotonic()


def received_seqs(path):
    seqs = []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            for entries in message.values() if isinstance(message, dict) else []:
                for entry in entries if isinstance(entries, list) else [entries]:
                    values = entry.get("values", entry) if isinstance(entry, dict) else {}
                    if "seq" in values:
                        seqs.append(int(values["seq"]))
    return seqs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="the thingsboard-gateway executable of a venv")
    parser.add_argument("--readings", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=200.0, help="readings per second from the feeder")
    parser.add_argument("--outages", type=int, default=4)
    parser.add_argument("--down", type=float, default=2.0, help="seconds the uplink broker stays stopped")
    parser.add_argument("--kill", action="store_true", help="SIGKILL instead of SIGTERM")
    parser.add_argument("--storage", default="sqlite", choices=["sqlite", "file", "memory"])
    parser.add_argument("--drain", type=int, default=0, help="measure the drain of N readings buffered while the uplink is down")
    parser.add_argument("--feed-rate", type=float, default=2000.0, help="readings per second fed while the uplink is down (--drain)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds without new arrivals before counting")
    arguments = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="peer-tbgw-")
    source, uplink = Broker(directory, "source"), Broker(directory, "uplink")
    received = os.path.join(directory, "received.jsonl")
    subscriber_args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(uplink.port), "-V", "mqttv5", "-c", "-x", "604800",
                       "-i", "peer-subscriber", "-u", "iomt-lab-subscriber", "-q", "1", "-t", "v1/gateway/telemetry"]
    subscriber = subprocess.Popen(subscriber_args, stdout=open(received, "w"), stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    package_config = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(arguments.gateway))),
                                  "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages",
                                  "thingsboard_gateway", "config")
    config = gateway_config(directory, package_config, uplink, source, arguments.storage)
    gateway = subprocess.Popen([arguments.gateway], cwd=directory, env=dict(os.environ, TB_GW_CONFIG_DIR=config),
                               stdout=open(os.path.join(directory, "gateway.out"), "w"), stderr=subprocess.STDOUT)
    time.sleep(5)  # connectors up

    feeder = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(source.port), "-q", "1", "-t", "sensor/dev1/data", "-l"],
                              stdin=subprocess.PIPE, text=True)
    count = arguments.drain or arguments.readings
    if arguments.drain:
        uplink.stop(signal.SIGTERM)
    outage_at = {int(count * (k + 1) / (arguments.outages + 1)) for k in range(arguments.outages)} if not arguments.drain else set()
    began, first_ts = time.monotonic(), int(time.time() * 1000) - count * 1000
    for n in range(count):
        # Each reading has its own time (1 Hz, as a monitor's): without `ts` the gateway keeps one value per key and pack.
        # Recent times: the gateway's storage drops readings older than messages_ttl_in_days.
        feeder.stdin.write(json.dumps({"seq": n, "ts": first_ts + n * 1000}) + "\n")
        feeder.stdin.flush()
        if n in outage_at:
            uplink.stop(signal.SIGKILL if arguments.kill else signal.SIGTERM)
            time.sleep(arguments.down)
            uplink.start()
        # While draining is prepared the feed is still paced (--feed-rate): mosquitto_pub -l flat out into a broker
        # whose one subscriber is the slower gateway got "disconnected due to out of memory" after 34,467 readings.
        pause = began + (n + 1) / (arguments.feed_rate if arguments.drain else arguments.rate) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    feeder.stdin.close()
    feeder.wait()
    if arguments.drain:
        wait_until_stored(os.path.join(directory, "tb-data", "data.db"), arguments.storage)
        drain_began, cpu_before = time.monotonic(), cpu_seconds(gateway.pid)
        uplink.start()

    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < arguments.settle:
        time.sleep(0.5)
        seen = len(received_seqs(received))
        if seen != last:
            last, last_change = seen, time.monotonic()
            if arguments.drain and len(set(received_seqs(received))) >= count:
                break
    finished, cpu_after = last_change, cpu_seconds(gateway.pid)
    seqs = received_seqs(received)
    distinct = set(seqs)
    result = {"readings": count, "received": len(seqs), "distinct": len(distinct), "lost": count - len(distinct & set(range(count))),
              "duplicated": len(seqs) - len(distinct), "outages": 0 if arguments.drain else arguments.outages,
              "signal": "SIGKILL" if arguments.kill else "SIGTERM", "storage": arguments.storage}
    if arguments.drain:
        seconds = finished - drain_began
        result.update({"drain_seconds": round(seconds, 2), "drain_rate_per_s": round(len(distinct) / seconds, 1) if seconds > 0 else None,
                       # includes up to --settle seconds of idle polling when readings are missing
                       "gateway_cpu_us_per_reading": round((cpu_after - cpu_before) * 1e6 / max(1, len(distinct)), 1),
                       "gateway_peak_rss_mb": peak_rss_mb(gateway.pid)})
    for process in (gateway, subscriber):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    source.stop()
    uplink.stop()
    print(json.dumps(result))
    if os.environ.get("KEEP"):
        print("kept", directory, file=sys.stderr)
    else:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
