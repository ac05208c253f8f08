//! [`SolveReport`]: what an iterative solver did (iterations, convergence, objective trace).

/// Summary of one run of an iterative solver on a batch.
///
/// Returned by [`IterativeEncoder::solve`](super::IterativeEncoder::solve) and `encode_report` of
/// [`Ista`](super::Ista), [`Fista`](super::Fista),
/// [`Admm`](super::Admm), [`Lca`](super::Lca) and [`Iht`](super::Iht).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SolveReport {
    /// Number of iterations performed.
    pub iterations: usize,
    /// Whether the stopping criterion was met before `max_iter`.
    pub converged: bool,
    /// Objective of the whole batch after each iteration (summed over rows), as `f64`.
    /// For the lasso solvers `Σ_i ½‖x_i − a_i·D‖² + λ‖a_i‖₁`; see each solver for its own.
    pub objective: Vec<f64>,
}
