// Umbrella module: `import Dynamics` gives the whole public API.
@_exported import ComplexModule
@_exported import Integrators
@_exported import LinearAlgebra
@_exported import MessagePassing
@_exported import Networks
@_exported import Stability
