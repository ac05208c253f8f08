//! burn tensor ↔ ndarray conversion (f32, row-major). The sparse coding of the dictionary
//! bottleneck runs on these arrays through the `sparsecode` library, outside the autodiff graph.

use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array1, Array2, Array4, ArrayView2};
use sparsecode::{Error, Result};

/// Values of a rank-2 tensor (any device) as an `Array2<f32>` (detached).
pub fn to_array2(t: Tensor<2>) -> Result<Array2<f32>> {
    let [n, f] = t.dims();
    let v = t.detach().into_data().iter::<f32>().collect::<Vec<f32>>();
    Array2::from_shape_vec((n, f), v)
        .map_err(|e| Error::shape("tensor", format!("({n}, {f})"), e.to_string()))
}

/// Values of a rank-4 tensor as an `Array4<f32>` (detached).
pub fn to_array4(t: Tensor<4>) -> Result<Array4<f32>> {
    let [a, b, c, d] = t.dims();
    let v = t.detach().into_data().iter::<f32>().collect::<Vec<f32>>();
    Array4::from_shape_vec((a, b, c, d), v)
        .map_err(|e| Error::shape("tensor", format!("({a}, {b}, {c}, {d})"), e.to_string()))
}

/// Values of a rank-1 tensor as an `Array1<f32>` (detached).
pub fn to_array1(t: Tensor<1>) -> Result<Array1<f32>> {
    let v = t.detach().into_data().iter::<f32>().collect::<Vec<f32>>();
    Ok(Array1::from(v))
}

/// The scalar of a one-element tensor.
pub fn scalar(t: Tensor<1>) -> Result<f64> {
    let v = t.detach().into_data().iter::<f32>().collect::<Vec<f32>>();
    v.first().map(|&x| x as f64).ok_or(Error::Empty {
        what: "scalar tensor".into(),
    })
}

/// An `Array2<f32>` as a tensor on `device`.
pub fn from_array2(a: ArrayView2<'_, f32>, device: &Device) -> Tensor<2> {
    let (n, f) = a.dim();
    let v: Vec<f32> = a.iter().copied().collect();
    Tensor::from_data(TensorData::new(v, [n, f]), device)
}

/// An `Array4<f32>` as a tensor on `device`.
pub fn from_array4(a: &Array4<f32>, device: &Device) -> Tensor<4> {
    let (x, y, z, w) = a.dim();
    let v: Vec<f32> = a.iter().copied().collect();
    Tensor::from_data(TensorData::new(v, [x, y, z, w]), device)
}

/// An `Array1<f32>` as a tensor on `device`.
pub fn from_array1(a: &Array1<f32>, device: &Device) -> Tensor<1> {
    let v: Vec<f32> = a.iter().copied().collect();
    Tensor::from_data(TensorData::new(v, [a.len()]), device)
}
