import { seededRandom } from "./random.js";

/**
 * Vectors with the shape of real embeddings rather than i.i.d. noise: a mixture of topics, each
 * a random direction plus variation inside a low-dimensional latent space, projected into
 * `dimension` dimensions with a little isotropic noise.
 */
export function embeddingLike(seed: number, count: number, dimension: number, latent = 12, topics = 40): number[][] {
  const rand = seededRandom(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const projection = Array.from({ length: latent }, () => Array.from({ length: dimension }, gauss));
  const centers = Array.from({ length: topics }, () => Array.from({ length: latent }, () => gauss() * 1.5));
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const c = centers[Math.floor(rand() * topics)]!;
    const z = c.map((v) => v + gauss());
    const x = new Array<number>(dimension).fill(0);
    for (let l = 0; l < latent; l++) for (let d = 0; d < dimension; d++) x[d]! += z[l]! * projection[l]![d]!;
    for (let d = 0; d < dimension; d++) x[d]! += gauss() * 0.5;
    out.push(x);
  }
  return out;
}
