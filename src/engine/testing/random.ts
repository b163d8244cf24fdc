// Tests use the engine's seeded randomness (src/engine/util/random.ts).
export * from '../util/random.ts';
