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

impl SolveReport {
    /// The report of a batch solved in consecutive parts with these reports (in row order):
    /// iterations the largest of the parts', converged when every part converged, and the
    /// objective after iteration `i` the sum over parts (in order) of each part's objective
    /// after `min(i, its last)` iteration (a part that stopped keeps its value).
    pub fn merge(reports: &[SolveReport]) -> SolveReport {
        let iterations = reports.iter().map(|r| r.iterations).max().unwrap_or(0);
        let converged = reports.iter().all(|r| r.converged);
        let longest = reports.iter().map(|r| r.objective.len()).max().unwrap_or(0);
        let objective = (0..longest)
            .map(|i| {
                reports
                    .iter()
                    .filter_map(|r| r.objective.get(i).or(r.objective.last()))
                    .sum()
            })
            .collect();
        SolveReport {
            iterations,
            converged,
            objective,
        }
    }
}
