/// A device's byte stream as a runner drives it, whatever carries it: a serial port (`SerialConnection`, reopened after
/// an unplug) or Bluetooth Classic SPP (`RFCOMMDeviceLink`, one RFCOMM socket per connection the device makes).
/// Events arrive in order on the link's own thread: `.opened`, data, `.closed` — and again for the next connection;
/// `.closed(.stopped)` or `.closed(.failed)` ends the link for good.
public protocol ByteStreamLink: Sendable {
    func start(onEvent handler: @escaping @Sendable (SerialEvent) -> Void)
    func send(_ bytes: [UInt8]) throws(SerialError)
    func stop()
}

extension SerialConnection: ByteStreamLink {}
