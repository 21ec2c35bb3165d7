import Expressions

/// Compiles a `SystemDescription` into programs (in Double; `DefinedSystem` runs them in the
/// chosen precision): resolves parameters, lays out the state, lowers definitions and
/// equations into one graph, differentiates (reverse mode for a Hamiltonian's gradient,
/// forward mode for every Jacobian–vector product) and emits the programs.
struct SystemCompiler {
    /// A compiled function and where its argument sits among the graph's inputs.
    struct Function {
        var value: Program
        var derivative: Program
        var argument: Int
        var direction: Int
        var inputDimension: Int
        var outputDimension: Int
    }

    enum Form {
        case field(Function)
        case separable(velocity: Function, force: Function)
        case secondOrder(Function)
        case map(Function, inverse: Function?)
    }

    struct Compiled {
        var form: Form
        var rightHandSide: Function
        var energy: Function?
        var initial: [Double]
        var timeSlot: Int
        var isTimeDependent: Bool
        var notes: [String]
    }

    /// The largest state accepted (a family's size comes from a parameter a flag can set).
    static let maximumDimension = 100_000
    /// The most graph nodes a system may compile to (each costs about 100 bytes with its
    /// lookup entry).
    static let maximumNodes = 4_000_000

    let d: SystemDescription
    private(set) var parameters: [String: Double] = [:]
    private(set) var parameterOrder: [String] = []
    private(set) var coordinateNames: [String] = []
    private(set) var graph = Graph()
    private(set) var sources: [(firstNode: Int, source: SourceText)] = []
    /// Names of the state: variables (or q), then momenta or velocities.
    private var scope = Scope()
    /// Each declared name's slots in the flat state.
    private var slots: [String: [Int]] = [:]
    private var families: Set<String> = []
    private var velocityNames: Set<String> = []
    /// N, the flat state's size; inputs are x (0..<N), t (N), v (N+1..<2N+1).
    private var n = 0

    init(_ d: SystemDescription, overrides: [String: Double]) throws(SystemError) {
        self.d = d
        try resolveParameters(overrides)
        try layOut()
    }

    // MARK: Parameters and layout

    private mutating func resolveParameters(_ overrides: [String: Double]) throws(SystemError) {
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard d.parameters[name] != nil else {
                let known = d.parameters.keys.sorted()
                throw SystemError("--param \(name): \(d.name) has no parameter '\(name)'\(known.isEmpty ? " (it has none)" : "; its parameters are \(known.joined(separator: ", "))")")
            }
            guard value.isFinite else { throw SystemError("--param \(name): the value must be finite, got \(value)") }
        }
        var parsed: [String: Expression] = [:]
        for (name, source) in d.parameters {
            try checkName(name, key: source.key)
            parsed[name] = try source.parsed()
        }
        let order = try Self.topologicalOrder(parsed.mapValues { $0.names }, what: "parameters")
        var scratch = Graph()
        var known = Scope()
        for name in order {
            var value = overrides[name] ?? 0
            if overrides[name] == nil {
                let node: Int
                do { node = try scratch.lower(parsed[name]!, in: known) } catch { throw d.parameters[name]!.located(error) }
                guard let v = scratch.constantValue(node) else {
                    throw d.parameters[name]!.located(ExpressionError("a parameter is computed from numbers and other parameters only", at: parsed[name]!.range))
                }
                value = v
            }
            parameters[name] = value
            parameterOrder.append(name)
            known.bindings[name] = .node(scratch.constant(value))
        }
        // Parameters are constants of the system's graph.
        for name in parameterOrder { scope.bindings[name] = .node(graph.constant(parameters[name]!)) }
    }

    /// The parameters as constants of `g`: the scope of sizes and initial values.
    private func parameterScope(_ g: inout Graph) -> Scope {
        var s = Scope()
        for (p, v) in parameters { s.bindings[p] = .node(g.constant(v)) }
        return s
    }

    /// The value of `e`, written at `source`, in `scope` (parameters, and a family's index, as
    /// constants of `g`): what family sizes and initial values are. If it is not a finite
    /// constant, `requirement` is the error.
    private func constant(_ e: Expression, from source: SourceText, in g: inout Graph, scope: Scope, requirement: String) throws(SystemError) -> Double {
        let node: Int
        do { node = try g.lower(e, in: scope) } catch { throw source.located(error) }
        guard let v = g.constantValue(node), v.isFinite else { throw source.located(ExpressionError(requirement, at: e.range)) }
        return v
    }

    /// Rejects a name that is reserved or a function's.
    private func checkName(_ name: String, key: String) throws(SystemError) {
        if Scope.reserved.contains(name) || Operation.functions[name] != nil {
            throw SystemError("\(d.path): \(key): '\(name)' is reserved (t is time, pi is π, and \(Operation.functions.keys.sorted().joined(separator: ", ")) are functions); choose another name")
        }
    }

    private mutating func layOut() throws(SystemError) {
        var declared: [(name: String, size: Int?)]
        func expand(_ declarations: [SystemDescription.Declaration]) throws(SystemError) -> [(name: String, size: Int?)] {
            var result: [(name: String, size: Int?)] = []
            for declaration in declarations {
                guard let sizeText = declaration.size else { result.append((declaration.name, nil)); continue }
                let e = try sizeText.parsed()
                var g = Graph()
                let requirement = "a family's size must be a whole number from 1 to \(Self.maximumDimension), from the parameters"
                let scope = parameterScope(&g)
                let size = try constant(e, from: sizeText, in: &g, scope: scope, requirement: requirement)
                guard size == size.rounded(), size >= 1, size <= Double(Self.maximumDimension) else {
                    throw sizeText.located(ExpressionError(requirement, at: e.range))
                }
                result.append((declaration.name, Int(size)))
            }
            return result
        }
        declared = try expand(d.variables)
        switch d.kind {
        case .hamiltonian:
            declared += try expand(d.momenta)
        case .secondOrder:
            let names = d.velocities ?? declared.map { "v_\($0.name)" }
            guard names.count == declared.count else {
                throw SystemError("\(d.path): velocities: \(names.count) names for \(declared.count) variables; give one per variable")
            }
            velocityNames = Set(names)
            declared += zip(names, declared).map { ($0, $1.size) }
        case .ode, .map:
            break
        }
        for (name, size) in declared {
            try checkName(name, key: "variables")
            guard slots[name] == nil, parameters[name] == nil, d.definitions[name] == nil else {
                throw SystemError("\(d.path): '\(name)' is declared twice (as a variable, parameter or definition); give each its own name")
            }
            let first = n
            n += size ?? 1
            guard n <= Self.maximumDimension else {
                throw SystemError("\(d.path): the state has more than \(Self.maximumDimension) coordinates; reduce the families' sizes")
            }
            slots[name] = Array(first..<n)
            if let size {
                families.insert(name)
                coordinateNames += (0..<size).map { "\(name)[\($0)]" }
            } else {
                coordinateNames.append(name)
            }
        }
        for (name, members) in slots {
            scope.bindings[name] = families.contains(name) ? .family(members.map { graph.input($0) }) : .node(graph.input(members[0]))
        }
        if d.kind != .map { scope.bindings["t"] = .node(graph.input(n)) }
    }

    // MARK: Compilation

    mutating func compile() throws(SystemError) -> Compiled {
        try lowerDefinitions()
        var notes: [String] = []
        let form: Form, rightHandSide: Function
        var energy: Function?
        var rhsNodes: [Int]
        let half = n / 2
        switch d.kind {
        case .ode:
            let f = try lowerEquations(d.equations, key: "equations")
            rhsNodes = f
            rightHandSide = try function(f, argument: 0, width: n)
            form = .field(rightHandSide)
        case .map:
            let g = try lowerEquations(d.equations, key: "equations")
            let inverse = try d.inverse.map { (table) throws(SystemError) in try lowerEquations(table, key: "inverse") }
            rhsNodes = g
            rightHandSide = try function(g, argument: 0, width: n)
            form = .map(rightHandSide, inverse: try inverse.map { (nodes) throws(SystemError) in try function(nodes, argument: 0, width: n) })
        case .secondOrder:
            let a = try lowerEquations(d.equations, key: "equations")
            let acceleration = try function(a, argument: 0, width: half)
            rhsNodes = (half..<n).map { graph.input($0) } + a
            rightHandSide = try function(rhsNodes, argument: 0, width: n)
            form = .secondOrder(acceleration)
        case .hamiltonian:
            let h = try lower(d.hamiltonian!)
            let gradient = graph.gradient(of: h, withRespectTo: Array(0..<n))
            var velocity: [Int] = [], force: [Int] = []
            for i in 0..<half { velocity.append(gradient[half + i] ?? graph.constant(0)) }
            for i in 0..<half {
                let dq = gradient[i] ?? graph.constant(0)
                force.append(graph.apply(.negate, dq))
            }
            sources.append((graph.nodes.count, d.hamiltonian!))
            rhsNodes = velocity + force
            rightHandSide = try function(rhsNodes, argument: 0, width: n)
            let vInputs = inputs(of: velocity), fInputs = inputs(of: force)
            let separable = vInputs.allSatisfy { $0 >= half } && fInputs.allSatisfy { $0 < half || $0 == n }
            if !separable {
                form = .field(rightHandSide)
                notes.append("H is not separable (∂H/∂p depends on q or ∂H/∂q on p): integrated as a first-order system; verlet and leapfrog need H = T(p) + V(q)")
            } else if velocity.enumerated().allSatisfy({ $0.element == graph.input(half + $0.offset) }) {
                form = .secondOrder(try function(force, argument: 0, width: half))
            } else {
                form = .separable(velocity: try function(velocity, argument: half, width: half), force: try function(force, argument: 0, width: half))
            }
            energy = try function([h], argument: 0, width: n)
        }
        if let e = d.energy {
            for name in velocityNames { scope.bindings[name] = .node(graph.input(slots[name]![0])) }
            energy = try function([try lower(e)], argument: 0, width: n)
        }
        guard graph.nodes.count <= Self.maximumNodes else {
            throw SystemError("\(d.path): the system compiles to \(graph.nodes.count) operations, more than \(Self.maximumNodes); reduce its size")
        }
        let timeNode = graph.input(n)
        let timeDependent = graph.cone(of: rhsNodes).contains(timeNode)
        return Compiled(form: form, rightHandSide: rightHandSide, energy: energy, initial: try initialPoint(), timeSlot: n,
                        isTimeDependent: timeDependent && d.kind != .map, notes: notes)
    }

    private func inputs(of nodes: [Int]) -> Set<Int> {
        Set(graph.cone(of: nodes).compactMap { if case .input(let k) = graph.nodes[$0] { k } else { nil } })
    }

    /// A function of the inputs argument ..< argument + width (and t), with its directional
    /// derivatives along the direction inputs.
    private mutating func function(_ outputs: [Int], argument: Int, width: Int) throws(SystemError) -> Function {
        var seeds: [Int: Int] = [:]
        for i in 0..<width { seeds[argument + i] = graph.input(n + 1 + argument + i) }
        let raw = graph.tangents(of: outputs, seeds: seeds)
        var tangents: [Int] = []
        for t in raw { tangents.append(t ?? graph.constant(0)) }
        guard graph.nodes.count <= Self.maximumNodes else {
            throw SystemError("\(d.path): the system compiles to more than \(Self.maximumNodes) operations; reduce its size")
        }
        let count = 2 * n + 1
        return Function(value: Program(graph, outputs: outputs, inputCount: count),
                        derivative: Program(graph, outputs: outputs + tangents, inputCount: count, late: (n + 1)..<count),
                        argument: argument, direction: n + 1 + argument, inputDimension: width, outputDimension: outputs.count)
    }

    /// Lowers one source's expression, recording which nodes it created.
    private mutating func lower(_ source: SourceText, parsed: Expression? = nil, extra: [String: Binding] = [:]) throws(SystemError) -> Int {
        let e: Expression
        if let parsed { e = parsed } else { e = try source.parsed() }
        var s = scope
        for (k, v) in extra { s.bindings[k] = v }
        sources.append((graph.nodes.count, source))
        if d.kind == .secondOrder, source.key.hasPrefix("equations"), let v = e.names.first(where: velocityNames.contains) {
            throw source.located(ExpressionError("y'' = F(y, t) cannot read the velocity '\(v)'; write the system as kind = \"ode\" instead", at: e.range))
        }
        let node: Int
        do { node = try graph.lower(e, in: s) } catch { throw source.located(error) }
        // Checked as the graph grows: a large family times a long equation must not exhaust
        // memory before the final check.
        guard graph.nodes.count <= Self.maximumNodes else {
            throw SystemError("\(d.path): the system compiles to more than \(Self.maximumNodes) operations; reduce its size")
        }
        return node
    }

    private mutating func lowerDefinitions() throws(SystemError) {
        var parsed: [String: Expression] = [:]
        for (name, source) in d.definitions {
            try checkName(name, key: source.key)
            parsed[name] = try source.parsed()
        }
        let order = try Self.topologicalOrder(parsed.mapValues { $0.names }, what: "definitions")
        for name in order { scope.bindings[name] = .node(try lower(d.definitions[name]!)) }
    }

    /// One node per state coordinate (of the first half for second-order systems), from the
    /// table's entries `x` or `x[i]`.
    private mutating func lowerEquations(_ table: [String: SourceText], key: String) throws(SystemError) -> [Int] {
        let declared = d.kind == .secondOrder ? coordinateNames.count / 2 : coordinateNames.count
        var result = [Int?](repeating: nil, count: declared)
        for (entry, source) in table.sorted(by: { $0.key < $1.key }) {
            let target: Expression
            do { target = try ExpressionParser.parse(entry) } catch {
                throw SystemError("\(d.path): \(key): '\(entry)' is not a variable name or x[i]")
            }
            switch target.syntax {
            case .name(let name) where slots[name] != nil && !families.contains(name) && !velocityNames.contains(name):
                result[slots[name]![0]] = try lower(source)
            case .indexed(let name, let index) where families.contains(name) && !velocityNames.contains(name):
                guard case .name(let i) = index.syntax, scope.bindings[i] == nil, !Scope.reserved.contains(i) else {
                    throw SystemError("\(d.path): \(key).\"\(entry)\": the index must be a new name, as in \"\(name)[i]\"")
                }
                let parsed = try source.parsed()  // once for the whole family
                for (k, slot) in slots[name]!.enumerated() {
                    result[slot] = try lower(source, parsed: parsed, extra: [i: .node(graph.constant(Double(k)))])
                }
            default:
                let names = d.variables.map { $0.size == nil ? $0.name : "\"\($0.name)[i]\"" }.joined(separator: ", ")
                throw SystemError("\(d.path): \(key).\(entry): '\(entry)' is not a variable of this system; the equations are for \(names)")
            }
        }
        if let missing = result.firstIndex(where: { $0 == nil }) {
            throw SystemError("\(d.path): [\(key)] has no equation for \(coordinateNames[missing]); give one per variable")
        }
        return result.map { $0! }
    }

    private func initialPoint() throws(SystemError) -> [Double] {
        switch d.initial {
        case nil:
            return [Double](repeating: 0, count: n)
        case .values(let values):
            guard values.count == n else {
                throw SystemError("\(d.path): initial has \(values.count) values; \(d.name) has \(n) coordinates (\(coordinateNames.prefix(8).joined(separator: ", "))\(n > 8 ? ", …" : ""))")
            }
            var g = Graph()
            let constants = parameterScope(&g)
            var point: [Double] = []
            for source in values {
                point.append(try constant(try source.parsed(), from: source, in: &g, scope: constants,
                                          requirement: "an initial value is a finite number computed from parameters"))
            }
            return point
        case .expressions(let table):
            var point = [Double](repeating: 0, count: n)
            var g = Graph()
            let constants = parameterScope(&g)
            for (entry, source) in table.sorted(by: { $0.key < $1.key }) {
                let e = try source.parsed()
                let target = try? ExpressionParser.parse(entry)
                var members: [(slot: Int, index: (String, Int)?)] = []
                switch target?.syntax {
                case .name(let name)? where slots[name] != nil && !families.contains(name):
                    members = [(slots[name]![0], nil)]
                case .indexed(let name, let index)? where families.contains(name):
                    guard case .name(let i) = index.syntax else { throw SystemError("\(d.path): initial.\"\(entry)\": write the family as \"\(name)[i]\"") }
                    members = slots[name]!.enumerated().map { ($1, (i, $0)) }
                default:
                    throw SystemError("\(d.path): initial.\(entry): '\(entry)' is not a coordinate; the coordinates are \(coordinateNames.prefix(12).joined(separator: ", "))")
                }
                for (slot, index) in members {
                    var s = constants
                    if let (i, k) = index { s.bindings[i] = .node(g.constant(Double(k))) }
                    point[slot] = try constant(e, from: source, in: &g, scope: s,
                                               requirement: "an initial value is a finite number computed from parameters (and a family's index)")
                }
            }
            return point
        }
    }

    /// The names in dependency order (each after those it uses), or the cycle as an error.
    static func topologicalOrder(_ dependencies: [String: Set<String>], what: String) throws(SystemError) -> [String] {
        var state: [String: Int] = [:]  // 1: on the path, 2: done
        var order: [String] = []
        for root in dependencies.keys.sorted() where state[root] == nil {
            var path: [(name: String, pending: [String])] = [(root, dependencies[root]!.filter { dependencies[$0] != nil }.sorted())]
            state[root] = 1
            while !path.isEmpty {
                if let next = path[path.count - 1].pending.popLast() {
                    if state[next] == 1 {
                        let names = path.map(\.name)
                        let cycle = names[names.firstIndex(of: next)!...] + [next]
                        throw SystemError("the \(what) form a cycle: \(cycle.joined(separator: " → ")); break it")
                    }
                    if state[next] == nil {
                        state[next] = 1
                        path.append((next, dependencies[next]!.filter { dependencies[$0] != nil }.sorted()))
                    }
                } else {
                    let done = path.removeLast().name
                    state[done] = 2
                    order.append(done)
                }
            }
        }
        return order
    }
}
