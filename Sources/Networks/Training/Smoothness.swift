import LinearAlgebra

extension Network {
    /// The weight-smoothness penalty α/2 Σ_j ‖θ_{j+1} − θ_j‖² over consecutive units of a stage
    /// that have the same shape (Chang et al. 2018, §4, after Haber & Ruthotto 2017: it makes
    /// the weights a smooth function of "time" j). θ_j are unit j's weights (its kernels, with
    /// `Regularization.weights`) or all its parameters (`.allParameters`).
    /// Adds α(θ_j − θ_{j−1}) − α(θ_{j+1} − θ_j) to the gradient of unit j and returns the penalty.
    @discardableResult
    public func addSmoothness(_ alpha: Scalar, to g: inout NetworkGradient<Family>, regularization: Regularization = .weights) -> Double {
        guard alpha > 0 else { return 0 }
        var penalty = 0.0
        let fieldPaths = Family.Field.parameterPaths, gradientPaths = Family.Method.Parameters.parameterPaths
        precondition(fieldPaths.count == gradientPaths.count, "addSmoothness: a field and its gradient differ in structure")
        let weights = Set(Family.Field.weightPaths)
        let pairs = zip(fieldPaths, gradientPaths).filter { regularization == .allParameters || weights.contains($0.0) }
        // Downsampling units (and the empty fields in their place) are not steps of the ODE.
        for j in 0..<(units.count - 1) where stages[j] == stages[j + 1] && widths[j] == widths[j + 1]
            && downsamplers[j] == nil && downsamplers[j + 1] == nil {
            var squares = 0.0  // ‖θ_{j+1} − θ_j‖², summed array by array
            for (p, q) in pairs {
                // d = θ_{j+1} − θ_j; g_j −= α d, g_{j+1} += α d.
                let left = units[j][keyPath: p], right = units[j + 1][keyPath: p]
                var sum = Scalar(0)
                left.withUnsafeBufferPointer { a in
                    right.withUnsafeBufferPointer { b in
                        g.units[j][keyPath: q].withUnsafeMutableBufferPointer { gj in
                            for i in a.indices {
                                let d = b[i] - a[i]
                                sum += d * d
                                gj[i] -= alpha * d
                            }
                        }
                        g.units[j + 1][keyPath: q].withUnsafeMutableBufferPointer { gk in
                            for i in a.indices { gk[i] += alpha * (b[i] - a[i]) }
                        }
                    }
                }
                squares += Double(sum)
            }
            penalty += Double(alpha) / 2 * squares
        }
        return penalty
    }
}
