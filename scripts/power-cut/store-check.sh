#!/bin/bash
# store-check.sh BIN_DIR DB: the store's own check — `iomtctl store check --db DB` (exit 0 healthy, 1 problems) — or,
# with an iomtctl that has no `store check` yet (usage error, exit 2), SQLite's PRAGMA integrity_check through
# python3. Prints one line "STORE_CHECK ok|FAILED <what> (<how>)"; exit 0 healthy, 1 not.
BIN=$1; DB=$2
[ -f "$DB" ] || { echo "STORE_CHECK ok (no store file yet)"; exit 0; }
out=$("$BIN/iomtctl" store check --db "$DB" 2>&1); rc=$?
case $rc in
  0) echo "STORE_CHECK ok (iomtctl store check)"; exit 0 ;;
  1) echo "STORE_CHECK FAILED (iomtctl store check): $(echo "$out" | tr '\n' ' ' | cut -c1-300)"; exit 1 ;;
esac
/usr/bin/python3 - "$DB" <<'PY'
import sqlite3, sys
try:
    c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
    rows = [r[0] for r in c.execute('PRAGMA integrity_check')]
    fk = c.execute('PRAGMA foreign_key_check').fetchall()
    version = c.execute('PRAGMA user_version').fetchone()[0]
    readings = c.execute('SELECT count(*) FROM readings').fetchone()[0] if c.execute(
        "SELECT 1 FROM sqlite_master WHERE name='readings'").fetchone() else 0
except Exception as e:
    print('STORE_CHECK FAILED (python sqlite3): %s' % e); sys.exit(1)
ok = rows == ['ok'] and not fk
print('STORE_CHECK %s (PRAGMA integrity_check: %s; foreign keys %s; schema %d; %d readings)' % (
    'ok' if ok else 'FAILED', '|'.join(rows)[:300], 'ok' if not fk else '%d violations' % len(fk), version, readings))
sys.exit(0 if ok else 1)
PY
