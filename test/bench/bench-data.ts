import { seededRandom } from "../helpers/random.js";

/**
 * Embedding-like vectors that do not flatter an ANN index: a mixture of many broad topics whose
 * members vary along a shared 32-dimensional latent space plus per-topic directions, projected to
 * `dimension` dimensions with isotropic noise. Not i.i.d. Gaussian, not a few tight clusters; the
 * local intrinsic dimensionality is measured and printed by the benchmark.
 */
export function benchVectors(seed: number, count: number, dimension: number): Float32Array {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const latent = 32;
  const topics = 200;
  const projection = new Float32Array(latent * dimension).map(() => gauss() / Math.sqrt(latent));
  const centers = Array.from({ length: topics }, () => Float32Array.from({ length: latent }, () => gauss()));
  const out = new Float32Array(count * dimension);
  const z = new Float32Array(latent);
  for (let i = 0; i < count; i++) {
    const c = centers[Math.floor(rand() * topics)]!;
    for (let l = 0; l < latent; l++) z[l] = c[l]! + gauss() * 0.9;
    const base = i * dimension;
    for (let d = 0; d < dimension; d++) {
      let x = gauss() * 0.15;
      for (let l = 0; l < latent; l++) x += z[l]! * projection[l * dimension + d]!;
      out[base + d] = x;
    }
  }
  return out;
}

/**
 * Maximum-likelihood local intrinsic dimensionality (Levina & Bickel), averaged over sample
 * points, from their k nearest neighbours by Euclidean distance.
 */
export function localIntrinsicDimensionality(data: Float32Array, dimension: number, sample: number, k = 20): number {
  const n = data.length / dimension;
  let total = 0;
  const step = Math.max(1, Math.floor(n / sample));
  let used = 0;
  for (let s = 0; s < n && used < sample; s += step, used++) {
    const dists: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === s) continue;
      let d = 0;
      for (let t = 0; t < dimension; t++) {
        const x = data[s * dimension + t]! - data[j * dimension + t]!;
        d += x * x;
      }
      dists.push(Math.sqrt(d));
    }
    dists.sort((a, b) => a - b);
    const rk = dists[k - 1]!;
    let sum = 0;
    for (let i = 0; i < k - 1; i++) sum += Math.log(dists[i]! / rk);
    total += -(k - 1) / sum;
  }
  return total / used;
}
