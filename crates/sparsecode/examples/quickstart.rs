//! The library in one page: a random dictionary, planted sparse signals, codes by OMP and
//! FISTA, the reconstruction error, and the result saved for numpy.
//!
//! Run with `cargo run --release -p sparsecode --example quickstart`.

use ndarray::Array2;
use rand::Rng as _;
use sparsecode::encode::{lasso_objective, Encoder, Fista, Omp};
use sparsecode::rng::{randn, rng_from_seed};
use sparsecode::{io, Dictionary};

fn main() -> sparsecode::Result<()> {
    let mut rng = rng_from_seed(42);
    // 128 unit-norm atoms of dimension 64 (rows).
    let dict = Dictionary::<f64>::random(128, 64, &mut rng)?;
    // 500 signals, each a combination of 5 atoms.
    let mut codes = Array2::<f64>::zeros((500, 128));
    for mut row in codes.rows_mut() {
        for _ in 0..5 {
            row[rng.random_range(0..128)] = 1.0 + rng.random::<f64>();
        }
    }
    let x = dict.reconstruct(codes.view())? + randn::<f64>(500, 64, &mut rng) * 0.01;

    let a_omp = Omp::with_n_nonzero(5).encode(&dict, x.view())?;
    let a_fista = Fista {
        lambda: 0.05,
        ..Fista::default()
    }
    .encode(&dict, x.view())?;
    let err = |a: &Array2<f64>| -> sparsecode::Result<f64> {
        let r = &x - &dict.reconstruct(a.view())?;
        Ok((r.iter().map(|v| v * v).sum::<f64>() / x.iter().map(|v| v * v).sum::<f64>()).sqrt())
    };
    println!("OMP   relative error {:.4}", err(&a_omp)?);
    println!(
        "FISTA relative error {:.4}, lasso objective {:.3}",
        err(&a_fista)?,
        lasso_objective(&dict, x.view(), a_fista.view(), 0.05)?
    );
    let dir = std::env::temp_dir().join("sparsecode-quickstart");
    io::write_npy(dir.join("codes.npy"), &a_omp)?;
    io::write_npy(dir.join("dictionary.npy"), &dict.atoms().to_owned())?;
    println!(
        "wrote {}/codes.npy and dictionary.npy (np.load opens them)",
        dir.display()
    );
    Ok(())
}
