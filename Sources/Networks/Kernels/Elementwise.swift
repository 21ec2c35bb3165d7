import LinearAlgebra
import RealModule

/// The nonlinearity σ of a layer.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu
    case tanh
}

/// Per-channel and elementwise kernels on channel-major tensors. Memory-bound, so the loops are
/// branch-free (they vectorise) and split across `Workers` when the tensor is large.
public enum Elementwise {
    /// a[c, …] ← σ(a[c, …] + b[c]), or just the bias when σ is nil: a layer's bias and
    /// activation in one pass over the convolution's output.
    public static func addBias<T: BLASScalar>(_ b: [T], to a: inout Tensor<T>, activating sigma: Activation? = nil) {
        let size = a.channelSize
        precondition(b.count == a.channels, "addBias: \(b.count) biases for \(a.channels) channels")
        b.withUnsafeBufferPointer { b in
            a.data.withUnsafeMutableBufferPointer { a in
                let (a, b) = (Shared(a), Shared(UnsafeMutableBufferPointer(mutating: b)))
                Workers.forEach(b.buffer.count, grain: Workers.grain(itemSize: size)) { channels in
                    for c in channels {
                        let v = b.buffer[c]
                        let row = UnsafeMutableBufferPointer(rebasing: a.buffer[(c * size)..<((c + 1) * size)])
                        switch sigma {
                        case nil: for i in row.indices { row[i] += v }
                        case .relu?: for i in row.indices { row[i] = max(row[i] + v, 0) }
                        case .tanh?: for i in row.indices { row[i] = T.tanh(row[i] + v) }
                        }
                    }
                }
            }
        }
    }

    /// v ← v ⊙ σ'(a), read off the activated values s = σ(a): relu' = [s > 0], tanh' = 1 − s².
    /// So a layer keeps σ(a) only, for its value and its pullback alike.
    public static func multiplyByDerivative<T: BLASScalar>(_ v: inout Tensor<T>, _ sigma: Activation, activated s: Tensor<T>) {
        precondition(s.hasSameShape(as: v), "multiplyByDerivative: shapes differ")
        s.data.withUnsafeBufferPointer { s in
            v.data.withUnsafeMutableBufferPointer { v in
                let (s, v) = (Shared(UnsafeMutableBufferPointer(mutating: s)), Shared(v))
                Workers.forEach(v.buffer.count) { r in
                    switch sigma {
                    // A product with the 0/1 mask rather than a select, which the optimiser turns
                    // into a conditional store that mispredicts on half the lanes (measured: 5%
                    // of a training step); the product vectorises.
                    case .relu: for i in r { v.buffer[i] *= s.buffer[i] > 0 ? 1 : 0 }
                    case .tanh: for i in r { v.buffer[i] *= 1 - s.buffer[i] * s.buffer[i] }
                    }
                }
            }
        }
    }

    /// g[c] += scale·Σ_{n,y,x} d[c, n, y, x].
    public static func accumulateChannelSums<T: BLASScalar>(_ d: Tensor<T>, scale: T, into g: inout [T]) {
        precondition(g.count == d.channels, "accumulateChannelSums: \(g.count) entries for \(d.channels) channels")
        let size = d.channelSize
        d.data.withUnsafeBufferPointer { d in
            g.withUnsafeMutableBufferPointer { g in
                let (d, g) = (Shared(UnsafeMutableBufferPointer(mutating: d)), Shared(g))
                Workers.forEach(g.buffer.count, grain: Workers.grain(itemSize: size)) { channels in
                    for c in channels { g.buffer[c] += scale * sum(d.buffer.baseAddress! + c * size, count: size) }
                }
            }
        }
    }

    /// Σ p[0..<count] in eight interleaved partial sums (so the loop vectorises).
    static func sum<T: BLASScalar>(_ p: UnsafePointer<T>, count: Int) -> T {
        var acc = SIMD8<T>()
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self)
            i += 8
        }
        var s = acc.sum()
        while i < count { s += p[i]; i += 1 }
        return s
    }
}
