/// Turns udev's strings (a device's properties, its USB parent's sysfs attributes) into a
/// `USBSerialDevice`. Pure: the C calls that collect the strings live in `UdevMonitor`.
public enum UdevDeviceParser {
    /// `properties`: the tty device's udev properties (DEVNAME, ID_VENDOR_ID, DEVLINKS, ...).
    /// `usbAttributes`: sysfs attributes of the USB parent (idVendor, idProduct, product, serial),
    /// empty when there is none or it is already gone (remove events). Properties win: they are
    /// what udev's usb_id builtin settled on; attributes fill in where udev's rules did not run.
    public static func device(syspath: String, properties: [String: String], usbAttributes: [String: String] = [:]) -> USBSerialDevice {
        let vendorId = hex16(properties["ID_VENDOR_ID"]) ?? hex16(usbAttributes["idVendor"])
        let productId = hex16(properties["ID_MODEL_ID"]) ?? hex16(usbAttributes["idProduct"])
        return USBSerialDevice(
            syspath: syspath,
            devnode: nonEmpty(properties["DEVNAME"]),
            vendorId: vendorId,
            productId: productId,
            product: product(properties: properties, usbAttributes: usbAttributes),
            serialNumber: nonEmpty(properties["ID_SERIAL_SHORT"]) ?? nonEmpty(usbAttributes["serial"]),
            devlinks: (properties["DEVLINKS"] ?? "").split(separator: " ").map(String.init))
    }

    /// The descriptor's product string, which profiles match on: ID_MODEL_ENC (exact, `\x20`-escaped),
    /// the parent's `product` attribute, ID_MODEL (spaces turned into `_` by udev), and last the
    /// USB ID database's name (ID_MODEL_FROM_DATABASE), which is the chip's name, not the product's.
    static func product(properties: [String: String], usbAttributes: [String: String]) -> String? {
        if let encoded = nonEmpty(properties["ID_MODEL_ENC"]) { return nonEmpty(decodeEscapes(encoded).trimmed) }
        if let attribute = nonEmpty(usbAttributes["product"]?.trimmed) { return attribute }
        if let model = nonEmpty(properties["ID_MODEL"]) { return model.replacing("_", with: " ") }
        return nonEmpty(properties["ID_MODEL_FROM_DATABASE"])
    }

    /// Exactly four hex digits (udev's and sysfs's form); anything else is not an id.
    static func hex16(_ text: String?) -> UInt16? {
        guard let text, text.utf8.count == 4, text.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(text, radix: 16)
    }

    /// udev's `\xNN` escapes (udev_util_encode_string) back to bytes, read as UTF-8.
    static func decodeEscapes(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count, source[index + 1] == UInt8(ascii: "x"),
               let value = UInt8(String(decoding: source[index + 2...index + 3], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

extension String {
    var trimmed: String {
        String(self.drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}
