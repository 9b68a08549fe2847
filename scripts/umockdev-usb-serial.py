#!/usr/bin/python3
"""USB-serial devices in a umockdev testbed, driven line by line from a test (HotplugTests.swift).

Run under umockdev-wrapper (the testbed checks parent devices through the preloaded /sys).
Prints "root DIR" once the testbed exists: the daemon under test runs with
LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR=DIR. Commands on stdin, one reply each:
  add NAME VID PID PRODUCT SERIAL   a USB device with a tty child /dev/NAME (a pty), plus an "add" uevent
                                    (PRODUCT: "_" stands for a space, "-" for none; SERIAL "-" for none)
  stream NAME HEX                   writes the bytes HEX to the device, 5 bytes every 1/60 s, repeating
  remove NAME                       "remove" uevent, then the device leaves the testbed
                                    (umockdev keeps the pty: a NAME cannot be added twice, re-plug under a new one)
  quit
"""
import os
import shutil
import sys
import threading
import time

import gi
gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev  # noqa: E402

testbed = UMockdev.Testbed.new()
devices = {}  # name -> {"usb": syspath, "tty": syspath, "stop": Event}
plugged = [0]  # adds so far: numbers each device's USB port and tty minor uniquely


def pass_through(handler, client):
    """The daemon's tty ioctls (TIOCEXCL, ...) run on the real pty: umockdev answers unknown ones with ENOTTY."""
    result, error = client.execute()
    client.complete(result, error)
    return True


ioctl_handler = UMockdev.IoctlBase()
ioctl_handler.connect("handle-ioctl", pass_through)


def reply(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def add(name, vid, pid, product, serial):
    plugged[0] += 1
    index = plugged[0]
    usb_path = "/devices/pci0000:00/usb1/1-%d" % index
    description = ["P: " + usb_path, "E: SUBSYSTEM=usb", "E: DEVTYPE=usb_device",
                   "A: idVendor=" + vid, "A: idProduct=" + pid]
    if product != "-":
        description.append("A: product=" + product.replace("_", " "))
    if serial != "-":
        description.append("A: serial=" + serial)
    # The tty as udev leaves it after 60-serial.rules (usb_id) and iomtd's 70-iomtd.rules.
    tty_path = "%s/1-%d:1.0/%s/tty/%s" % (usb_path, index, name, name)
    tty = ["P: " + tty_path, "N: " + name, "E: SUBSYSTEM=tty", "E: DEVNAME=/dev/" + name,
           "E: ID_BUS=usb", "E: ID_VENDOR_ID=" + vid, "E: ID_MODEL_ID=" + pid,
           "E: DEVLINKS=/dev/iomt/usb-%s_%s-pci-0000:00:14.0-usb-0:%d:1.0" % (vid, pid, index),
           # Major 4 (not ttyUSB's 188): umockdev's isatty() only says "terminal" for major 4.
           "A: dev=4:%d" % (64 + index)]
    if product != "-":
        tty.append("E: ID_MODEL=" + product)
        tty.append("E: ID_MODEL_ENC=" + product.replace("_", "\\x20"))
    if serial != "-":
        tty.append("E: ID_SERIAL_SHORT=" + serial)
    # The ioctl handler first, and listening before the uevent: the daemon opens the node as soon as it
    # hears of it, and an open that finds no handler gets umockdev's default one (ENOTTY for everything).
    testbed.attach_ioctl("/dev/" + name, ioctl_handler)
    testbed.add_from_string("\n".join(description) + "\n\n" + "\n".join(tty) + "\n")
    socket_path = os.path.join(testbed.get_root_dir(), "ioctl", "dev", name)
    for _ in range(100):
        if os.path.exists(socket_path):
            break
        time.sleep(0.02)
    time.sleep(0.1)
    devices[name] = {"usb": "/sys" + usb_path, "tty": "/sys" + tty_path, "stop": threading.Event()}
    testbed.uevent("/sys" + tty_path, "add")
    reply("added /sys" + tty_path)


def stream(name, data):
    fd = testbed.get_dev_fd("/dev/" + name)
    stop = devices[name]["stop"]

    def run():
        while not stop.is_set():
            for offset in range(0, len(data), 5):
                if stop.is_set():
                    return
                try:
                    os.write(fd, data[offset:offset + 5])
                except OSError:
                    return  # the pty is gone (device removed)
                time.sleep(1 / 60)
    threading.Thread(target=run, daemon=True).start()
    reply("streaming")


def remove(name):
    device = devices.pop(name)
    device["stop"].set()
    time.sleep(0.05)
    testbed.uevent(device["tty"], "remove")
    testbed.remove_device(device["tty"])
    testbed.remove_device(device["usb"])
    reply("removed")


reply("root " + testbed.get_root_dir())
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    try:
        if words[0] == "add":
            add(*words[1:6])
        elif words[0] == "stream":
            stream(words[1], bytes.fromhex(words[2]))
        elif words[0] == "remove":
            remove(words[1])
        elif words[0] == "quit":
            break
        else:
            reply("error unknown command " + words[0])
    except Exception as error:  # report, keep serving: the test decides
        reply("error %s" % error)

# The testbed's directory is not always removed when the interpreter exits.
for device in devices.values():
    device["stop"].set()
shutil.rmtree(testbed.get_root_dir(), ignore_errors=True)
