import FoundationEssentials
import Glibc

/// The LMS triple of one reference distribution (Cole's Box-Cox method, used by GLI): L skewness, M median
/// (the predicted value), S coefficient of variation.
public struct LMS: Sendable, Equatable {
    public let l: Double
    public let m: Double
    public let s: Double

    /// The 5th/95th centile z (ATS/ERS: LLN is the 5th centile).
    public static let limitZ = 1.645

    public init(l: Double, m: Double, s: Double) {
        self.l = l
        self.m = m
        self.s = s
    }

    /// z = ((obs/M)^L − 1)/(L·S); for L → 0 the limit ln(obs/M)/S. Nil for a non-positive or non-finite observation.
    public func zScore(observed: Double) -> Double? {
        guard observed.isFinite, observed > 0, m > 0, s > 0 else { return nil }
        let ratio = observed / m
        let z = abs(l) < 1e-12 ? log(ratio) / s : (pow(ratio, l) - 1) / (l * s)
        return z.isFinite ? z : nil
    }

    /// The value at centile z: M·(1 + L·S·z)^(1/L). Nil where the Box-Cox curve has no value (base ≤ 0).
    public func value(atZ z: Double) -> Double? {
        if abs(l) < 1e-12 { return m * exp(s * z) }
        let base = 1 + l * s * z
        guard base > 0 else { return nil }
        let value = m * pow(base, 1 / l)
        return value.isFinite ? value : nil
    }

    /// LLN = M·(1 − 1.645·L·S)^(1/L).
    public var lowerLimitOfNormal: Double? { value(atZ: -Self.limitZ) }
    /// ULN = M·(1 + 1.645·L·S)^(1/L).
    public var upperLimitOfNormal: Double? { value(atZ: Self.limitZ) }

    /// 100·obs/M.
    public func percentPredicted(observed: Double) -> Double? {
        guard observed.isFinite, m > 0 else { return nil }
        return 100 * observed / m
    }
}
