/// The version of this Gyre build, as `gyre-node --version`, `gyre --version` and
/// `gyre-bench --version` print it. Raised by hand when a release is cut.
public enum GyreVersion {
    public static let current = "0.11.0"
}
