/// The release of iomtd, iomtctl and their tools: written once here (scripts/build-deb.sh reads it from this file).
public enum ProductVersion {
    public static let current = "0.1.0"
}
