import Glibc

/// A connected client as the HTTP reader and writer see it: plain TCP or TLS on top of it.
protocol ReceiverConnection: AnyObject {
    /// Bytes read into `buffer`; 0 or less means closed or failed.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int
    func sendAll(_ bytes: [UInt8]) -> Bool
}

final class PlainConnection: ReceiverConnection {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int { recv(fd, buffer.baseAddress, buffer.count, 0) }
    func sendAll(_ bytes: [UInt8]) -> Bool { IoMTLab.sendAll(fd, bytes) }
}
