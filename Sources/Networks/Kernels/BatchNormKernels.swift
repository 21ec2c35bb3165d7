import LinearAlgebra

/// Batch normalisation's per-channel kernels on channel-major tensors (Ioffe & Szegedy, ICML
/// 2015): statistics over (N, H, W), y = σ(γ·x̂ + β) with x̂ = (x − μ)/√(σ² + ε), and the
/// backward pass. Shared by the head's `BatchNorm` and the blocks' `BatchNormLayer`; in place,
/// allocation-free, split across `Workers` by channel.
enum BatchNormKernels {
    /// mean[c] and the biased variance[c] of channel c over (N, H, W), by two passes (the
    /// second over x − μ, so no cancellation of large means).
    static func statistics<T: BLASScalar>(_ x: Tensor<T>, mean: inout [T], variance: inout [T]) {
        precondition(mean.count == x.channels && variance.count == x.channels, "BatchNormKernels: statistics for \(x.channels) channels")
        let size = x.channelSize, count = T(size)
        x.data.withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { m in
                variance.withUnsafeMutableBufferPointer { v in
                    let (x, m, v) = (Shared(UnsafeMutableBufferPointer(mutating: x)), Shared(m), Shared(v))
                    Workers.forEach(m.buffer.count, grain: Workers.grain(itemSize: size)) { channels in
                        for c in channels {
                            let row = x.buffer.baseAddress! + c * size
                            let mu = Elementwise.sum(row, count: size) / count
                            var acc = SIMD8<T>(), i = 0
                            let mu8 = SIMD8<T>(repeating: mu)
                            while i + 8 <= size {
                                let d = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<T>.self) - mu8
                                acc += d * d
                                i += 8
                            }
                            var s = acc.sum()
                            while i < size { s += (row[i] - mu) * (row[i] - mu); i += 1 }
                            m.buffer[c] = mu
                            v.buffer[c] = s / count
                        }
                    }
                }
            }
        }
    }

    /// x̂ ← (x − μ)·inverseStd and y ← σ(γ·x̂ + β) (no σ when nil), per channel.
    static func normalize<T: BLASScalar>(_ x: Tensor<T>, mean: [T], inverseStd: [T], gamma: [T], beta: [T],
                                         normalized xhat: inout Tensor<T>, into y: inout Tensor<T>, activating sigma: Activation?) {
        precondition(x.hasSameShape(as: xhat) && x.hasSameShape(as: y) && gamma.count == x.channels, "BatchNormKernels: shapes differ")
        let size = x.channelSize
        x.data.withUnsafeBufferPointer { xb in
            xhat.data.withUnsafeMutableBufferPointer { hb in
                y.data.withUnsafeMutableBufferPointer { yb in
                    let (x, h, y) = (Shared(UnsafeMutableBufferPointer(mutating: xb)), Shared(hb), Shared(yb))
                    Workers.forEach(gamma.count, grain: Workers.grain(itemSize: size)) { channels in
                        for c in channels {
                            let mu = mean[c], inv = inverseStd[c], g = gamma[c], b = beta[c], base = c * size
                            switch sigma {
                            case nil:
                                for i in base..<(base + size) {
                                    let n = (x.buffer[i] - mu) * inv
                                    h.buffer[i] = n
                                    y.buffer[i] = g * n + b
                                }
                            case .relu?:
                                for i in base..<(base + size) {
                                    let n = (x.buffer[i] - mu) * inv
                                    h.buffer[i] = n
                                    y.buffer[i] = max(g * n + b, 0)
                                }
                            case .tanh?:
                                for i in base..<(base + size) {
                                    let n = (x.buffer[i] - mu) * inv
                                    h.buffer[i] = n
                                    y.buffer[i] = T.tanh(g * n + b)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The backward pass of y = γ·x̂ + β, in place: on entry `w` holds dL/dy, on exit dL/dx;
    /// dγ += scale·Σ w·x̂, dβ += scale·Σ w. With batch statistics (which depend on x),
    /// dL/dx = γ·inverseStd·(w − mean(w) − x̂·mean(w·x̂)); with fixed (running) ones,
    /// γ·inverseStd·w. dL/dx is left unscaled.
    static func backward<T: BLASScalar>(_ w: inout Tensor<T>, normalized xhat: Tensor<T>, inverseStd: [T], gamma: [T],
                                        batchStatistics: Bool, scale: T, gammaGradient: inout [T], betaGradient: inout [T]) {
        precondition(w.hasSameShape(as: xhat), "BatchNormKernels: shapes differ")
        let size = w.channelSize, count = T(size)
        xhat.data.withUnsafeBufferPointer { hb in
            w.data.withUnsafeMutableBufferPointer { wb in
                gammaGradient.withUnsafeMutableBufferPointer { dg in
                    betaGradient.withUnsafeMutableBufferPointer { db in
                        let (h, w, dg, db) = (Shared(UnsafeMutableBufferPointer(mutating: hb)), Shared(wb), Shared(dg), Shared(db))
                        Workers.forEach(dg.buffer.count, grain: Workers.grain(itemSize: size)) { channels in
                            for c in channels {
                                let base = c * size
                                var sumW: T = 0, sumWH: T = 0
                                for i in base..<(base + size) {
                                    sumW += w.buffer[i]
                                    sumWH += w.buffer[i] * h.buffer[i]
                                }
                                dg.buffer[c] += scale * sumWH
                                db.buffer[c] += scale * sumW
                                let k = gamma[c] * inverseStd[c]
                                if batchStatistics {
                                    let mw = sumW / count, mwh = sumWH / count
                                    for i in base..<(base + size) { w.buffer[i] = k * (w.buffer[i] - mw - h.buffer[i] * mwh) }
                                } else {
                                    for i in base..<(base + size) { w.buffer[i] *= k }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
