import IoMTCore
import Testing
@testable import IoMTFHIR

@Suite struct PHDBundleBuilderTests {
    let builder = PHDBundleBuilder(gateway: Fixtures.gateway)

    @Test func identifierHasThePHDLayoutAndIsDeterministic() {
        let bp = Fixtures.bloodPressure()
        #expect(PHDObservationIdentifier.value(for: bp)
                == "74E8FFFEFF051C00-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-150020-120-80-93-mm[Hg]-20261123070005.00")
        let temperature = Fixtures.temperature()
        #expect(PHDObservationIdentifier.value(for: temperature)
                == "A4C1380D5EE0-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-150364-36.50-Cel-20261123081530.86")
        // Re-sending the same stored row (a copy) yields the same identifier.
        #expect(PHDObservationIdentifier.value(for: temperature) == PHDObservationIdentifier.value(for: Fixtures.temperature()))
    }

    /// An unset Bluetooth clock (year/month/day 0) is no time stamp: two such readings must not share an
    /// identifier, so the receipt time stands in. A valid stamp from a reset clock (2000-01-01) is kept as reported.
    @Test func impossibleDeviceTimeUsesStoredReceiptTime() {
        var zero = Fixtures.temperature(status: [.deviceClockNotSet])
        zero.deviceTime = CivilTime(year: 0, month: 0, day: 0)
        #expect(PHDObservationIdentifier.value(for: zero).hasSuffix("-150364-36.50-Cel-20251123121320.25"))
        var reset = Fixtures.temperature(status: [.deviceClockNotSet])
        reset.deviceTime = CivilTime(year: 2000, month: 1, day: 1, second: 7)
        #expect(PHDObservationIdentifier.value(for: reset).hasSuffix("-150364-36.50-Cel-20000101000007.00"))
    }

    @Test func liveReadingWithoutDeviceTimeUsesStoredReceiptTime() {
        let reading = Fixtures.spo2(DecimalValue(97))
        #expect(PHDObservationIdentifier.value(for: reading)
                == "contec-cms50d-plus.SN123-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-150456-97-%-20251123121320.25")
        var later = reading
        later.correctedTime = later.correctedTime.adding(milliseconds: 5000) // corrected time is not part of the identity
        #expect(PHDObservationIdentifier.value(for: later) == PHDObservationIdentifier.value(for: reading))
        var otherValue = reading
        otherValue.value = DecimalValue(96)
        #expect(PHDObservationIdentifier.value(for: otherValue) != PHDObservationIdentifier.value(for: reading))
    }

    @Test func precisionIsKeptInTheJSONText() {
        let text = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.temperature("36.50"))]).serialized()
        #expect(text.contains("\"valueQuantity\":{\"value\":36.50,\"unit\":\"Cel\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"Cel\"}"))
        let again = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.temperature("36.50"))]).serialized()
        #expect(text == again)
    }

    @Test func bundleHasGatewayDevicesThenObservations() {
        let bundle = builder.transactionBundle(for: Fixtures.sampleInputs())
        #expect(bundle["resourceType"]?.stringValue == "Bundle")
        #expect(bundle["type"]?.stringValue == "transaction")
        let entries = bundle["entry"]?.arrayValue ?? []
        // PHG + 3 distinct PHDs + 6 observations.
        #expect(entries.count == 10)
        #expect(builder.entryStoreIds(for: Fixtures.sampleInputs()) == [nil, nil, nil, nil, 1, 2, 3, 4, 5, 6])
        let phg = entries[0]
        #expect(phg["resource"]?["type"]?["coding"]?[0]?["code"]?.stringValue == "531981")
        #expect(phg["resource"]?["identifier"]?[0]?["system"]?.stringValue == "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680")
        // PHD IG System Id: dash-separated hex bytes (was 16 bare digits before the PHD IG conformance check).
        #expect(phg["resource"]?["identifier"]?[0]?["value"]?.stringValue == "FE-ED-AB-EE-DE-AD-BE-EF")
        #expect(phg["request"]?["ifNoneExist"]?.stringValue == "identifier=urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|FE-ED-AB-EE-DE-AD-BE-EF")
        for entry in entries {
            #expect(entry["fullUrl"]?.stringValue?.hasPrefix("urn:uuid:") == true)
            #expect(entry["request"]?["method"]?.stringValue == "POST")
            #expect(entry["request"]?["ifNoneExist"]?.stringValue?.hasPrefix("identifier=") == true)
        }
        let observation = entries[4]["resource"]!
        #expect(observation["extension"]?[0]?["valueReference"]?["reference"]?.stringValue == phg["fullUrl"]?.stringValue)
        #expect(observation["device"]?["reference"]?.stringValue == entries[1]["fullUrl"]?.stringValue)
        #expect(observation["subject"]?["identifier"]?["value"]?.stringValue == "85010112345")
        #expect(observation["subject"]?["reference"]?.stringValue == "Patient?identifier=urn:oid:2.16.840.1.113883.3.4424.1.1.616|85010112345")
        #expect(observation["effectiveDateTime"]?.stringValue == "2025-11-23T12:13:19.250Z")
        #expect(observation["status"]?.stringValue == "final")
        #expect(observation["code"]?["coding"]?[0]?["system"]?.stringValue == "urn:iso:std:iso:11073:10101")
        #expect(observation["code"]?["coding"]?[0]?["code"]?.stringValue == "150364")
        #expect(observation["code"]?["coding"]?[0]?["display"]?.stringValue == "MDC_TEMP_BODY")
        #expect(observation["code"]?["coding"]?[1]?["code"]?.stringValue == "8310-5")
        let categories = observation["category"]?.arrayValue?.compactMap { $0["coding"]?[0]?["code"]?.stringValue }
        #expect(categories == ["vital-signs", "phd-observation"]) // the PhdObservationCategories code (was "phd")
        #expect(observation["meta"]?["profile"]?[0]?.stringValue == PHDProfile.numeric)
    }

    @Test func phdDeviceIdentifiersFollowTheTransport() {
        let entries = builder.transactionBundle(for: Fixtures.sampleInputs())["entry"]?.arrayValue ?? []
        // The System Id identifier comes first on every PhdDevice (all zeros without one), then the transport's.
        let ble = entries[1]["resource"]!
        #expect(ble["identifier"]?[1]?["system"]?.stringValue == "http://hl7.org/fhir/sid/eui-48/bluetooth")
        #expect(ble["identifier"]?[1]?["value"]?.stringValue == "A4-C1-38-0D-5E-E0")
        #expect(ble["manufacturer"]?.stringValue == "Acme")
        #expect(ble["version"]?[0]?["value"]?.stringValue == "1.2")
        let usb = entries[2]["resource"]!
        #expect(usb["serialNumber"]?.stringValue == "SN123")
        #expect(usb["identifier"]?[1]?["value"]?.stringValue == "SN123")
        #expect(entries[2]["request"]?["ifNoneExist"]?.stringValue == "identifier=urn:iomtd:device-serial:contec-cms50d-plus|SN123")
        let cuff = entries[3]["resource"]!
        #expect(cuff["identifier"]?[0]?["system"]?.stringValue == "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680")
        #expect(cuff["identifier"]?[0]?["value"]?.stringValue == "74-E8-FF-FE-FF-05-1C-00")
    }

    /// Issue 15: the two users of one cuff are parts of it (`bt:…/user1`, `bt:…/user2`), bound to different patients; DOM
    /// gets one PhdDevice for the cuff (one fullUrl, one conditional create), each Observation with its own patient.
    @Test func theUsersOfOneCuffAreOneDeviceWithTheirOwnPatients() throws {
        var userOne = Fixtures.bloodPressure(), userTwo = Fixtures.bloodPressure()
        userOne.device = userOne.device.part("user1")
        userTwo.device = userTwo.device.part("user2")
        userTwo.patientId = "02070803628"
        let bundle = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: userOne), BundleInput(storeId: 2, observation: userTwo)])
        let entries = bundle["entry"]?.arrayValue ?? []
        #expect(entries.count == 4, "PHG, one PhdDevice, two Observations")
        #expect(builder.entryStoreIds(for: [BundleInput(storeId: 1, observation: userOne), BundleInput(storeId: 2, observation: userTwo)]) == [nil, nil, 1, 2])
        let device = try #require(entries[1]["fullUrl"]?.stringValue)
        #expect(entries[2]["resource"]?["device"]?["reference"]?.stringValue == device)
        #expect(entries[3]["resource"]?["device"]?["reference"]?.stringValue == device)
        #expect(entries[2]["resource"]?["subject"]?["identifier"]?["value"]?.stringValue == "85010112345")
        #expect(entries[3]["resource"]?["subject"]?["identifier"]?["value"]?.stringValue == "02070803628")
    }

    @Test func bloodPressureIsCompoundWithComponents() {
        let observation = builder.transactionBundle(for: [BundleInput(storeId: 3, observation: Fixtures.bloodPressure(), interpretation: "H")])
            .entryResources.last!
        #expect(observation["meta"]?["profile"]?[0]?.stringValue == PHDProfile.compoundNumeric)
        #expect(observation["valueQuantity"] == nil)
        let components = observation["component"]?.arrayValue ?? []
        #expect(components.map { $0["code"]?["coding"]?[0]?["code"]?.stringValue } == ["150021", "150022", "150023"])
        #expect(components.map { $0["code"]?["coding"]?[1]?["code"]?.stringValue } == ["8480-6", "8462-4", "8478-0"])
        #expect(components.map { $0["valueQuantity"]?["value"]?.numberText } == ["120", "80", "93"])
        #expect(components[0]["valueQuantity"]?["code"]?.stringValue == "mm[Hg]")
        // PhdBaseObservation: each interpretation has one measurement-status coding ("in-alarm"), the alert's code beside it.
        #expect(observation["interpretation"]?[0]?["coding"]?[0]?["code"]?.stringValue == "in-alarm")
        #expect(observation["interpretation"]?[0]?["coding"]?[1]?["code"]?.stringValue == "H")
    }

    @Test func measurementStatusMapping() {
        let resources = builder.transactionBundle(for: Fixtures.sampleInputs()).entryResources
        let sensorOff = resources[7], invalid = resources[8], questionable = resources[9]
        #expect(sensorOff["valueQuantity"] == nil)
        #expect(sensorOff["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == "not-performed")
        #expect(invalid["valueQuantity"] == nil)
        #expect(invalid["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == "error")
        #expect(PHDObservationIdentifier.value(for: Fixtures.temperature("37.0", status: [.invalid])).contains("-150364-error-Cel-"))
        #expect(questionable["valueQuantity"]?["value"]?.numberText == "95")
        #expect(questionable["interpretation"]?[0]?["coding"]?[0]?["system"]?.stringValue == "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status")
        #expect(questionable["interpretation"]?[0]?["coding"]?[0]?["code"]?.stringValue == "questionable")
        #expect(questionable["status"]?.stringValue == "final")
        #expect(questionable["meta"]?["security"]?[0]?["code"]?.stringValue == "HTEST")
        #expect(resources[4]["meta"]?["security"] == nil)
    }

    /// IEEE 11073 FLOAT/SFLOAT special values (Bluetooth decoders) never become numbers: each has its
    /// data-absent reason (PHD IG), NRes and reserved values are errors.
    @Test func specialFloatValuesBecomeDataAbsentReasons() {
        for (flag, reason) in [(StatusFlag.notANumber, "not-a-number"), (.positiveInfinity, "positive-infinity"), (.negativeInfinity, "negative-infinity"),
                               (.notAtThisResolution, "error"), (.reservedValue, "error")] {
            let resource = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.spo2(nil, status: [flag]))]).entryResources.last!
            #expect(resource["valueQuantity"] == nil, "\(flag)")
            #expect(resource["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == reason, "\(flag)")
        }
    }

    /// A physiologically impossible value (a BLE oximeter's negative SpO2), flagged by the normaliser, is not sent as
    /// a value: DOM gets dataAbsentReason `error`, as for a value the device itself marked invalid.
    @Test func anImplausibleValueIsSentAsAnErrorNotAsAValue() {
        let decoded = DecodedMeasurement(type: .spo2, value: DecimalValue(-3), unit: "%", rawFrame: [1])
        let observation = Normaliser().normalise(decoded, device: Fixtures.oximeter, patientId: Fixtures.spo2(nil).patientId,
                                                 receivedAt: Fixtures.received)
        let resource = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: observation)]).entryResources.last!
        #expect(resource["valueQuantity"] == nil)
        #expect(resource["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == "error")
    }

    @Test func ongoingAndEarlyMeasurements() {
        let ongoing = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.spo2(DecimalValue(90), status: [.measurementOngoing]))])
            .entryResources.last!
        #expect(ongoing["valueQuantity"] == nil)
        #expect(ongoing["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == "temp-unknown")
        let early = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.spo2(DecimalValue(90), status: [.earlyIndication]))])
            .entryResources.last!
        #expect(early["status"]?.stringValue == "preliminary")
        #expect(early["valueQuantity"]?["value"]?.numberText == "90")
        #expect(early["interpretation"]?[0]?["coding"]?[0]?["code"]?.stringValue == "early-indication")
    }

    @Test func compoundWithMixedUnitsPairsEachValueWithItsUnit() {
        var bp = Fixtures.bloodPressure()
        bp.components[2].unit = "kPa"
        bp.components[2].value = DecimalValue("12.4")
        #expect(PHDObservationIdentifier.value(for: bp).hasSuffix("-150020-120-mm[Hg]-80-mm[Hg]-12.4-kPa-20261123070005.00"))
        var missing = Fixtures.bloodPressure()
        missing.components[2].value = nil
        #expect(PHDObservationIdentifier.value(for: missing).hasSuffix("-150020-120-80-not-performed-mm[Hg]-20261123070005.00"))
    }

    @Test func ifNoneExistIsPercentEncoded() {
        #expect(ConditionalQuery.identifier(system: "urn:x", value: "a b&c") == "identifier=urn:x|a%20b%26c")
        #expect(ConditionalQuery.decode("a%20b%26c") == "a b&c")
    }
}

/// A compacted stream's per-minute summary on the wire (docs/fhir-mapping.md, "Summaries under storage pressure").
@Suite struct SummaryObservationTests {
    @Test func summaryCarriesPeriodMeanMinimumMaximumAndCountAndAnIdentifierNoRawReadingHas() throws {
        let start = Fixtures.received
        let summary = ReadingSummary(count: 60, minimum: DecimalValue(88), maximum: DecimalValue(97), periodEnd: start.adding(milliseconds: 60_000))
        var observation = Fixtures.spo2(DecimalValue(significand: 935, exponent: -1), status: [.compactedSummary])
        observation.correctedTime = start
        let bundle = PHDBundleBuilder(gateway: Fixtures.gateway).transactionBundle(for: [BundleInput(storeId: 1, observation: observation, summary: summary)])
        let resource = try #require(bundle["entry"]?.arrayValue?.compactMap { $0["resource"] }.first { $0["resourceType"]?.stringValue == "Observation" })
        #expect(resource["effectiveDateTime"] == nil)
        #expect(resource["effectivePeriod"]?["start"]?.stringValue == start.iso8601)
        #expect(resource["effectivePeriod"]?["end"]?.stringValue == start.adding(milliseconds: 60_000).iso8601)
        #expect(resource["valueQuantity"]?["value"]?.numberText == "93.5")
        let components = resource["component"]?.arrayValue ?? []
        #expect(components.compactMap { $0["valueQuantity"]?["value"]?.numberText } == ["88", "97"])
        #expect(components.compactMap { $0["code"]?["text"]?.stringValue }.allSatisfy { $0.hasPrefix("minimum") || $0.hasPrefix("maximum") })
        #expect(resource["note"]?.arrayValue?.first?["text"]?.stringValue?.contains("60 readings") == true)
        var raw = observation
        raw.status = []
        #expect(PHDObservationIdentifier.value(for: observation) == PHDObservationIdentifier.value(for: raw) + "-summary")
    }
}
