/// A problem with a data file a user handed in: it names the file and says what to do.
public struct MatrixFileError: Error, Equatable, CustomStringConvertible {
    /// The file's path as the user gave it.
    public var path: String
    /// What is wrong, as a sentence fragment ("not a NumPy file: bad magic bytes").
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
