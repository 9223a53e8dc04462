/// The property checks of the fuzz targets.
///
/// Contract: ``require(_:_:)`` returns when `condition` holds and otherwise stops the process
/// with `message` on standard error, which libFuzzer reports as a crash and saves the input.
public enum FuzzCheck {
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String,
                               file: StaticString = #fileID, line: UInt = #line) {
        if !condition { fatalError("fuzz property violated: \(message())", file: file, line: line) }
    }
}
