import IoMTConfiguration
import IoMTSpirometry
import Testing

/// Patients' demographics for spirometry reference values in iomtd.json: on the home hub's `patient` and per patient in
/// `patients[]`; mistakes name the field and never echo the PESEL.
@Suite struct PatientDemographicsConfigurationTests {
    func configuration(_ extra: String) -> String {
        """
        {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles",
         "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "https://dom.example/fhir"}\(extra)}
        """
    }

    func problems(_ extra: String) -> String {
        do { _ = try DaemonConfiguration.parse(configuration(extra), file: "iomtd.json"); return "" } catch { return error.description }
    }

    @Test func homePatientAndClinicPatientsCarryDemographics() throws {
        let parsed = try DaemonConfiguration.parse(configuration(#"""
            , "patient": {"pesel": "44051401359", "heightCm": 172, "sexAtBirth": "male", "dateOfBirth": "1944-05-14"},
            "patients": [{"pesel": "05230712343", "heightCm": 158.5, "referenceEquations": "gli-2012", "ethnicity": "caucasian"}]
            """#), file: "iomtd.json")
        let home = try #require(parsed.patientDemographics["44051401359"])
        #expect(home.sex == .male && home.heightCm == 172 && home.equations == .gliGlobal)
        let clinic = try #require(parsed.patientDemographics["05230712343"])
        #expect(clinic.sex == .female && clinic.heightCm == 158.5 && clinic.equations == .gli2012 && clinic.ethnicity == .caucasian)
        // No demographics: no reference values, and no error.
        #expect(try DaemonConfiguration.parse(configuration(#", "patient": {"pesel": "44051401359"}"#), file: "iomtd.json").patientDemographics.isEmpty)
    }

    @Test func mistakesNameTheFieldWithoutThePESEL() {
        let sex = problems(#", "patient": {"pesel": "44051401359", "heightCm": 172, "sexAtBirth": "female"}"#)
        #expect(sex.contains("patient.sexAtBirth: expected a sex at birth that matches the PESEL's tenth digit"))
        let checksum = problems(#", "patients": [{"pesel": "05230712342", "heightCm": 160}]"#)
        #expect(checksum.contains("patients[0].pesel: expected a valid PESEL, found PESEL check digit is 2, expected 3"))
        let date = problems(#", "patients": [{"pesel": "05230712343", "heightCm": 160, "dateOfBirth": "2005-07-03"}]"#)
        #expect(date.contains("patients[0].dateOfBirth: expected the date of birth the PESEL encodes"))
        #expect(problems(#", "patients": [{"pesel": "05230712343", "heightCm": 16}]"#).contains("patients[0].heightCm: expected a height in cm within 50–250, found 16"))
        #expect(problems(#", "patients": [{"pesel": "05230712343"}]"#).contains("patients[0].heightCm: expected the patient's height in cm"))
        #expect(problems(#", "patient": {"pesel": "44051401359", "sexAtBirth": "male"}"#).contains("patient.heightCm: expected the patient's height in cm"))
        #expect(problems(#", "patients": [{"pesel": "05230712343", "heightCm": 160, "ethnicity": "caucasian"}]"#)
            .contains("patients[0].ethnicity: expected GLI Global 2022 (Bowerman 2023, race-neutral) takes no ethnicity"))
        #expect(problems(#", "patients": [{"pesel": "05230712343", "heightCm": 160, "referenceEquations": "gli-2099"}]"#)
            .contains("patients[0].referenceEquations: expected one of gli-global, gli-2012"))
        let repeated = problems(#", "patient": {"pesel": "44051401359", "heightCm": 172}, "patients": [{"pesel": "44051401359", "heightCm": 172}]"#)
        #expect(repeated.contains("patients[0].pesel: expected a patient not listed before"))
        for text in [sex, checksum, date, repeated] {
            #expect(!text.contains("4405140135") && !text.contains("0523071234"), "a configuration error must not echo the PESEL: \(text)")
        }
    }
}
