/// Vector–Jacobian products of fields and pullbacks of steps: what training a network whose
/// blocks are integrator steps needs (Chang et al. 2018, §3.3). Nothing here knows about
/// networks: any field with parameters can conform.
///
/// Convention: a pullback *accumulates*. For a field f with parameters θ, at x, with cotangent
/// u and scale s, it adds s·(∂f/∂x)ᵀu to `input` and s·(∂f/∂θ)ᵀu to `parameters`.

///
/// The `…WithPullback` variants evaluate the field at x *and* pull back at the same x, the pair
/// a reversible backward step needs (`ReversibleDifferentiableIntegrator`). Their defaults
/// simply do both; a field whose pullback must rebuild its linearisation (a network layer's
/// pre-activations, a convolution each) overrides them to build it once.

/// A first-order field with vector–Jacobian products.
public protocol DifferentiableVectorField: VectorField {
    associatedtype Parameters
    func pullback(at x: State, time: Scalar, cotangent u: State, scale s: Scalar,
                  input dx: inout State, parameters g: inout Parameters)
    /// value ← f(x), then `pullback(at: x, …)`.
    func evaluateWithPullback(at x: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                              input dx: inout State, parameters g: inout Parameters)
}

extension DifferentiableVectorField {
    @inlinable
    public func evaluateWithPullback(at x: State, time t: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                     input dx: inout State, parameters g: inout Parameters) {
        evaluate(x, time: t, into: &value)
        pullback(at: x, time: t, cotangent: u, scale: s, input: &dx, parameters: &g)
    }
}

/// A partitioned field q' = velocity(p), p' = force(q) with vector–Jacobian products.
public protocol DifferentiablePartitionedField: PartitionedVectorField {
    associatedtype Parameters
    func velocityPullback(at p: State, time: Scalar, cotangent u: State, scale s: Scalar,
                          input dp: inout State, parameters g: inout Parameters)
    func forcePullback(at q: State, time: Scalar, cotangent u: State, scale s: Scalar,
                       input dq: inout State, parameters g: inout Parameters)
    /// value ← velocity(p), then `velocityPullback(at: p, …)`.
    func velocityWithPullback(at p: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                              input dp: inout State, parameters g: inout Parameters)
    /// value ← force(q), then `forcePullback(at: q, …)`.
    func forceWithPullback(at q: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                           input dq: inout State, parameters g: inout Parameters)
}

extension DifferentiablePartitionedField {
    @inlinable
    public func velocityWithPullback(at p: State, time t: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                     input dp: inout State, parameters g: inout Parameters) {
        velocity(p, time: t, into: &value)
        velocityPullback(at: p, time: t, cotangent: u, scale: s, input: &dp, parameters: &g)
    }

    @inlinable
    public func forceWithPullback(at q: State, time t: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                  input dq: inout State, parameters g: inout Parameters) {
        force(q, time: t, into: &value)
        forcePullback(at: q, time: t, cotangent: u, scale: s, input: &dq, parameters: &g)
    }
}

/// A second-order field y'' = F(y) with vector–Jacobian products.
public protocol DifferentiableSecondOrderField: SecondOrderVectorField {
    associatedtype Parameters
    func accelerationPullback(at y: State, time: Scalar, cotangent u: State, scale s: Scalar,
                              input dy: inout State, parameters g: inout Parameters)
    /// value ← F(y), then `accelerationPullback(at: y, …)`.
    func accelerationWithPullback(at y: State, time: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                  input dy: inout State, parameters g: inout Parameters)
}

extension DifferentiableSecondOrderField {
    @inlinable
    public func accelerationWithPullback(at y: State, time t: Scalar, into value: inout State, cotangent u: State, scale s: Scalar,
                                         input dy: inout State, parameters g: inout Parameters) {
        acceleration(y, time: t, into: &value)
        accelerationPullback(at: y, time: t, cotangent: u, scale: s, input: &dy, parameters: &g)
    }
}

/// A method whose step can be differentiated: given the step's input x and output y and the
/// cotangent of y, it replaces the cotangent by that of x and accumulates the parameters'
/// gradient. With `ReversibleIntegrator.unstep` this gives the reversible backward pass:
/// x = unstep(y); pullback(x → y) — one generic loop for every reversible block.
public protocol DifferentiableIntegrator: Integrator {
    associatedtype Parameters
    mutating func pullback(_ field: Field, from x: State, to y: State, time: Scalar, stepSize h: Scalar,
                           cotangent: inout State, parameters: inout Parameters)
}

/// A reversible method whose backward step rebuilds the input and pulls the cotangent back in
/// one pass: every field evaluation of `unstep` happens at a point where the pullback
/// linearises, so `…WithPullback` serves both (Chang et al. 2018, Algorithm 1, with the
/// recomputation shared). Same result as `unstep` followed by `pullback(from: x, to: y)`.
public protocol ReversibleDifferentiableIntegrator: ReversibleIntegrator, DifferentiableIntegrator {
    /// `state`: y at `time` → x at `time − h`; `cotangent`: that of y → that of x, and the
    /// parameters' gradient accumulated, as `pullback(…, from: x, to: y, time: time − h, …)`.
    mutating func unstepWithPullback(_ field: Field, _ state: inout State, time: Scalar, stepSize h: Scalar,
                                     cotangent: inout State, parameters: inout Parameters)
}

extension ForwardEuler: DifferentiableIntegrator where Field: DifferentiableVectorField {
    public typealias Parameters = Field.Parameters

    /// x' = x + h f(x): dx = dx' + h (∂f/∂x)ᵀ dx'.
    @inlinable
    public mutating func pullback(_ field: Field, from x: State, to y: State, time t: Scalar, stepSize h: Scalar,
                                  cotangent: inout State, parameters: inout Field.Parameters) {
        k.prepare(like: x)
        k.storage!.assign(cotangent)
        field.pullback(at: x, time: t, cotangent: k.storage!, scale: h, input: &cotangent, parameters: &parameters)
    }
}

extension StormerVerlet: DifferentiableIntegrator where Field: DifferentiablePartitionedField {
    public typealias Parameters = Field.Parameters

    @inlinable
    public mutating func pullback(_ field: Field, from x: State, to y: State, time t: Scalar, stepSize h: Scalar,
                                  cotangent c: inout State, parameters g: inout Field.Parameters) {
        switch scheme {
        case .staggered:
            // q₁ = q + h v(p), p₁ = p + h F(q₁), with q₁ = y.q.
            field.forcePullback(at: y.q, time: t + h, cotangent: c.p, scale: h, input: &c.q, parameters: &g)
            field.velocityPullback(at: x.p, time: t, cotangent: c.q, scale: h, input: &c.p, parameters: &g)
        case .symmetric:
            // q½ = q + (h/2) v(p), p₁ = p + h F(q½), q₁ = q½ + (h/2) v(p₁).
            k.prepare(like: x.q)
            field.velocity(x.p, time: t, into: &k.storage!)
            var half = x.q
            half.axpy(h / 2, k.storage!)
            field.velocityPullback(at: y.p, time: t + h, cotangent: c.q, scale: h / 2, input: &c.p, parameters: &g)
            field.forcePullback(at: half, time: t + h / 2, cotangent: c.p, scale: h, input: &c.q, parameters: &g)
            field.velocityPullback(at: x.p, time: t, cotangent: c.q, scale: h / 2, input: &c.p, parameters: &g)
        }
    }
}

extension ExplicitMidpoint: DifferentiableIntegrator where Field: DifferentiableVectorField {
    public typealias Parameters = Field.Parameters

    /// (y₋, y) ↦ (y, y₋ + 2h f(y)): d y₋ = d y₊, d y = d y_out + 2h (∂f/∂y)ᵀ d y₊.
    @inlinable
    public mutating func pullback(_ field: Field, from x: State, to y: State, time t: Scalar, stepSize h: Scalar,
                                  cotangent c: inout State, parameters g: inout Field.Parameters) {
        c.swapParts()  // (d y₊, d y_out)
        field.pullback(at: x.current, time: t, cotangent: c.previous, scale: 2 * h, input: &c.current, parameters: &g)
    }
}

extension Leapfrog: DifferentiableIntegrator where Field: DifferentiableSecondOrderField {
    public typealias Parameters = Field.Parameters

    /// (y₋, y) ↦ (y, 2y − y₋ + h² F(y)): d y₋ = −d y₊, d y = d y_out + 2 d y₊ + h² (∂F/∂y)ᵀ d y₊.
    @inlinable
    public mutating func pullback(_ field: Field, from x: State, to y: State, time t: Scalar, stepSize h: Scalar,
                                  cotangent c: inout State, parameters g: inout Field.Parameters) {
        c.previous.axpy(2, c.current)
        field.accelerationPullback(at: x.current, time: t, cotangent: c.current, scale: h * h, input: &c.previous, parameters: &g)
        c.current.scale(by: -1)
        c.swapParts()
    }
}

extension StormerVerlet: ReversibleDifferentiableIntegrator where Field: DifferentiablePartitionedField {
    @inlinable
    public mutating func unstepWithPullback(_ field: Field, _ s: inout State, time t: Scalar, stepSize h: Scalar,
                                            cotangent c: inout State, parameters g: inout Field.Parameters) {
        k.prepare(like: s.q)
        switch scheme {
        case .staggered:
            // p = p₁ − h F(q₁), then q = q₁ − h v(p): the pullback's two points, in its order.
            field.forceWithPullback(at: s.q, time: t, into: &k.storage!, cotangent: c.p, scale: h, input: &c.q, parameters: &g)
            s.p.axpy(-h, k.storage!)
            field.velocityWithPullback(at: s.p, time: t - h, into: &k.storage!, cotangent: c.q, scale: h, input: &c.p, parameters: &g)
            s.q.axpy(-h, k.storage!)
        case .symmetric:
            field.velocityWithPullback(at: s.p, time: t, into: &k.storage!, cotangent: c.q, scale: h / 2, input: &c.p, parameters: &g)
            s.q.axpy(-h / 2, k.storage!)
            field.forceWithPullback(at: s.q, time: t - h / 2, into: &k.storage!, cotangent: c.p, scale: h, input: &c.q, parameters: &g)
            s.p.axpy(-h, k.storage!)
            field.velocityWithPullback(at: s.p, time: t - h, into: &k.storage!, cotangent: c.q, scale: h / 2, input: &c.p, parameters: &g)
            s.q.axpy(-h / 2, k.storage!)
        }
    }
}

extension ExplicitMidpoint: ReversibleDifferentiableIntegrator where Field: DifferentiableVectorField {
    /// (y_n, y_{n+1}) ↦ (y_{n−1}, y_n) with f evaluated and pulled back at y_n.
    @inlinable
    public mutating func unstepWithPullback(_ field: Field, _ s: inout State, time t: Scalar, stepSize h: Scalar,
                                            cotangent c: inout State, parameters g: inout Field.Parameters) {
        k.prepare(like: s.current)
        c.swapParts()
        field.evaluateWithPullback(at: s.previous, time: t - h, into: &k.storage!, cotangent: c.previous, scale: 2 * h,
                                   input: &c.current, parameters: &g)
        s.current.axpy(-2 * h, k.storage!)
        s.swapParts()
    }
}

extension Leapfrog: ReversibleDifferentiableIntegrator where Field: DifferentiableSecondOrderField {
    /// (y_n, y_{n+1}) ↦ (y_{n−1}, y_n) with F evaluated and pulled back at y_n.
    @inlinable
    public mutating func unstepWithPullback(_ field: Field, _ s: inout State, time t: Scalar, stepSize h: Scalar,
                                            cotangent c: inout State, parameters g: inout Field.Parameters) {
        k.prepare(like: s.current)
        c.previous.axpy(2, c.current)
        field.accelerationWithPullback(at: s.previous, time: t - h, into: &k.storage!, cotangent: c.current, scale: h * h,
                                       input: &c.previous, parameters: &g)
        c.current.scale(by: -1)
        c.swapParts()
        s.current.scale(by: -1)
        s.current.axpy(2, s.previous)
        s.current.axpy(h * h, k.storage!)
        s.swapParts()
    }
}
