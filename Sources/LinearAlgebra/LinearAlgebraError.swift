/// A failure a user can cause through the data they hand to a linear-algebra routine.
///
/// Broken contracts from code (mismatched shapes in a product) are preconditions instead;
/// these are the cases that depend on values: a singular matrix, a non-finite entry, a
/// LAPACK routine that reports failure.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// A matrix passed to `routine` contains NaN or ±Inf at (`row`, `column`), zero-based.
    case nonFinite(routine: String, row: Int, column: Int)
    /// A routine needs a square matrix and got `rows`×`columns`.
    case notSquare(routine: String, rows: Int, columns: Int)
    /// A routine needs at least one row and one column.
    case empty(routine: String)
    /// LAPACK returned `info < 0`: argument number `-info` had an illegal value (a bug in the caller).
    case illegalArgument(routine: String, argument: Int)
    /// LAPACK returned `info > 0`: the routine failed for a numerical reason given in `reason`.
    case failed(routine: String, info: Int, reason: String)

    public var description: String {
        switch self {
        case let .nonFinite(routine, row, column):
            return "\(routine): the matrix has a non-finite entry (NaN or Inf) at row \(row + 1), column \(column + 1); remove or replace it"
        case let .notSquare(routine, rows, columns):
            return "\(routine): needs a square matrix, got \(rows)×\(columns)"
        case let .empty(routine):
            return "\(routine): the matrix is empty (it needs at least one row and one column)"
        case let .illegalArgument(routine, argument):
            return "\(routine): LAPACK rejected argument \(argument) (info = -\(argument)); this is a bug in Dynamics, please report it"
        case let .failed(routine, info, reason):
            return "\(routine): LAPACK failed with info = \(info): \(reason)"
        }
    }

    /// Maps a LAPACK `info` to `nil` (success) or the error it means.
    @usableFromInline
    static func check(_ info: Int32, routine: String, positive reason: (Int) -> String) throws {
        if info == 0 { return }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: routine, argument: Int(-info)) }
        throw LinearAlgebraError.failed(routine: routine, info: Int(info), reason: reason(Int(info)))
    }
}
