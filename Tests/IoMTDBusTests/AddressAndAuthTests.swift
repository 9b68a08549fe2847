import IoMTDBus
import Testing

@Suite struct AddressTests {
    @Test func parsesUnixAddresses() throws {
        #expect(try DBusAddress.parse("unix:path=/run/dbus/system_bus_socket") == [DBusAddress(socket: .path("/run/dbus/system_bus_socket"))])
        #expect(try DBusAddress.parse("unix:abstract=/tmp/dbus-X,guid=0123abcd") == [DBusAddress(socket: .abstract("/tmp/dbus-X"), guid: "0123abcd")])
        // Values are %-escaped; non-unix transports are skipped.
        #expect(try DBusAddress.parse("tcp:host=localhost,port=1;unix:path=/tmp/a%20b") == [DBusAddress(socket: .path("/tmp/a b"))])
    }

    @Test func refusesUnusableAddresses() {
        #expect(throws: DBusError.self) { try DBusAddress.parse("") }
        #expect(throws: DBusError.self) { try DBusAddress.parse("tcp:host=localhost,port=1") }
        #expect(throws: DBusError.self) { try DBusAddress.parse("unix:tmpdir=/tmp") }
        #expect(throws: DBusError.self) { try DBusAddress.parse("unix:path=/tmp/%zz") }
        #expect(throws: DBusError.self) { try DBusAddress.parse("nocolon") }
    }

    @Test func busDefaultsFollowTheEnvironment() throws {
        #expect(try DBusAddress.systemBus(environment: [:]) == [DBusAddress(socket: .path("/run/dbus/system_bus_socket"))])
        #expect(try DBusAddress.systemBus(environment: ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/x"]) == [DBusAddress(socket: .path("/x"))])
        #expect(try DBusAddress.sessionBus(environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:abstract=s"]) == [DBusAddress(socket: .abstract("s"))])
        #expect(try DBusAddress.sessionBus(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == [DBusAddress(socket: .path("/run/user/1000/bus"))])
        #expect(throws: DBusError.self) { try DBusAddress.sessionBus(environment: [:]) }
    }
}

@Suite struct SASLTests {
    @Test func externalSendsNulThenTheHexEncodedUID() {
        // uid 1000 → ASCII "1000" → hex "31303030" (spec "AUTH command").
        #expect(SASLClient(uid: 1000).start() == [0] + Array("AUTH EXTERNAL 31303030\r\n".utf8))
        #expect(SASLClient(uid: 0).start() == [0] + Array("AUTH EXTERNAL 30\r\n".utf8))
    }

    @Test func okLeadsToBegin() {
        var client = SASLClient(uid: 0)
        #expect(client.receive("OK 1234deadbeef") == .begin(Array("BEGIN\r\n".utf8), guid: "1234deadbeef", unixFDs: false))
    }

    @Test func unixFDNegotiationIsOptional() {
        var agreeing = SASLClient(uid: 0, negotiateUnixFDs: true)
        #expect(agreeing.receive("OK abc") == .send(Array("NEGOTIATE_UNIX_FD\r\n".utf8)))
        #expect(agreeing.receive("AGREE_UNIX_FD") == .begin(Array("BEGIN\r\n".utf8), guid: "abc", unixFDs: true))
        var refusing = SASLClient(uid: 0, negotiateUnixFDs: true)
        _ = refusing.receive("OK abc")
        #expect(refusing.receive("ERROR not supported") == .begin(Array("BEGIN\r\n".utf8), guid: "abc", unixFDs: false))
    }

    @Test func rejectionIsAnError() {
        var client = SASLClient(uid: 0)
        guard case .failed(let reason) = client.receive("REJECTED DBUS_COOKIE_SHA1") else {
            Issue.record("REJECTED was accepted")
            return
        }
        #expect(reason.contains("DBUS_COOKIE_SHA1"))
    }
}

@Suite struct MatchRuleTests {
    @Test func ruleStringQuotesAndEscapes() {
        let rule = DBusMatchRule.signal(sender: "org.bluez", interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged",
                                        pathNamespace: "/org/bluez", arg0: "it's")
        #expect(rule.description == "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path_namespace='/org/bluez',arg0='it'\\''s'")
    }

    @Test func localFiltering() {
        var signal = DBusMessage.signal(path: "/org/bluez/hci0/dev_AA", interface: "org.freedesktop.DBus.Properties",
                                        member: "PropertiesChanged", body: [.string("org.bluez.Device1")])
        signal.fields.sender = ":1.5"
        #expect(DBusMatchRule.signal(pathNamespace: "/org/bluez").matches(signal))
        #expect(!DBusMatchRule.signal(pathNamespace: "/org/blue").matches(signal))
        #expect(!DBusMatchRule.signal(path: "/org/bluez").matches(signal))
        #expect(DBusMatchRule.signal(arg0: "org.bluez.Device1").matches(signal))
        #expect(!DBusMatchRule.signal(arg0: "org.bluez.Adapter1").matches(signal))
        #expect(DBusMatchRule.signal(sender: ":1.5").matches(signal))
        #expect(!DBusMatchRule.signal(sender: "org.bluez").matches(signal))
        #expect(DBusMatchRule.signal(sender: "org.bluez").matches(signal, senderOwner: ":1.5"))
        #expect(!DBusMatchRule.signal(member: "InterfacesAdded").matches(signal))
        #expect(!DBusMatchRule(type: .methodCall).matches(signal))
    }
}
