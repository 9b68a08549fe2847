#!/usr/bin/env python3
"""Runs a command and, when it ends (success, failure, crash, a signal), ends every process it left behind.

    scripts/reap-descendants.py swift test --filter Suite

A test process that crashes leaves the daemons, simulators, dbus-daemons and mosquitto brokers it started
running; they load the machine and make later timing tests flaky. A process group or session does not hold
them (dbus-daemon --fork and mosquitto -d call setsid), so this wrapper makes itself the child subreaper
(prctl PR_SET_CHILD_SUBREAPER, Linux 3.4): whatever the command started stays its descendant even after its
parent died. When the command has exited, each remaining descendant gets SIGTERM, and SIGKILL after a grace of
GRACE_SECONDS; the reaped processes are named on stderr. No cgroups, no root.

The exit status is the command's (128 + n when signal n ended it). SIGINT, SIGTERM and SIGHUP sent to this
wrapper are passed on to the command, and the cleanup still runs.
"""
import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
GRACE_SECONDS = 2.0


def children_by_parent():
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if fields[0] == "Z":
            continue  # a zombie is reaped below, not signalled
        result.setdefault(int(fields[1]), []).append(int(entry))
    return result


def descendants(root):
    tree = children_by_parent()
    found, stack = [], [root]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def name(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()[:120] or f"pid {pid}"
    except OSError:
        return f"pid {pid}"


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_descendants(label):
    me = os.getpid()
    left = descendants(me)
    if not left:
        return 0
    print(f"reap-descendants: {len(left)} process(es) left behind by {label}, ending them:", file=sys.stderr)
    for pid in left:
        print(f"  {pid} {name(pid)}", file=sys.stderr)
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        reap_zombies()
        if not descendants(me):
            return len(left)
        time.sleep(0.05)
    # Still there (or started by one being ended): SIGKILL until none is left.
    while True:
        remaining = descendants(me)
        if not remaining:
            break
        for pid in remaining:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        reap_zombies()
    reap_zombies()
    return len(left)


def main():
    if len(sys.argv) < 2:
        print("usage: reap-descendants.py COMMAND [ARGUMENT...]", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"reap-descendants: prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 1
    command = sys.argv[1:]
    child = os.fork()
    if child == 0:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        try:
            os.execvp(command[0], command)
        except OSError as error:
            print(f"reap-descendants: cannot run {command[0]}: {error}", file=sys.stderr)
            os._exit(127)

    def pass_on(number, _frame):
        try:
            os.kill(child, number)
        except ProcessLookupError:
            pass

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, pass_on)
    # Waits for any child, not only the command: orphans handed to this subreaper that exit meanwhile are reaped at
    # once instead of staying zombies until the end.
    while True:
        try:
            pid, status = os.wait()
        except InterruptedError:
            continue
        if pid == child:
            break
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        code = 128 - code
        print(f"reap-descendants: {' '.join(command)[:80]} ended by signal {code - 128}", file=sys.stderr)
    end_descendants(" ".join(command)[:80])
    return code


if __name__ == "__main__":
    sys.exit(main())
