@testable import IoMTUdev
import Testing

/// Properties as udev (60-serial.rules, usb_id builtin, hwdb) leaves them on a CP2102 adapter's tty,
/// as `udevadm info /dev/ttyUSB0` prints them.
let cp2102Properties: [String: String] = [
    "DEVNAME": "/dev/ttyUSB0",
    "SUBSYSTEM": "tty",
    "ID_BUS": "usb",
    "ID_VENDOR_ID": "10c4",
    "ID_MODEL_ID": "ea60",
    "ID_MODEL": "CP2102_USB_to_UART_Bridge_Controller",
    "ID_MODEL_ENC": "CP2102\\x20USB\\x20to\\x20UART\\x20Bridge\\x20Controller",
    "ID_MODEL_FROM_DATABASE": "CP210x UART Bridge",
    "ID_SERIAL_SHORT": "0001",
    "DEVLINKS": "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0 /dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0",
]
let cp2102Syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"

@Suite struct UdevDeviceParserTests {
    @Test func readsUdevsPropertiesOfAUSBSerialAdapter() {
        let device = UdevDeviceParser.device(syspath: cp2102Syspath, properties: cp2102Properties)
        #expect(device.syspath == cp2102Syspath)
        #expect(device.devnode == "/dev/ttyUSB0")
        #expect(device.vendorId == 0x10C4)
        #expect(device.productId == 0xEA60)
        #expect(device.product == "CP2102 USB to UART Bridge Controller") // the descriptor's string, not the database's chip name
        #expect(device.serialNumber == "0001")
        #expect(device.devlinks == ["/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0",
                                    "/dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"])
        #expect(device.isUSB)
        #expect(device.usbId == "10c4:ea60")
    }

    @Test func productFallsBackFromEncodedModelToAttributeToModelToDatabase() {
        var properties = cp2102Properties
        properties["ID_MODEL_ENC"] = nil
        let withAttribute = UdevDeviceParser.device(syspath: cp2102Syspath, properties: properties,
                                                    usbAttributes: ["product": "CP2102 USB to UART Bridge Controller\n"])
        #expect(withAttribute.product == "CP2102 USB to UART Bridge Controller")
        #expect(UdevDeviceParser.device(syspath: cp2102Syspath, properties: properties).product == "CP2102 USB to UART Bridge Controller")
        properties["ID_MODEL"] = nil
        #expect(UdevDeviceParser.device(syspath: cp2102Syspath, properties: properties).product == "CP210x UART Bridge")
        properties["ID_MODEL_FROM_DATABASE"] = nil
        #expect(UdevDeviceParser.device(syspath: cp2102Syspath, properties: properties).product == nil)
    }

    @Test func usbParentAttributesFillInWhenUdevRulesDidNotRun() {
        let device = UdevDeviceParser.device(syspath: cp2102Syspath, properties: ["DEVNAME": "/dev/ttyUSB3"],
                                             usbAttributes: ["idVendor": "067b", "idProduct": "2303", "product": "USB-Serial Controller", "serial": "A1B2"])
        #expect(device.usbId == "067b:2303")
        #expect(device.product == "USB-Serial Controller")
        #expect(device.serialNumber == "A1B2")
        #expect(device.devlinks.isEmpty)
    }

    @Test func aTTYWithoutUSBParentIsNotUSB() {
        let device = UdevDeviceParser.device(syspath: "/sys/devices/platform/serial8250/tty/ttyS0", properties: ["DEVNAME": "/dev/ttyS0"])
        #expect(!device.isUSB)
        #expect(device.usbId == "no USB parent")
        #expect(device.devnode == "/dev/ttyS0")
    }

    @Test func idsMustBeFourHexDigits() {
        #expect(UdevDeviceParser.hex16("10c4") == 0x10C4)
        #expect(UdevDeviceParser.hex16("0403") == 0x0403)
        #expect(UdevDeviceParser.hex16("10c") == nil)
        #expect(UdevDeviceParser.hex16("10c4a") == nil)
        #expect(UdevDeviceParser.hex16("zzzz") == nil)
        #expect(UdevDeviceParser.hex16("") == nil)
        var properties = cp2102Properties
        properties["ID_VENDOR_ID"] = "silabs"
        #expect(!UdevDeviceParser.device(syspath: cp2102Syspath, properties: properties).isUSB)
    }

    @Test func udevEscapesAreDecodedAsUTF8() {
        #expect(UdevDeviceParser.decodeEscapes("Pulse\\x20Oximeter\\x2fUSB") == "Pulse Oximeter/USB")
        #expect(UdevDeviceParser.decodeEscapes("Tlenomierz\\x20\\xc5\\x81\\xc3\\xb3d\\xc5\\xba") == "Tlenomierz Łódź")
        #expect(UdevDeviceParser.decodeEscapes("broken\\x2") == "broken\\x2") // too short: kept as it is
        #expect(UdevDeviceParser.decodeEscapes("\\xZZ") == "\\xZZ")
    }

    @Test func descriptionLeavesProductAndSerialOut() {
        let device = UdevDeviceParser.device(syspath: cp2102Syspath, properties: cp2102Properties)
        #expect(device.description == "/dev/ttyUSB0 (10c4:ea60)")
        #expect(!device.description.contains("0001"))
    }
}
