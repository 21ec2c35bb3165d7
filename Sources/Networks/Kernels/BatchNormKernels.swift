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
                            m.buffer[c] = mu
                            v.buffer[c] = squaredDeviation(row, count: size, from: mu) / count
                        }
                    }
                }
            }
        }
    }

    /// Σ (row[i] − μ)².
    @inline(__always)
    static func squaredDeviation<T: BLASScalar>(_ row: UnsafeMutablePointer<T>, count size: Int, from mu: T) -> T {
        var acc = SIMD8<T>(), i = 0
        let mu8 = SIMD8<T>(repeating: mu)
        while i + 8 <= size {
            let d = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<T>.self) - mu8
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < size { s += (row[i] - mu) * (row[i] - mu); i += 1 }
        return s
    }

    /// `statistics` over the images of every rank (synchronised batch norm): the counts and
    /// the sums Σx are summed across the ranks, then Σ(x − μ)² about the common mean, so the
    /// result is one process's on the ranks' images together, up to the order of the sums.
    static func statistics<T: BLASScalar>(_ x: Tensor<T>, mean: inout [T], variance: inout [T], across replicas: any Communicator) {
        precondition(mean.count == x.channels && variance.count == x.channels, "BatchNormKernels: statistics for \(x.channels) channels")
        let size = x.channelSize, channels = x.channels
        var sums = [T](repeating: 0, count: channels + 1)
        x.data.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                let (x, s) = (Shared(UnsafeMutableBufferPointer(mutating: x)), Shared(s))
                Workers.forEach(channels, grain: Workers.grain(itemSize: size)) { range in
                    for c in range { s.buffer[c] = Elementwise.sum(x.buffer.baseAddress! + c * size, count: size) }
                }
            }
        }
        sums[channels] = T(size)
        sums.withUnsafeMutableBufferPointer { replicas.allReduceSum($0) }
        let count = sums[channels]
        for c in 0..<channels { mean[c] = sums[c] / count }
        let mu = mean
        x.data.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                let (x, s) = (Shared(UnsafeMutableBufferPointer(mutating: x)), Shared(s))
                Workers.forEach(channels, grain: Workers.grain(itemSize: size)) { range in
                    for c in range { s.buffer[c] = squaredDeviation(x.buffer.baseAddress! + c * size, count: size, from: mu[c]) }
                }
            }
        }
        sums[channels] = 0
        sums.withUnsafeMutableBufferPointer { replicas.allReduceSum($0) }
        for c in 0..<channels { variance[c] = sums[c] / count }
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
                                let (sumW, sumWH) = sums(w.buffer, h.buffer, base..<(base + size))
                                dg.buffer[c] += scale * sumWH
                                db.buffer[c] += scale * sumW
                                apply(w.buffer, h.buffer, base..<(base + size), k: gamma[c] * inverseStd[c],
                                      means: batchStatistics ? (sumW / count, sumWH / count) : nil)
                            }
                        }
                    }
                }
            }
        }
    }

    /// (Σ w, Σ w·x̂) over one channel's elements.
    @inline(__always)
    static func sums<T: BLASScalar>(_ w: UnsafeMutableBufferPointer<T>, _ h: UnsafeMutableBufferPointer<T>, _ range: Range<Int>) -> (T, T) {
        var sumW: T = 0, sumWH: T = 0
        for i in range {
            sumW += w[i]
            sumWH += w[i] * h[i]
        }
        return (sumW, sumWH)
    }

    /// w ← k·(w − mean(w) − x̂·mean(w·x̂)) with batch statistics (`means`), k·w with fixed ones.
    @inline(__always)
    static func apply<T: BLASScalar>(_ w: UnsafeMutableBufferPointer<T>, _ h: UnsafeMutableBufferPointer<T>, _ range: Range<Int>,
                                     k: T, means: (w: T, wh: T)?) {
        if let (mw, mwh) = means {
            for i in range { w[i] = k * (w[i] - mw - h[i] * mwh) }
        } else {
            for i in range { w[i] *= k }
        }
    }

    /// `backward` with batch statistics taken over every rank's images (synchronised batch
    /// norm): Σw and Σw·x̂ are summed across the ranks for dL/dx; dγ and dβ get this rank's
    /// share (the gradient's own all-reduce sums them).
    static func backward<T: BLASScalar>(_ w: inout Tensor<T>, normalized xhat: Tensor<T>, inverseStd: [T], gamma: [T], scale: T,
                                        gammaGradient: inout [T], betaGradient: inout [T], across replicas: any Communicator) {
        precondition(w.hasSameShape(as: xhat), "BatchNormKernels: shapes differ")
        let size = w.channelSize, channels = w.channels
        var local = [T](repeating: 0, count: 2 * channels + 1)
        xhat.data.withUnsafeBufferPointer { hb in
            w.data.withUnsafeMutableBufferPointer { wb in
                local.withUnsafeMutableBufferPointer { s in
                    let (h, w, s) = (Shared(UnsafeMutableBufferPointer(mutating: hb)), Shared(wb), Shared(s))
                    Workers.forEach(channels, grain: Workers.grain(itemSize: size)) { range in
                        for c in range { (s.buffer[c], s.buffer[channels + c]) = sums(w.buffer, h.buffer, (c * size)..<((c + 1) * size)) }
                    }
                }
            }
        }
        local[2 * channels] = T(size)
        let total = replicas.sum(local), count = total[2 * channels]
        for c in 0..<channels {
            gammaGradient[c] += scale * local[channels + c]
            betaGradient[c] += scale * local[c]
        }
        xhat.data.withUnsafeBufferPointer { hb in
            w.data.withUnsafeMutableBufferPointer { wb in
                let (h, w) = (Shared(UnsafeMutableBufferPointer(mutating: hb)), Shared(wb))
                Workers.forEach(channels, grain: Workers.grain(itemSize: size)) { range in
                    for c in range {
                        apply(w.buffer, h.buffer, (c * size)..<((c + 1) * size), k: gamma[c] * inverseStd[c],
                              means: (total[c] / count, total[channels + c] / count))
                    }
                }
            }
        }
    }
}
