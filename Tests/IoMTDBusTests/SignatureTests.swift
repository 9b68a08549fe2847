import IoMTDBus
import Testing

@Suite struct SignatureTests {
    @Test func parsesContainersIntoTypes() throws {
        let text = "a{oa{sa{sv}}}(yv)as"
        let signature = try DBusSignature(text)
        #expect(signature.types == [
            .array(.dictEntry(key: .objectPath, value: .array(.dictEntry(key: .string, value: .array(.dictEntry(key: .string, value: .variant)))))),
            .structure([.byte, .variant]),
            .array(.string),
        ])
        #expect(signature.types.map(\.signature).joined() == signature.text)
    }

    @Test(arguments: [
        ("a", "ends inside a container"),
        ("()", "empty struct"),
        ("(i", "struct is not closed"),
        ("{sv}", "dict entry outside an array"),
        ("a{vs}", "not a basic type"),
        ("a{sss}", "exactly a key and a value"),
        ("a{s}", "exactly a key and a value"),
        ("r", "unexpected type code 'r'"),
        ("e", "unexpected type code 'e'"),
        ("i)", "unexpected type code ')'"),
    ])
    func refusesInvalidSignatures(text: String, reason: String) {
        #expect {
            try DBusSignature(text)
        } throws: { error in
            guard case .invalidSignature(_, let found) = error as? DBusWireError else { return false }
            return found.contains(reason)
        }
    }

    @Test func enforcesNestingAndLengthLimits() throws {
        _ = try DBusSignature(String(repeating: "a", count: 32) + "i")
        #expect(throws: DBusWireError.self) { try DBusSignature(String(repeating: "a", count: 33) + "i") }
        _ = try DBusSignature(String(repeating: "(", count: 32) + "i" + String(repeating: ")", count: 32))
        #expect(throws: DBusWireError.self) { try DBusSignature(String(repeating: "(", count: 33) + "i" + String(repeating: ")", count: 33)) }
        // 32 arrays and 32 structs together are allowed (total depth 64).
        _ = try DBusSignature(String(repeating: "a", count: 32) + String(repeating: "(", count: 32) + "i" + String(repeating: ")", count: 32))
        _ = try DBusSignature(String(repeating: "i", count: 255))
        #expect(throws: DBusWireError.self) { try DBusSignature(String(repeating: "i", count: 256)) }
    }

    @Test func variantSignatureHoldsOneCompleteType() throws {
        #expect(try DBusSignature.parseSingle("a{sv}") == .array(.dictEntry(key: .string, value: .variant)))
        #expect(throws: DBusWireError.self) { try DBusSignature.parseSingle("ii") }
        #expect(throws: DBusWireError.self) { try DBusSignature.parseSingle("") }
    }
}

@Suite struct NameTests {
    @Test func objectPaths() {
        for valid in ["/", "/org/bluez/hci0", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", "/a_1"] {
            #expect(DBusNames.isValidObjectPath(valid), "\(valid)")
        }
        for invalid in ["", "org", "/org/", "//", "/org//bluez", "/org/blue-z", "/org/bluez.hci0", "/é"] {
            #expect(!DBusNames.isValidObjectPath(invalid), "\(invalid)")
        }
    }

    @Test func interfaceMemberAndBusNames() {
        #expect(DBusNames.isValidInterfaceName("org.bluez.Device1"))
        #expect(!DBusNames.isValidInterfaceName("org"))
        #expect(!DBusNames.isValidInterfaceName(".org.bluez"))
        #expect(!DBusNames.isValidInterfaceName("org.1bluez"))
        #expect(!DBusNames.isValidInterfaceName("org.blue-z"))
        #expect(!DBusNames.isValidInterfaceName("org." + String(repeating: "a", count: 252)))
        #expect(DBusNames.isValidMemberName("GetManagedObjects"))
        #expect(!DBusNames.isValidMemberName("Get.All"))
        #expect(!DBusNames.isValidMemberName("1Get"))
        #expect(!DBusNames.isValidMemberName(""))
        #expect(DBusNames.isValidBusName(":1.42"))
        #expect(DBusNames.isValidBusName("org.blue-z"))
        #expect(!DBusNames.isValidBusName("org.1bluez"))
        #expect(!DBusNames.isValidBusName("bluez"))
        #expect(!DBusNames.isValidBusName(":1..2"))
    }

    @Test func pathRelations() {
        let device: DBusObjectPath = "/org/bluez/hci0/dev_AA"
        #expect(device.isDescendant(of: "/org/bluez"))
        #expect(device.isDescendant(of: .root))
        #expect(!DBusObjectPath("/org/bluezz").isDescendant(of: "/org/bluez"))
        #expect(DBusObjectPath("/org/bluez").isInNamespace("/org/bluez"))
        #expect(DBusObjectPath.root.appending("org") == "/org")
        #expect(DBusObjectPath("/org").appending("a-b") == nil)
    }
}
