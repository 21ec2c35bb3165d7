import LinearAlgebra

extension Network {
    /// The weight-smoothness penalty α/2 Σ_j ‖θ_{j+1} − θ_j‖² over consecutive units of a stage
    /// that have the same shape (Chang et al. 2018, §4, after Haber & Ruthotto 2017: it makes
    /// the weights a smooth function of "time" j). θ_j are all parameters of unit j.
    /// Adds α(θ_j − θ_{j−1}) − α(θ_{j+1} − θ_j) to the gradient of unit j and returns the penalty.
    @discardableResult
    public func addSmoothness(_ alpha: Scalar, to g: inout NetworkGradient<Family>) -> Double {
        guard alpha > 0 else { return 0 }
        var penalty = 0.0
        for j in 0..<(units.count - 1) where stages[j] == stages[j + 1] && widths[j] == widths[j + 1] {
            var a: [[Scalar]] = [], b: [[Scalar]] = []
            var left = units[j], right = units[j + 1]
            left.visitParameters { a.append($0) }
            right.visitParameters { b.append($0) }
            var differences = zip(a, b).map { zip($1, $0).map { $0 - $1 } }  // θ_{j+1} − θ_j
            penalty += Double(alpha) / 2 * differences.reduce(0.0) { $0 + Double($1.squaredNorm) }
            var k = 0
            g.units[j].visitParameters { grad in
                grad.axpy(-alpha, differences[k])
                k += 1
            }
            k = 0
            g.units[j + 1].visitParameters { grad in
                grad.axpy(alpha, differences[k])
                k += 1
            }
            differences.removeAll()
        }
        return penalty
    }
}
