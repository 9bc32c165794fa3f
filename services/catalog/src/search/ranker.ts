// Product search: BM25 over name (boosted), category and description with fuzzy query expansion, then a
// trigram-similarity rerank of every document. Deliberately computed per query so profiles show real work.
import { expandQueryTerms } from './fuzzy.ts';
import { tokenize, trigrams } from './text.ts';

export interface SearchableProduct {
  id: string;
  name: string;
  description: string;
  category: string;
}

export interface SearchHit<P> {
  product: P;
  score: number;
}

interface IndexedDocument<P> {
  product: P;
  termFrequencies: Map<string, number>;
  length: number;
}

const K1 = 1.2;
const B = 0.75;
const NAME_BOOST = 3;
const MIN_SCORE = 0.12;

export class SearchIndex<P extends SearchableProduct> {
  readonly #documents: IndexedDocument<P>[];
  readonly #documentFrequency = new Map<string, number>();
  readonly #averageLength: number;

  constructor(products: P[]) {
    this.#documents = products.map((product) => indexDocument(product));
    for (const document of this.#documents) {
      for (const term of document.termFrequencies.keys()) {
        this.#documentFrequency.set(term, (this.#documentFrequency.get(term) ?? 0) + 1);
      }
    }
    const totalLength = this.#documents.reduce((sum, document) => sum + document.length, 0);
    this.#averageLength = totalLength / Math.max(1, this.#documents.length);
  }

  get size(): number {
    return this.#documents.length;
  }

  search(query: string, limit: number): SearchHit<P>[] {
    const queryTerms = tokenize(query);
    if (queryTerms.length === 0) return [];
    const expanded = expandQueryTerms(queryTerms, this.#documentFrequency.keys());
    // Every document is a candidate: the trigram pass finds misspelled queries BM25 cannot match at all.
    const candidates = this.#scoreBm25(expanded);
    return rerankByTrigramSimilarity(query, candidates)
      .filter((hit) => hit.score >= MIN_SCORE)
      .slice(0, limit);
  }

  #scoreBm25(expanded: Map<string, number>): SearchHit<P>[] {
    const documentCount = this.#documents.length;
    const hits: SearchHit<P>[] = [];
    for (const document of this.#documents) {
      let score = 0;
      for (const [term, weight] of expanded) {
        const frequency = document.termFrequencies.get(term);
        if (!frequency) continue;
        const df = this.#documentFrequency.get(term) ?? 0;
        const idf = Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
        const norm = frequency + K1 * (1 - B + (B * document.length) / this.#averageLength);
        score += weight * idf * ((frequency * (K1 + 1)) / norm);
      }
      hits.push({ product: document.product, score });
    }
    return hits;
  }
}

function indexDocument<P extends SearchableProduct>(product: P): IndexedDocument<P> {
  const termFrequencies = new Map<string, number>();
  const add = (text: string, boost: number) => {
    for (const term of tokenize(text)) termFrequencies.set(term, (termFrequencies.get(term) ?? 0) + boost);
  };
  add(product.name, NAME_BOOST);
  add(product.category, NAME_BOOST);
  add(product.description, 1);
  let length = 0;
  for (const frequency of termFrequencies.values()) length += frequency;
  return { product, termFrequencies, length };
}

/** Blends BM25 with how closely the whole query resembles the name and description (catches typos BM25 misses). */
function rerankByTrigramSimilarity<P extends SearchableProduct>(query: string, hits: SearchHit<P>[]): SearchHit<P>[] {
  const queryGrams = trigrams(query);
  const topScore = Math.max(Number.MIN_VALUE, ...hits.map((hit) => hit.score));
  return hits
    .map((hit) => {
      const similarity = Math.max(
        cosineSimilarity(queryGrams, trigrams(hit.product.name)),
        0.5 * cosineSimilarity(queryGrams, trigrams(hit.product.description)),
      );
      return { product: hit.product, score: round(0.7 * (hit.score / topScore) + 0.3 * similarity) };
    })
    .sort((a, b) => b.score - a.score);
}

function cosineSimilarity(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [gram, count] of a) {
    normA += count * count;
    dot += count * (b.get(gram) ?? 0);
  }
  for (const count of b.values()) normB += count * count;
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
