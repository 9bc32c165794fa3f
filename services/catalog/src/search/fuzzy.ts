// Typo tolerance: expands each query term to vocabulary terms within a small edit distance.

/** Damerau-Levenshtein (optimal string alignment) distance, giving up once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j < cols; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
  }
  return d[rows * cols - 1]!;
}

/** Allowed typos grow with term length: none for short words, up to two for long ones. */
function allowedEdits(term: string): number {
  if (term.length <= 3) return 0;
  return term.length <= 6 ? 1 : 2;
}

/** For each query term, the vocabulary terms it may mean, weighted: exact 1, prefix 0.8, typo 0.6 / 0.4. */
export function expandQueryTerms(queryTerms: string[], vocabulary: Iterable<string>): Map<string, number> {
  const expanded = new Map<string, number>();
  const keep = (term: string, weight: number) => expanded.set(term, Math.max(expanded.get(term) ?? 0, weight));
  const words = [...vocabulary];
  for (const queryTerm of queryTerms) {
    const maxEdits = allowedEdits(queryTerm);
    for (const word of words) {
      if (word === queryTerm) keep(word, 1);
      else if (queryTerm.length >= 3 && word.startsWith(queryTerm)) keep(word, 0.8);
      else if (maxEdits > 0) {
        const distance = editDistance(queryTerm, word, maxEdits);
        if (distance <= maxEdits) keep(word, distance === 1 ? 0.6 : 0.4);
      }
    }
  }
  return expanded;
}
