/** Ordinary least squares with a touch of ridge, by normal equations and Cholesky: small, exact, dependency-free. */

/** Accumulates XᵀX and Xᵀy one row at a time so callers never build the design matrix. */
export class NormalEquations {
  readonly size: number;
  private readonly xtx: Float64Array;
  private readonly xty: Float64Array;
  rows = 0;

  constructor(size: number) {
    this.size = size;
    this.xtx = new Float64Array(size * size);
    this.xty = new Float64Array(size);
  }

  /** Adds one row; `weight` serves iteratively reweighted least squares. */
  add(x: ArrayLike<number>, y: number, weight = 1): void {
    const k = this.size;
    for (let i = 0; i < k; i++) {
      const xi = x[i]! * weight;
      this.xty[i]! += xi * y;
      const row = i * k;
      for (let j = 0; j <= i; j++) this.xtx[row + j]! += xi * x[j]!;
    }
    this.rows++;
  }

  /**
   * The coefficients. `ridge` is added to the diagonal except the first entry (the intercept), relative to the
   * mean diagonal, so nearly collinear lags (neighbouring hours) stay stable without biasing the level.
   */
  solve(ridge = 1e-4): Float64Array {
    const k = this.size;
    const a = new Float64Array(k * k);
    let trace = 0;
    for (let i = 1; i < k; i++) trace += this.xtx[i * k + i]!;
    const penalty = k > 1 ? (ridge * trace) / (k - 1) + 1e-12 : 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        const v = this.xtx[i * k + j]! + (i === j && i > 0 ? penalty : 0);
        a[i * k + j] = v;
        a[j * k + i] = v;
      }
    }
    if (a[0] === 0) a[0] = 1e-12;
    return choleskySolve(a, this.xty, k);
  }
}

function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) l[i * k + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * k + j] = sum / l[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let m = 0; m < i; m++) sum -= l[i * k + m]! * y[m]!;
    y[i] = sum / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i]! * x[m]!;
    x[i] = sum / l[i * k + i]!;
  }
  return x;
}
