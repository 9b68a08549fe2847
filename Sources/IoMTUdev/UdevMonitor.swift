import CUdev
import Glibc
import IoMTCore
import IoMTSystem
import IoMTTransport
import Synchronization

public struct UdevError: Error, CustomStringConvertible {
    public let description: String
}

/// Watches tty devices with a USB parent through libudev: first the ones present (udev_enumerate),
/// then add/remove events from udevd's netlink group, polled on a dedicated thread. libudev objects
/// are not thread-safe, so after `events()` hands them over only that thread touches them.
public final class UdevMonitor: Sendable {
    private let wake: Mutex<(read: Int32, write: Int32)?> = Mutex(nil)

    /// Events waiting for the consumer (a hub of eight adapters plugged at once is 16 with their removals). Past it,
    /// newer events are refused, counted, logged and reported in order by `.overflowed`.
    public static let defaultEventBuffer = 256
    private let sinkForCount: Mutex<BoundedStreamSink<UdevEvent>?> = Mutex(nil)

    public init() {}

    /// Events refused because the consumer was behind (status, metrics).
    public var lostEvents: Int { sinkForCount.withLock { $0 }?.lost ?? 0 }

    /// Starts watching. The monitor is listening before the enumeration runs, so a device plugged
    /// in meanwhile is reported (possibly twice: consumers treat a second add of a syspath as known).
    public func events(buffer: Int = UdevMonitor.defaultEventBuffer) throws(UdevError) -> AsyncStream<UdevEvent> {
        guard let udev = udev_new() else { throw UdevError(description: "udev_new failed: \(Errno.text(errno))") }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            let reason = Errno.text(errno)
            udev_unref(udev)
            throw UdevError(description: "cannot listen to udev events (netlink): \(reason)")
        }
        var fds: [Int32] = [-1, -1]
        guard udev_monitor_filter_add_match_subsystem_devtype(monitor, "tty", nil) >= 0,
              udev_monitor_enable_receiving(monitor) >= 0,
              pipe(&fds) == 0 else {
            let reason = Errno.text(errno)
            udev_monitor_unref(monitor)
            udev_unref(udev)
            throw UdevError(description: "cannot start the udev monitor: \(reason)")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The drain loop below must end when the queue is empty, not wait in recvmsg past a stop().
        let monitorFD = udev_monitor_get_fd(monitor)
        _ = fcntl(monitorFD, F_SETFL, fcntl(monitorFD, F_GETFL) | O_NONBLOCK)
        wake.withLock { $0 = (fds[0], fds[1]) }
        let (stream, continuation) = BoundedStreamSink<UdevEvent>.make(name: "udev tty events", capacity: buffer, policy: .refuseNewestAndMark,
                                                                       lossMarker: { .overflowed(lostEvents: $0) })
        sinkForCount.withLock { $0 = continuation }
        let handles = Handles(udev: udev, monitor: monitor)
        let wakeFD = fds[0]
        continuation.onTermination = { [self] _ in stop() }
        DedicatedThread.start { [self] in
            var present = 0
            for device in handles.enumerate() {
                present += 1
                continuation.yield(.added(device))
            }
            continuation.yield(.ready(count: present))
            handles.watch(wakeFD: wakeFD) { continuation.yield($0) }
            handles.release()
            closeWakePipe()
            continuation.finish()
        }
        return stream
    }

    /// Ends the watch; the event stream finishes shortly after.
    public func stop() {
        wake.withLock { fds in
            guard let fds else { return }
            var byte: UInt8 = 1
            _ = write(fds.write, &byte, 1)
        }
    }

    private func closeWakePipe() {
        wake.withLock { fds in
            guard let pair = fds else { return }
            close(pair.read); close(pair.write)
            fds = nil
        }
    }
}

/// The libudev context and monitor, owned by the monitor thread once started (never shared).
private final class Handles: @unchecked Sendable {
    let udev: OpaquePointer
    let monitor: OpaquePointer

    init(udev: OpaquePointer, monitor: OpaquePointer) { self.udev = udev; self.monitor = monitor }

    /// tty devices present now that have a USB parent.
    func enumerate() -> [USBSerialDevice] {
        guard let enumeration = udev_enumerate_new(udev) else { return [] }
        defer { udev_enumerate_unref(enumeration) }
        guard udev_enumerate_add_match_subsystem(enumeration, "tty") >= 0, udev_enumerate_scan_devices(enumeration) >= 0 else { return [] }
        var found: [USBSerialDevice] = []
        var entry = udev_enumerate_get_list_entry(enumeration)
        while let current = entry {
            entry = udev_list_entry_get_next(current)
            guard let syspath = udev_list_entry_get_name(current), let device = udev_device_new_from_syspath(udev, syspath) else { continue }
            defer { udev_device_unref(device) }
            let parsed = Self.describe(device)
            if parsed.isUSB, parsed.devnode != nil { found.append(parsed) }
        }
        return found
    }

    /// Polls the monitor and the wake pipe until the pipe is written (or the socket fails).
    func watch(wakeFD: Int32, emit: (UdevEvent) -> Void) {
        var descriptors = [pollfd(fd: udev_monitor_get_fd(monitor), events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        while true {
            descriptors[0].revents = 0; descriptors[1].revents = 0
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                Log.error("udev monitor: poll failed: \(Errno.text(errno)); hotplug stops", "hotplug")
                return
            }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                Log.error("udev monitor: socket closed; hotplug stops", "hotplug")
                return
            }
            // Drain: one readiness may stand for several queued events.
            while let device = udev_monitor_receive_device(monitor) {
                defer { udev_device_unref(device) }
                let action = udev_device_get_action(device).map { String(cString: $0) } ?? ""
                let parsed = Self.describe(device)
                switch action {
                case "add" where parsed.isUSB && parsed.devnode != nil: emit(.added(parsed))
                case "remove": emit(.removed(parsed))
                default: break // change/bind/move, and ttys without a USB parent
                }
            }
        }
    }

    func release() {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    /// Collects a device's strings for the pure parser.
    static func describe(_ device: OpaquePointer) -> USBSerialDevice {
        let syspath = udev_device_get_syspath(device).map { String(cString: $0) } ?? ""
        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = udev_list_entry_get_name(current) {
                properties[String(cString: name)] = udev_list_entry_get_value(current).map { String(cString: $0) } ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }
        if properties["DEVNAME"] == nil, let node = udev_device_get_devnode(device) { properties["DEVNAME"] = String(cString: node) }
        var attributes: [String: String] = [:]
        // The parent belongs to the child: no unref.
        if let usb = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device") {
            for name in ["idVendor", "idProduct", "product", "serial"] {
                if let value = udev_device_get_sysattr_value(usb, name) { attributes[name] = String(cString: value) }
            }
        }
        return UdevDeviceParser.device(syspath: syspath, properties: properties, usbAttributes: attributes)
    }
}


