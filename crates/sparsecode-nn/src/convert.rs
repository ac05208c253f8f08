//! burn tensor ↔ ndarray conversion (f32, row-major). The sparse coding of the dictionary
//! bottleneck runs on these arrays through the `sparsecode` library, outside the autodiff graph.

use burn::tensor::{DType, Device, Tensor, TensorData};
use ndarray::{Array1, Array2, Array4, ArrayView2};
use sparsecode::{Error, Result};

/// The values of `t` as `f32` (detached): one copy of the tensor's bytes when it holds `f32`,
/// converted value by value otherwise.
fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    let data = t.detach().into_data();
    if data.dtype() == DType::F32 {
        if let Ok(v) = data.as_slice::<f32>() {
            return v.to_vec();
        }
    }
    data.iter::<f32>().collect()
}

/// Values of a rank-2 tensor (any device) as an `Array2<f32>` (detached).
pub fn to_array2(t: Tensor<2>) -> Result<Array2<f32>> {
    let [n, f] = t.dims();
    let v = values(t);
    Array2::from_shape_vec((n, f), v)
        .map_err(|e| Error::numerical("tensor to array", e.to_string()))
}

/// Values of a rank-4 tensor as an `Array4<f32>` (detached).
pub fn to_array4(t: Tensor<4>) -> Result<Array4<f32>> {
    let [a, b, c, d] = t.dims();
    let v = values(t);
    Array4::from_shape_vec((a, b, c, d), v)
        .map_err(|e| Error::numerical("tensor to array", e.to_string()))
}

/// Values of a rank-1 tensor as an `Array1<f32>` (detached).
pub fn to_array1(t: Tensor<1>) -> Result<Array1<f32>> {
    let v = values(t);
    Ok(Array1::from(v))
}

/// The scalar of a one-element tensor.
pub fn scalar(t: Tensor<1>) -> Result<f64> {
    let v = values(t);
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
