import FoundationEssentials
import Glibc

/// One GLI equation (one equation set, sex and parameter): the coefficients and the age splines in quarter-year rows.
///   L = q0 + q1·ln(age) + Lspline
///   M = exp(a0 + a1·ln(height cm) + a2·ln(age) + ethnic term + Mspline)
///   S = exp(p0 + p1·ln(age) + ethnic term + Sspline)
/// GLI-2012 interpolates the splines linearly between the quarter-year rows around the age (Quanjer 2012's
/// lookup-table instructions); GLI Global is looked up at the row of floor(age·4)/4 without interpolation, as
/// rspiro's implementation of Bowerman 2023 does (see Tables/README.md).
struct GLIEquation: Sendable {
    /// a0…a6, p0…p5, q0, q1; an empty published cell is 0.
    let coefficients: [String: Double]
    let firstAge: Double
    let lSpline: [Double]
    let mSpline: [Double]
    let sSpline: [Double]
    let interpolates: Bool

    /// The ages the splines cover (rows with a value), e.g. GLI-2012 FEF25-75 stops at 90.
    var ageRange: ClosedRange<Double> { firstAge...(firstAge + Double(max(mSpline.count - 1, 0)) / 4) }

    init(coefficients: TextTable, splines: TextTable, column: String, interpolates: Bool) throws(ReferenceValueError) {
        let nameColumn = try coefficients.column("var")
        let valueColumn = try coefficients.column(column)
        var values: [String: Double] = [:]
        for row in coefficients.rows { values[row[nameColumn]] = Double(row[valueColumn]) ?? 0 }
        self.coefficients = values
        let ages = try splines.numbers("age")
        let m = try splines.numbers(column + "_Mspline")
        let s = try splines.numbers(column + "_Sspline")
        let l = try splines.numbers(column + "_Lspline")
        // The rows with a value for M: a contiguous run in quarter years from the first.
        guard let first = m.firstIndex(where: { $0 != nil }), let firstAge = ages[first] else {
            throw .tableDamaged("\(splines.name) has no \(column) spline")
        }
        var mValues: [Double] = [], sValues: [Double] = [], lValues: [Double] = []
        for index in first..<m.count {
            guard let mValue = m[index], let sValue = s[index] else { break }
            guard let age = ages[index], age == firstAge + Double(mValues.count) / 4 else {
                throw .tableDamaged("\(splines.name) row \(index + 2): ages are not in quarter-year steps")
            }
            mValues.append(mValue)
            sValues.append(sValue)
            lValues.append(l[index] ?? 0)
        }
        self.firstAge = firstAge
        mSpline = mValues
        sSpline = sValues
        lSpline = lValues
        self.interpolates = interpolates
    }

    func coefficient(_ name: String) -> Double { coefficients[name] ?? 0 }

    /// The LMS at this age and height; the caller has checked both are in range (finite, positive).
    func lms(ageYears age: Double, heightCm height: Double, ethnicity: GLIEthnicity?) -> LMS {
        let position = max(0, (age - firstAge) * 4)
        let lastRow = mSpline.count - 1
        let row = min(Int(position.rounded(.down)), lastRow)
        let next = min(row + 1, lastRow)
        let fraction = interpolates && next > row ? position - Double(row) : 0
        func spline(_ values: [Double]) -> Double { values[row] + (values[next] - values[row]) * fraction }

        let (mEthnic, sEthnic) = ethnicTerms(ethnicity)
        let lnAge = log(age)
        let l = coefficient("q0") + coefficient("q1") * lnAge + spline(lSpline)
        let m = exp(coefficient("a0") + coefficient("a1") * log(height) + coefficient("a2") * lnAge + mEthnic + spline(mSpline))
        let s = exp(coefficient("p0") + coefficient("p1") * lnAge + sEthnic + spline(sSpline))
        return LMS(l: l, m: m, s: s)
    }

    /// GLI-2012's ethnic coefficients (Caucasian is the reference group: 0).
    private func ethnicTerms(_ ethnicity: GLIEthnicity?) -> (m: Double, s: Double) {
        switch ethnicity {
        case nil, .caucasian: (0, 0)
        case .africanAmerican: (coefficient("a3"), coefficient("p2"))
        case .northEastAsian: (coefficient("a4"), coefficient("p3"))
        case .southEastAsian: (coefficient("a5"), coefficient("p4"))
        case .other: (coefficient("a6"), coefficient("p5"))
        }
    }
}
