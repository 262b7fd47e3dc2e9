"use strict";
/** Small statistics helpers for the benchmarks (pure functions, unit-tested). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.percentile = percentile;
exports.percentileOfSorted = percentileOfSorted;
exports.summarize = summarize;
exports.ratio = ratio;
exports.sig = sig;
/** The p-th percentile (0–100) of `values` by the nearest-rank method; NaN when empty. */
function percentile(values, p) {
    if (values.length === 0)
        return NaN;
    if (!(p >= 0 && p <= 100))
        throw new RangeError(`percentile must be within 0–100, got ${p}`);
    const sorted = [...values].sort((a, b) => a - b);
    return percentileOfSorted(sorted, p);
}
/** Nearest-rank percentile of an already ascending-sorted array. */
function percentileOfSorted(sorted, p) {
    if (sorted.length === 0)
        return NaN;
    if (p <= 0)
        return sorted[0];
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
/** count/min/p50/p90/p99/max/mean of `values` (NaN fields when empty). */
function summarize(values) {
    const sorted = Float64Array.from(values).sort();
    const arr = Array.from(sorted);
    let sum = 0;
    for (const v of arr)
        sum += v;
    return {
        count: arr.length,
        min: arr.length ? arr[0] : NaN,
        p50: percentileOfSorted(arr, 50),
        p90: percentileOfSorted(arr, 90),
        p99: percentileOfSorted(arr, 99),
        max: arr.length ? arr[arr.length - 1] : NaN,
        mean: arr.length ? sum / arr.length : NaN,
    };
}
/** a / b, or null when either is missing or b is 0. */
function ratio(a, b) {
    if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
        return null;
    return a / b;
}
/** Rounds to `digits` significant digits (for reports); null/NaN stay null. */
function sig(value, digits = 3) {
    if (value == null || !Number.isFinite(value))
        return null;
    if (value === 0)
        return 0;
    return Number(value.toPrecision(digits));
}
//# sourceMappingURL=stats.js.map