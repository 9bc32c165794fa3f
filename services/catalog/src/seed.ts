// Deterministic seed catalog: the same few hundred products on every machine, so searches and tests are stable.
import { seededRandom } from '@lab/service-kit';
import type { Product } from './store.ts';

const PRODUCT_COUNT = 400;

const categories: Record<string, { nouns: string[]; features: string[] }> = {
  coffee: {
    nouns: ['espresso grinder', 'pour-over kettle', 'french press', 'milk frother', 'coffee scale', 'cold brew jar', 'moka pot', 'burr grinder'],
    features: ['stepless grind adjustment', 'gooseneck spout', 'double-walled glass', 'built-in timer', 'stainless steel burrs', 'precise temperature control'],
  },
  tea: {
    nouns: ['tea infuser', 'matcha whisk', 'gaiwan set', 'tea caddy', 'cast iron teapot', 'tea kettle', 'sencha sampler'],
    features: ['fine mesh filter', 'hand carved bamboo', 'airtight lid', 'enamel lining', 'porcelain glaze', 'loose leaf friendly'],
  },
  kitchen: {
    nouns: ['chef knife', 'cutting board', 'dutch oven', 'cast iron skillet', 'mixing bowl set', 'spice rack', 'stand mixer', 'baking sheet'],
    features: ['full tang blade', 'end grain walnut', 'enameled interior', 'pre-seasoned surface', 'nesting design', 'dishwasher safe'],
  },
  audio: {
    nouns: ['wireless headphones', 'bookshelf speaker', 'turntable', 'studio monitor', 'portable speaker', 'earbuds', 'headphone amplifier'],
    features: ['active noise cancelling', 'bluetooth multipoint', 'balanced output', 'long battery life', 'low latency codec', 'walnut cabinet'],
  },
  outdoor: {
    nouns: ['hiking backpack', 'camping stove', 'trekking poles', 'sleeping bag', 'headlamp', 'water filter', 'rain shell', 'tent'],
    features: ['ultralight frame', 'waterproof seams', 'rechargeable battery', 'packable design', 'reflective trim', 'four season rating'],
  },
  books: {
    nouns: ['field guide', 'cookbook', 'travel journal', 'atlas', 'novel', 'poetry collection', 'photo book'],
    features: ['hardcover binding', 'illustrated maps', 'lay-flat pages', 'recycled paper', 'signed edition', 'ribbon bookmark'],
  },
  garden: {
    nouns: ['pruning shears', 'watering can', 'raised bed', 'compost bin', 'seed starter kit', 'garden gloves', 'hose reel'],
    features: ['carbon steel blades', 'rust resistant coating', 'cedar wood', 'ergonomic grip', 'self watering tray', 'uv stabilized'],
  },
};

const adjectives = ['classic', 'compact', 'premium', 'everyday', 'artisan', 'professional', 'heritage', 'modern', 'rugged', 'minimal', 'deluxe', 'nordic'];
const brands = ['Aurora', 'Basalt', 'Cedar & Co', 'Driftwood', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Juniper', 'Kestrel', 'Lumen', 'Meridian'];
const phrases = [
  'designed for daily use',
  'built to last for years',
  'tested by our team',
  'a favourite with customers',
  'easy to clean and maintain',
  'ships in recyclable packaging',
  'backed by a two year warranty',
  'made from responsibly sourced materials',
  'perfect as a gift',
  'balanced and comfortable in the hand',
];


export function generateProducts(count = PRODUCT_COUNT, seed = 42): Product[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const categoryNames = Object.keys(categories);
  return Array.from({ length: count }, (_, index) => {
    const category = categoryNames[index % categoryNames.length]!;
    const { nouns, features } = categories[category]!;
    const noun = pick(nouns);
    const brand = pick(brands);
    const adjective = pick(adjectives);
    const featureList = [pick(features), pick(features), pick(features)].filter((item, i, all) => all.indexOf(item) === i);
    const description =
      `The ${brand} ${adjective} ${noun} with ${featureList.join(', ')}. ` +
      `${capitalize(pick(phrases))}, ${pick(phrases)}. ` +
      `A ${adjective} choice for ${category} lovers: ${pick(phrases)} and ${pick(phrases)}.`;
    return {
      id: `p-${String(index + 1).padStart(4, '0')}`,
      name: titleCase(`${brand} ${adjective} ${noun}`),
      description,
      category,
      priceCents: 500 + Math.floor(random() * 400) * 50,
      // Deep stock: long load tests and benchmarks check out the same products for many minutes.
      stock: 50_000 + Math.floor(random() * 50_000),
    };
  });
}

function titleCase(text: string): string {
  return text.split(' ').map(capitalize).join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
