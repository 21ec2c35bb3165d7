import LinearAlgebra
import RealModule

/// The nonlinearity σ of a layer.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu
    case tanh
}

/// Per-channel and elementwise kernels on channel-major tensors.
public enum Elementwise {
    /// a[c, …] += b[c].
    public static func addBias<T: BLASScalar>(_ b: [T], to a: inout Tensor<T>) {
        let size = a.channelSize
        precondition(b.count == a.channels, "addBias: \(b.count) biases for \(a.channels) channels")
        a.data.withUnsafeMutableBufferPointer { a in
            for c in b.indices {
                let base = a.baseAddress! + c * size, v = b[c]
                for i in 0..<size { base[i] += v }
            }
        }
    }

    /// s ← σ(a).
    public static func activate<T: BLASScalar>(_ a: Tensor<T>, _ sigma: Activation, into s: inout Tensor<T>) {
        precondition(a.hasSameShape(as: s), "activate: shapes differ")
        a.data.withUnsafeBufferPointer { a in
            s.data.withUnsafeMutableBufferPointer { s in
                switch sigma {
                case .relu: for i in a.indices { s[i] = a[i] > 0 ? a[i] : 0 }
                case .tanh: for i in a.indices { s[i] = T.tanh(a[i]) }
                }
            }
        }
    }

    /// v ← v ⊙ σ'(a).
    public static func multiplyByDerivative<T: BLASScalar>(_ v: inout Tensor<T>, _ sigma: Activation, at a: Tensor<T>) {
        precondition(a.hasSameShape(as: v), "multiplyByDerivative: shapes differ")
        a.data.withUnsafeBufferPointer { a in
            v.data.withUnsafeMutableBufferPointer { v in
                switch sigma {
                case .relu: for i in a.indices where a[i] <= 0 { v[i] = 0 }
                case .tanh:
                    for i in a.indices {
                        let t = T.tanh(a[i])
                        v[i] *= 1 - t * t
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
            for c in g.indices {
                var s: T = 0
                let base = d.baseAddress! + c * size
                for i in 0..<size { s += base[i] }
                g[c] += scale * s
            }
        }
    }
}
